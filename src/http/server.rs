//! The connection layer: accepts TCP connections, reads HTTP/1.1 requests with `httparse`,
//! enforces every limit and deadline, calls the [`Handler`] and writes the response. It owns
//! the accept loop (which must never die), the thread-per-connection model with a hard cap,
//! request framing (Content-Length / chunked, nothing else), keep-alive and pipelining,
//! `Expect: 100-continue`, the `Date` and `X-Request-Id` headers, panic isolation, the access
//! log and graceful shutdown. Slow or hostile peers can only ever hold their own thread.
//!
//! Typical use from `main`: `let flag = install_signal_handlers();` (the accept loop watches
//! it), `let handle = serve(listener, handler, cfg)?;`, then `handle.wait()` returns after
//! SIGTERM/SIGINT once in-flight requests finished. TLS belongs to a reverse proxy in front.

use super::chunked::{ChunkError, ChunkedDecoder};
use super::types::{Handler, Head, Req, Resp, forwarded_client};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Limits and deadlines of the connection layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Open connections served at once; one more gets a fast 503 and is closed.
    pub max_connections: usize,
    /// From the first byte of a request head to its end (mid-head timeout → 408).
    pub head_timeout: Duration,
    /// How long a keep-alive connection may sit without starting a request (silent close).
    pub idle_timeout: Duration,
    /// Longest wait for any single body read; also the grace added to the rate deadline.
    pub body_read_timeout: Duration,
    /// `SO_SNDTIMEO`: bounds each write call.
    pub write_timeout: Duration,
    pub max_header_line: usize,
    pub max_headers: usize,
    pub max_head_bytes: usize,
    pub access_log: bool,
    /// Slowest acceptable average transfer rate (bytes/s): a body of N bytes must arrive
    /// within `body_read_timeout + N / min_body_rate` (responses: `write_timeout + N / rate`),
    /// so trickling in either direction cannot hold a thread forever.
    pub min_body_rate: u64,
    /// How long `shutdown`/`wait` let in-flight requests finish.
    pub shutdown_grace: Duration,
    /// Connections one client address may hold at once (idle ones included); one more gets
    /// a fast 429 and is closed, so one address cannot fill `max_connections`.
    pub max_connections_per_client: usize,
    /// Reverse proxies whose X-Forwarded-For is believed. Their own address is not limited
    /// per client; each request through them counts, while it runs, against the forwarded
    /// client ([`forwarded_client`]).
    pub trusted_proxies: Vec<IpAddr>,
    /// Stack of each connection thread. Handlers keep big data on the heap; an idle
    /// connection then costs ~35 KB RSS, so size `max_connections` with this in mind.
    pub thread_stack_size: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 1024,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_header_line: 8192,
            max_headers: 64,
            max_head_bytes: 32 * 1024,
            access_log: true,
            min_body_rate: 16 * 1024,
            shutdown_grace: Duration::from_secs(5),
            thread_stack_size: 256 * 1024,
            max_connections_per_client: 64,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The accept thread only accepts and answers 503s.
const ACCEPT_STACK: usize = 256 * 1024;
/// Bodies are buffered in memory, so whatever a handler allows, never more than this.
const MAX_BODY: u64 = 1 << 30;
/// Deadlines derived from sizes are capped so the arithmetic can never overflow an Instant.
const MAX_TRANSFER_TIME: u64 = 86_400;
/// Lingering close after an error: drain at most this much / this long so the client reads
/// our error response instead of a RST, without letting it hold the thread.
const LINGER_BYTES: usize = 2 * 1024 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(2);
/// Idle waits wake this often to notice shutdown.
const IDLE_SLICE: Duration = Duration::from_millis(500);
const READ_CHUNK: usize = 16 * 1024;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// Installs SIGTERM/SIGINT handlers that set the returned flag. Every running server's accept
/// loop watches this flag (within ~200 ms) and stops, so `ServerHandle::wait` returns.
/// `main` calls this before `serve` and then `handle.wait()`; only the serving process should
/// install it, since Ctrl-C no longer kills the process once it is installed.
pub fn install_signal_handlers() -> &'static AtomicBool {
    // SAFETY: sigaction with a handler that only performs an atomic store; the struct is
    // zero-initialised as libc expects and fully set before use.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
    &SIGNALLED
}

/// Raises the soft open-file limit to the hard limit (capped), once per process: each
/// connection costs one descriptor and the default soft limit (1024) is below a useful cap.
fn raise_nofile_limit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: plain getrlimit/setrlimit on a local struct.
        unsafe {
            let mut lim: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return;
            }
            let want = lim.rlim_max.min(1 << 20);
            if lim.rlim_cur < want {
                lim.rlim_cur = want;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    log::warn!("could not raise RLIMIT_NOFILE");
                }
            }
        }
    });
}

struct Shared {
    handler: Arc<dyn Handler>,
    cfg: ServerConfig,
    stop: AtomicBool,
    active: AtomicUsize,
    /// Connections (or, behind a proxy, requests in flight) held per client address.
    per_client: Mutex<HashMap<IpAddr, usize>>,
}

impl Shared {
    /// Takes one of `ip`'s slots; false when it already holds its share.
    fn take_slot(&self, ip: IpAddr) -> bool {
        let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= self.cfg.max_connections_per_client {
            return false;
        }
        *n += 1;
        true
    }

    fn give_slot(&self, ip: IpAddr) {
        let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&ip);
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || SIGNALLED.load(Ordering::Relaxed)
    }
}

/// A running server. Dropping it detaches the server (it keeps serving until the process
/// exits); call `shutdown` or `wait` to stop it cleanly.
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// A cloneable way to ask a server to stop from another thread (while `wait` blocks).
#[derive(Clone)]
pub struct Stopper(Arc<Shared>);

impl Stopper {
    pub fn stop(&self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
    /// Connections currently held by connection threads.
    pub fn active_connections(&self) -> usize {
        self.shared.active.load(Ordering::SeqCst)
    }
    pub fn stopper(&self) -> Stopper {
        Stopper(self.shared.clone())
    }
    /// Stop accepting, let in-flight requests finish (bounded), return.
    pub fn shutdown(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.wait();
    }
    /// Block until the server stops (after `shutdown` from another thread or a signal).
    pub fn wait(mut self) {
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        // The listener is closed now; make keep-alive connections finish after this request.
        self.shared.stop.store(true, Ordering::SeqCst);
        let end = Instant::now() + self.shared.cfg.shutdown_grace;
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < end {
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Starts the accept thread and returns at once.
pub fn serve(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    cfg: ServerConfig,
) -> io::Result<ServerHandle> {
    raise_nofile_limit();
    let addr = listener.local_addr()?;
    // std listens with a backlog of 128; a burst beyond what the accept thread drains in time
    // would see dropped SYNs and 1 s client retries. listen() again only resizes the queue.
    // SAFETY: listen on a valid, already-listening socket descriptor we own.
    unsafe { libc::listen(listener.as_raw_fd(), 1024) };
    // Non-blocking so a connection that vanished between poll() and accept() cannot block us.
    listener.set_nonblocking(true)?;
    let shared = Arc::new(Shared {
        handler,
        cfg,
        stop: AtomicBool::new(false),
        active: AtomicUsize::new(0),
        per_client: Mutex::new(HashMap::new()),
    });
    let s = shared.clone();
    let accept = thread::Builder::new()
        .name("http-accept".into())
        .stack_size(ACCEPT_STACK)
        .spawn(move || accept_loop(listener, s))?;
    Ok(ServerHandle {
        addr,
        shared,
        accept: Some(accept),
    })
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut backoff = Duration::ZERO;
    let mut last_err: Option<ErrorKind> = None;
    while !shared.stopping() {
        // poll() with a timeout lets us notice shutdown and signals without adding latency.
        let mut pfd = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd on the stack, count 1.
        let r = unsafe { libc::poll(&mut pfd, 1, 200) };
        if r <= 0 {
            continue; // timeout or EINTR
        }
        loop {
            match listener.accept() {
                Ok((stream, peer)) => {
                    backoff = Duration::ZERO;
                    last_err = None;
                    dispatch(stream, peer, &shared);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS, ECONNABORTED…: never fatal. Log once per kind,
                    // back off so a persistent error (fd exhaustion) does not spin the CPU.
                    if last_err != Some(e.kind()) {
                        log::error!("accept failed: {e}; backing off");
                        last_err = Some(e.kind());
                    }
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(10), Duration::from_millis(100));
                    thread::sleep(backoff);
                    break;
                }
            }
        }
    }
}

fn dispatch(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    if shared.active.load(Ordering::SeqCst) >= shared.cfg.max_connections {
        reject_fast(stream, shared, 503, "Server busy, try again shortly");
        return;
    }
    let ip = peer.ip().to_canonical();
    // A trusted proxy carries many visitors: its requests are counted per forwarded
    // client once their heads are read, never its connections here.
    let direct = !shared.cfg.trusted_proxies.contains(&ip);
    if direct && !shared.take_slot(ip) {
        reject_fast(stream, shared, 429, TOO_MANY_CONNECTIONS);
        return;
    }
    shared.active.fetch_add(1, Ordering::SeqCst);
    let s = shared.clone();
    let spawned = thread::Builder::new()
        .name("http-conn".into())
        .stack_size(shared.cfg.thread_stack_size.max(64 * 1024))
        .spawn(move || {
            let _guard = ActiveGuard(&s.active);
            let _slot = direct.then(|| SlotGuard(&s, ip));
            Conn::new(stream, ip, &s).run();
        });
    if let Err(e) = spawned {
        // The closure (with its guards) was never run: undo the counts ourselves.
        shared.active.fetch_sub(1, Ordering::SeqCst);
        if direct {
            shared.give_slot(ip);
        }
        log::error!("cannot spawn connection thread: {e}");
    }
}

/// The log target of access lines (one per request), so they can be filtered apart:
/// `RUST_LOG=info,access=off`.
pub const ACCESS: &str = "access";

const TOO_MANY_CONNECTIONS: &str = "Too many connections from your address, try again shortly";
/// Seconds a client over its connection share is told to wait.
const RETRY_AFTER_SECS: &str = "5";

/// Over a cap: answer `status` from the accept thread without ever blocking it. No thread is
/// spent on such a peer, so the answer is best effort: a request arriving after our one read
/// can turn the close into a RST that hides it.
fn reject_fast(mut stream: TcpStream, shared: &Shared, status: u16, msg: &str) {
    let id = request_id();
    let _ = stream.set_nonblocking(true);
    let _ = stream.set_nodelay(true);
    // Read whatever already arrived so close() does not turn into a RST that eats the answer;
    // its request line, if complete, tells an `/api/` caller apart (JSON error).
    let mut scratch = [0u8; 4096];
    let n = stream.read(&mut scratch).unwrap_or(0);
    let path = request_line_path(&scratch[..n]);
    let mut resp = error_resp(&*shared.handler, status, msg, &id, path.as_deref());
    if status == 429 {
        resp.replace_header("Retry-After", RETRY_AFTER_SECS);
    }
    let _ = stream.write_all(&encode(resp, &id, false, Some("close")));
    let _ = stream.shutdown(Shutdown::Write);
    if shared.cfg.access_log {
        let _scope = RequestScope::enter(&id);
        log::info!(
            target: ACCESS,
            "{} - - {status} 0ms",
            stream
                .peer_addr()
                .map_or_else(|_| "-".to_string(), |a| a.ip().to_canonical().to_string())
        );
    }
}

/// Gives a client's slot back when its connection (or proxied request) ends.
struct SlotGuard<'a>(&'a Shared, IpAddr);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        self.0.give_slot(self.1);
    }
}

/// The path of a request line at the start of `buf`, if a whole, plausible one is there
/// (origin- or absolute-form). Used for errors raised before the head parsed (431, 408, a
/// malformed header), so `/api/` callers still get the JSON envelope.
fn request_line_path(buf: &[u8]) -> Option<String> {
    let end = buf.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&buf[..end])
        .ok()?
        .trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (_method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if !version.starts_with("HTTP/") || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (path, _) = split_target(target)?;
    match path.split('?').next() {
        Some("") | None => Some("/".to_string()),
        Some(p) => Some(p.to_string()),
    }
}

struct ActiveGuard<'a>(&'a AtomicUsize);

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a request cannot continue.
enum Fail {
    /// Peer went away, idle timeout, or I/O error: close without a word.
    Close,
    /// Answer this status (through `error_page`) and close lingeringly.
    Status(u16, &'static str),
}

impl From<io::Error> for Fail {
    fn from(_: io::Error) -> Fail {
        Fail::Close
    }
}

/// What the access log line needs; filled in as the request is read.
struct LogLine {
    method: String,
    /// None until the head is parsed.
    path: Option<String>,
    /// First byte of the request (idle keep-alive time is not the request's).
    started: Instant,
    /// The visitor: the peer, or behind a trusted proxy the address it forwarded.
    client: IpAddr,
}

struct Conn<'a> {
    stream: TcpStream,
    remote: IpAddr,
    shared: &'a Shared,
    /// Bytes read but not yet consumed (head, body, or the next pipelined request).
    buf: Vec<u8>,
}

impl<'a> Conn<'a> {
    fn new(stream: TcpStream, remote: IpAddr, shared: &'a Shared) -> Conn<'a> {
        Conn {
            stream,
            remote,
            shared,
            buf: Vec::with_capacity(READ_CHUNK),
        }
    }

    fn run(mut self) {
        let shared = self.shared;
        let cfg = &shared.cfg;
        // Accepted sockets must be blocking (with timeouts); small responses must not wait for
        // a delayed ACK (Nagle), which costs ~40 ms per response.
        if self.stream.set_nonblocking(false).is_err()
            || self.stream.set_nodelay(true).is_err()
            || self
                .stream
                .set_write_timeout(Some(cfg.write_timeout))
                .is_err()
        {
            return;
        }
        loop {
            let id = request_id();
            // Every log line written on this thread while it is served names it.
            let _scope = RequestScope::enter(&id);
            let mut log = LogLine {
                method: "-".into(),
                path: None,
                started: Instant::now(),
                client: self.remote,
            };
            match self.one_request(&id, &mut log) {
                Ok(true) => continue,
                Ok(false) => return,
                Err(Fail::Close) => return,
                Err(Fail::Status(status, msg)) => {
                    let path = log.path.clone().or_else(|| request_line_path(&self.buf));
                    let mut resp =
                        error_resp(&*self.shared.handler, status, msg, &id, path.as_deref());
                    if status == 429 {
                        resp.replace_header("Retry-After", RETRY_AFTER_SECS);
                    }
                    let _ = self.send(&encode(resp, &id, false, Some("close")));
                    self.access_log(&log, status);
                    self.linger();
                    return;
                }
            }
        }
    }

    /// Serves one request. Ok(true) = keep the connection open for the next one.
    fn one_request(&mut self, id: &str, log: &mut LogLine) -> Result<bool, Fail> {
        let shared = self.shared;
        let cfg = &shared.cfg;
        // Idle phase: wait for the first byte (unless pipelined bytes are already here).
        if self.buf.is_empty() {
            let idle_end = Instant::now() + cfg.idle_timeout;
            loop {
                if self.shared.stopping() {
                    return Err(Fail::Close);
                }
                let slice_end = idle_end.min(Instant::now() + IDLE_SLICE);
                match self.fill(slice_end, READ_CHUNK) {
                    Ok(0) => return Err(Fail::Close),
                    Ok(_) => break,
                    Err(e) if is_timeout(&e) && Instant::now() < idle_end => continue,
                    Err(_) => return Err(Fail::Close),
                }
            }
        }
        log.started = Instant::now();
        let (head, head_len, version) = self.read_head(log.started + cfg.head_timeout)?;
        self.buf.drain(..head_len);
        // Path without the query: query strings may carry tokens that must not be logged.
        log.method.clone_from(&head.method);
        log.path = Some(head.path.clone());
        // Behind a trusted proxy, the forwarded visitor holds one of its slots while this
        // request runs (until the response is written), so it cannot take every thread
        // through the proxy either. Direct peers were counted at accept.
        let client = forwarded_client(self.remote, &head, &cfg.trusted_proxies);
        log.client = client;
        let _slot = if client != self.remote {
            if !shared.take_slot(client) {
                return Err(Fail::Status(429, TOO_MANY_CONNECTIONS));
            }
            Some(SlotGuard(shared, client))
        } else {
            None
        };

        let framing = framing(&head, version)?;
        let limit = catch_unwind(AssertUnwindSafe(|| self.shared.handler.body_limit(&head)))
            .map_err(|_| Fail::Status(500, "Internal Server Error"))?
            .min(MAX_BODY);
        if let Framing::Length(n) = framing
            && n > limit
        {
            return Err(Fail::Status(413, "Request body too large"));
        }
        let mut keep_alive = wants_keep_alive(&head, version);
        let has_body = !matches!(framing, Framing::Length(0));
        // Only now, with the body known to be acceptable, invite the client to send it.
        if has_body
            && version == 1
            && self.buf.is_empty()
            && head
                .header("expect")
                .is_some_and(|e| e.trim().eq_ignore_ascii_case("100-continue"))
        {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let body = self.read_body(framing, limit)?;

        let is_head = head.method == "HEAD";
        let req = Req {
            head,
            body,
            remote: self.remote,
            client,
            request_id: id.to_string(),
        };
        let handler = &*self.shared.handler;
        let resp = match catch_unwind(AssertUnwindSafe(|| handler.handle(req))) {
            Ok(r) => r,
            Err(_) => {
                log::error!("handler panicked");
                let path = log.path.as_deref();
                error_resp(handler, 500, "Internal Server Error", id, path)
            }
        };
        if self.shared.stopping() {
            keep_alive = false;
        }
        let status = resp.status;
        // HTTP/1.0 clients assume close unless told otherwise; 1.1 clients the reverse.
        let conn_header = match (keep_alive, version) {
            (false, _) => Some("close"),
            (true, 0) => Some("keep-alive"),
            (true, _) => None,
        };
        self.send(&encode(resp, id, is_head, conn_header))?;
        self.access_log(log, status);
        Ok(keep_alive)
    }

    /// Reads until a complete head is parsed, enforcing line/block/count caps on head bytes.
    fn read_head(&mut self, deadline: Instant) -> Result<(Head, usize, u8), Fail> {
        let shared = self.shared;
        let cfg = &shared.cfg;
        loop {
            // Re-created per attempt: it borrows `buf`, which the next read appends to.
            let mut headers = vec![httparse::EMPTY_HEADER; cfg.max_headers];
            let mut req = httparse::Request::new(&mut headers);
            let parsed = req.parse(&self.buf);
            let head_bytes = match parsed {
                Ok(httparse::Status::Complete(n)) => n,
                Ok(httparse::Status::Partial) => self.buf.len(),
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(Fail::Status(431, "Too many header fields"));
                }
                Err(_) => return Err(Fail::Status(400, "Malformed request head")),
            };
            // Only head bytes count: body bytes that came in the same read are not "lines".
            let longest = self.buf[..head_bytes]
                .split(|&b| b == b'\n')
                .map(<[u8]>::len)
                .max()
                .unwrap_or(0);
            if head_bytes > cfg.max_head_bytes || longest > cfg.max_header_line {
                return Err(Fail::Status(431, "Request header fields too large"));
            }
            if let Ok(httparse::Status::Complete(n)) = parsed {
                return Ok((to_head(&req)?, n, req.version.unwrap_or(1)));
            }
            match self.fill(deadline, READ_CHUNK) {
                Ok(0) => return Err(Fail::Close),
                Ok(_) => {}
                Err(e) if is_timeout(&e) => return Err(Fail::Status(408, "Request timeout")),
                Err(_) => return Err(Fail::Close),
            }
        }
    }

    fn read_body(&mut self, framing: Framing, limit: u64) -> Result<Vec<u8>, Fail> {
        let shared = self.shared;
        let cfg = &shared.cfg;
        let expected = match framing {
            Framing::Length(n) => n,
            Framing::Chunked => limit,
        };
        let deadline = Instant::now() + cfg.body_read_timeout + transfer_time(expected, cfg);
        let timeout = |e: io::Error| {
            if is_timeout(&e) {
                Fail::Status(408, "Request body timeout")
            } else {
                Fail::Close
            }
        };
        match framing {
            Framing::Length(n) => {
                // n <= limit was checked by the caller; still never pre-allocate wildly.
                let n = usize::try_from(n).map_err(|_| Fail::Status(413, "Too large"))?;
                while self.buf.len() < n {
                    let want = (n - self.buf.len()).clamp(READ_CHUNK, 256 * 1024);
                    let end = deadline.min(Instant::now() + cfg.body_read_timeout);
                    if self.fill(end, want).map_err(timeout)? == 0 {
                        return Err(Fail::Close);
                    }
                }
                Ok(self.buf.drain(..n).collect())
            }
            Framing::Chunked => {
                let mut dec = ChunkedDecoder::new(limit);
                let mut body = Vec::new();
                loop {
                    let used = dec.feed(&self.buf, &mut body).map_err(|e| match e {
                        ChunkError::TooLarge => Fail::Status(413, "Request body too large"),
                        ChunkError::Malformed => Fail::Status(400, "Malformed chunked body"),
                    })?;
                    self.buf.drain(..used);
                    if dec.is_done() {
                        return Ok(body);
                    }
                    let end = deadline.min(Instant::now() + cfg.body_read_timeout);
                    if self.fill(end, READ_CHUNK).map_err(timeout)? == 0 {
                        return Err(Fail::Close);
                    }
                }
            }
        }
    }

    /// One read of up to `want` bytes appended to `buf`, failing with TimedOut at `deadline`.
    fn fill(&mut self, deadline: Instant, want: usize) -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        // A zero timeout would mean "block forever"; keep at least 1 ms.
        self.stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let len = self.buf.len();
        self.buf.resize(len + want, 0);
        let r = loop {
            match self.stream.read(&mut self.buf[len..]) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.buf.truncate(len + *r.as_ref().unwrap_or(&0));
        r
    }

    /// Writes a whole response. `SO_SNDTIMEO` bounds each write call; this also bounds the
    /// total, so a client reading one byte at a time cannot hold the thread indefinitely.
    fn send(&mut self, mut data: &[u8]) -> io::Result<()> {
        let cfg = &self.shared.cfg;
        let deadline = Instant::now() + cfg.write_timeout + transfer_time(data.len() as u64, cfg);
        while !data.is_empty() {
            if Instant::now() > deadline {
                return Err(ErrorKind::TimedOut.into());
            }
            match self.stream.write(data) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Lingering close: stop writing (the client sees our response and a FIN), read and
    /// discard a bounded amount so the kernel does not answer its pending data with RST.
    fn linger(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let end = Instant::now() + LINGER_TIME;
        let mut drained = 0;
        let mut scratch = [0u8; 8192];
        while drained < LINGER_BYTES {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut scratch) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }

    fn access_log(&self, log: &LogLine, status: u16) {
        if self.shared.cfg.access_log {
            let ms = log.started.elapsed().as_millis();
            let path = log.path.as_deref().map_or_else(|| "-".to_string(), redact);
            // client, method, path (no query), status, duration; the logger adds the
            // time and the request id.
            log::info!(
                target: ACCESS,
                "{} {} {path} {status} {ms}ms",
                log.client,
                log.method
            );
        }
    }
}

/// The path as the access log may show it: an API cart's token is a bearer capability,
/// so it is cut to a short prefix (enough to follow one cart through the log). Query
/// strings, where other tokens travel, are never logged.
pub fn redact(path: &str) -> String {
    match path.strip_prefix("/api/v1/carts/") {
        Some(rest) if !rest.is_empty() => {
            let (token, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let keep: String = token.chars().take(6).collect();
            format!("/api/v1/carts/{keep}…{tail}")
        }
        _ => path.to_string(),
    }
}

/// Time `bytes` may take at the configured minimum rate (capped; never overflows).
fn transfer_time(bytes: u64, cfg: &ServerConfig) -> Duration {
    let rate = cfg.min_body_rate.max(1);
    let ms =
        (u128::from(bytes) * 1000 / u128::from(rate)).min(u128::from(MAX_TRANSFER_TIME) * 1000);
    Duration::from_millis(ms as u64)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn to_head(req: &httparse::Request) -> Result<Head, Fail> {
    let bad = || Fail::Status(400, "Malformed request head");
    let method = req.method.ok_or_else(bad)?.to_string();
    let target = req.path.ok_or_else(bad)?;
    let (target, authority) = if target == "*" && method == "OPTIONS" {
        (target, None)
    } else {
        split_target(target).ok_or_else(bad)?
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = if path.is_empty() { "/" } else { path };
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or any request with two, or with
    // a Host that is not a host[:port], is a 400 (two hosts are two ideas of the target).
    let hosts: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "host")
        .map(|(_, v)| v.as_str())
        .collect();
    match hosts.as_slice() {
        [] if req.version == Some(1) => return Err(Fail::Status(400, "Missing Host header")),
        [] => {}
        [h] if valid_host(h.trim()) => {}
        [_] => return Err(Fail::Status(400, "Invalid Host header")),
        _ => return Err(Fail::Status(400, "More than one Host header")),
    }
    // §3.2.2: with an absolute-form target the authority in it is the host; Host is ignored.
    // The Host is replaced in place; only an HTTP/1.0 request without one gains an entry,
    // so a head holds at most `max_headers` sent headers plus that one.
    if let Some(authority) = authority {
        match headers.iter_mut().find(|(n, _)| n == "host") {
            Some(h) => h.1 = authority.to_string(),
            None => headers.push(("host".into(), authority.to_string())),
        }
    }
    Ok(Head {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
    })
}

/// Origin-form (`/p/x?q`) as is, or absolute-form (`http://shop.test/p/x?q`, RFC 9112
/// §3.2.2) as its path+query and authority. None for anything else.
fn split_target(target: &str) -> Option<(&str, Option<&str>)> {
    if target.starts_with('/') {
        return Some((target, None));
    }
    let scheme_end = target.find("://")?;
    let scheme = &target[..scheme_end];
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let rest = &target[scheme_end + 3..];
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    if authority.is_empty() || !valid_host(authority) {
        return None;
    }
    match tail.as_bytes().first() {
        None => Some(("/", Some(authority))),
        // `http://shop.test?q=1`: the caller reads the empty path before `?` as `/`.
        _ => Some((tail, Some(authority))),
    }
}

/// A Host value (or absolute-form authority): reg-name / IPv4 / [IPv6] and an optional port;
/// no userinfo (`@`), path, spaces or other bytes a host cannot contain.
fn valid_host(h: &str) -> bool {
    h.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b))
}

#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(u64),
    Chunked,
}

/// Exactly one valid Content-Length, or `Transfer-Encoding: chunked` alone. Anything else is
/// ambiguous between us and a proxy (request smuggling), so it is refused.
fn framing(head: &Head, version: u8) -> Result<Framing, Fail> {
    let bad = |m| Err(Fail::Status(400, m));
    let cl: Vec<&str> = header_values(head, "content-length").collect();
    let te: Vec<&str> = header_values(head, "transfer-encoding").collect();
    match (cl.as_slice(), te.as_slice()) {
        ([], []) => Ok(Framing::Length(0)),
        ([v], []) => {
            let v = v.trim();
            if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return bad("Invalid Content-Length");
            }
            v.parse()
                .map(Framing::Length)
                .or(bad("Invalid Content-Length"))
        }
        ([], [v]) if version == 1 && v.trim().eq_ignore_ascii_case("chunked") => {
            Ok(Framing::Chunked)
        }
        ([], _) => bad("Unsupported Transfer-Encoding"),
        _ => bad("Conflicting message framing"),
    }
}

fn header_values<'h>(head: &'h Head, name: &'h str) -> impl Iterator<Item = &'h str> + 'h {
    head.headers
        .iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn wants_keep_alive(head: &Head, version: u8) -> bool {
    let has = |token: &str| {
        header_values(head, "connection")
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if version == 1 {
        !has("close")
    } else {
        has("keep-alive")
    }
}

fn error_resp(handler: &dyn Handler, status: u16, msg: &str, id: &str, path: Option<&str>) -> Resp {
    // The app's error page must not be able to take the server down either.
    catch_unwind(AssertUnwindSafe(|| {
        handler.error_page(status, msg, id, path)
    }))
    .unwrap_or_else(|_| Resp::text(status, format!("{msg}\nRequest id: {id}\n")))
}

/// Serialises a response into one buffer (one write): status line, the handler's headers
/// (framing headers are ours alone), Content-Length, Date, X-Request-Id, Connection.
fn encode(resp: Resp, id: &str, is_head: bool, connection: Option<&str>) -> Vec<u8> {
    // A nonsense status from a handler would produce an unparseable status line.
    let status = if (100..1000).contains(&resp.status) {
        resp.status
    } else {
        500
    };
    let body = resp.body.as_slice();
    let no_body = status == 204 || status == 304 || status < 200;
    let mut out = Vec::with_capacity(256 + if is_head || no_body { 0 } else { body.len() });
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in resp.headers() {
        let ours = [
            "content-length",
            "transfer-encoding",
            "connection",
            "date",
            "x-request-id",
        ];
        if !ours.iter().any(|o| n.eq_ignore_ascii_case(o)) {
            let _ = write!(out, "{n}: {v}\r\n");
        }
    }
    if !no_body {
        // HEAD answers carry the length the GET body would have.
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    let _ = write!(
        out,
        "Date: {}\r\nX-Request-Id: {id}\r\n",
        http_date(SystemTime::now())
    );
    if let Some(c) = connection {
        let _ = write!(out, "Connection: {c}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !is_head && !no_body {
        out.extend_from_slice(body);
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Unix seconds as (days since 1970, year, month 1-12, day 1-31, seconds into the day),
/// proleptic Gregorian: civil-from-days, counting eras of 400 years from 0000-03-01.
fn civil(t: SystemTime) -> (i64, i64, i64, i64, u64) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (days, year, month, day, secs % 86_400)
}

/// RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let (days, year, month, day, rem) = civil(t);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[days.rem_euclid(7) as usize],
        day,
        MO[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

thread_local! {
    /// The id of the request this connection thread is serving, for the log.
    static CURRENT_REQUEST: std::cell::RefCell<Option<String>> =
        const { std::cell::RefCell::new(None) };
}

fn set_current_request(id: Option<&str>) {
    CURRENT_REQUEST.with(|c| *c.borrow_mut() = id.map(str::to_string));
}

/// Names the request in this thread's log lines until dropped.
struct RequestScope;

impl RequestScope {
    fn enter(id: &str) -> RequestScope {
        set_current_request(Some(id));
        RequestScope
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        set_current_request(None);
    }
}

/// The id of the request being served on this thread, if any (the logger prints it).
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST.with(|c| c.borrow().clone())
}

/// 12 hex chars: a counter run through splitmix64 with a per-process seed. Unique enough to
/// find a request in the log; not a secret.
fn request_id() -> String {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
    });
    let mut z = seed.wrapping_add(
        COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    format!("{:012x}", z & 0xFFFF_FFFF_FFFF)
}

/// The request-head path of [`Conn::read_head`] and the framing decision on one buffer, with
/// `cfg`'s limits, for the fuzz target (fuzz/fuzz_targets/http_head.rs) and tests.
/// `Ok(None)`: the head is incomplete. `Ok(Some((head, head_len, body)))`: `body` is
/// `Some(content_length)` or `None` for chunked. `Err(status)`: what the server answers.
pub fn parse_request_head(
    buf: &[u8],
    cfg: &ServerConfig,
) -> Result<Option<(Head, usize, Option<u64>)>, u16> {
    let mut headers = vec![httparse::EMPTY_HEADER; cfg.max_headers];
    let mut req = httparse::Request::new(&mut headers);
    let parsed = req.parse(buf);
    let head_bytes = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => buf.len(),
        Err(httparse::Error::TooManyHeaders) => return Err(431),
        Err(_) => return Err(400),
    };
    let longest = buf[..head_bytes]
        .split(|&b| b == b'\n')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    if head_bytes > cfg.max_head_bytes || longest > cfg.max_header_line {
        return Err(431);
    }
    let httparse::Status::Complete(n) = parsed.map_err(|_| 400u16)? else {
        return Ok(None);
    };
    let status = |f: Fail| match f {
        Fail::Status(s, _) => s,
        Fail::Close => 400,
    };
    let head = to_head(&req).map_err(status)?;
    let body = match framing(&head, req.version.unwrap_or(1)).map_err(status)? {
        Framing::Length(len) => Some(len),
        Framing::Chunked => None,
    };
    Ok(Some((head, n, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_log_cuts_cart_tokens() {
        assert_eq!(
            redact("/api/v1/carts/AbCdEfGhIjKlMnOp/items/5"),
            "/api/v1/carts/AbCdEf…/items/5"
        );
        assert_eq!(redact("/api/v1/carts/AbCdEfGhIj"), "/api/v1/carts/AbCdEf…");
        assert_eq!(redact("/api/v1/carts"), "/api/v1/carts");
        assert_eq!(redact("/p/linen-shirt"), "/p/linen-shirt");
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // leap day 2000
        assert_eq!(http_date(t), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn request_ids_are_short_hex_and_distinct() {
        let a = request_id();
        let b = request_id();
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    fn head(headers: &[(&str, &str)]) -> Head {
        Head {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Found by the http_head fuzz target: an HTTP/1.0 absolute-form request with the
    /// most headers and no Host gained a 65th header (the authority); the property is that
    /// only that one entry is ever added, and a sent Host is replaced, not duplicated.
    #[test]
    fn absolute_form_adds_at_most_the_authority_as_host() {
        let cfg = ServerConfig::default();
        let mut raw = b"GET http://shop.test/p/x HTTP/1.0\r\n".to_vec();
        for i in 0..cfg.max_headers {
            raw.extend_from_slice(format!("x-h{i}: v\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        let (head, _, _) = parse_request_head(&raw, &cfg).unwrap().unwrap();
        assert_eq!(head.headers.len(), cfg.max_headers + 1);
        assert_eq!(head.path, "/p/x");
        let host: Vec<_> = head.headers.iter().filter(|(n, _)| n == "host").collect();
        assert_eq!(host, [&("host".to_string(), "shop.test".to_string())]);

        let raw = b"GET http://shop.test/ HTTP/1.1\r\nHost: other.test\r\nA: b\r\n\r\n";
        let (head, _, _) = parse_request_head(raw, &cfg).unwrap().unwrap();
        assert_eq!(head.headers.len(), 2);
        assert_eq!(
            head.headers[0],
            ("host".to_string(), "shop.test".to_string())
        );
    }

    #[test]
    fn framing_rules() {
        let ok = |h: &[(&str, &str)]| framing(&head(h), 1).ok();
        assert!(matches!(ok(&[]), Some(Framing::Length(0))));
        assert!(matches!(
            ok(&[("content-length", "12")]),
            Some(Framing::Length(12))
        ));
        assert!(matches!(
            ok(&[("transfer-encoding", "Chunked")]),
            Some(Framing::Chunked)
        ));
        assert!(ok(&[("content-length", "+12")]).is_none());
        assert!(ok(&[("content-length", "1,1")]).is_none());
        assert!(ok(&[("content-length", "99999999999999999999")]).is_none());
        assert!(ok(&[("content-length", "5"), ("content-length", "5")]).is_none());
        assert!(ok(&[("transfer-encoding", "gzip")]).is_none());
        assert!(ok(&[("transfer-encoding", "gzip, chunked")]).is_none());
        assert!(ok(&[("transfer-encoding", "chunked"), ("content-length", "5")]).is_none());
        assert!(
            ok(&[
                ("transfer-encoding", "chunked"),
                ("transfer-encoding", "chunked")
            ])
            .is_none()
        );
        assert!(framing(&head(&[("transfer-encoding", "chunked")]), 0).is_err());
    }
}
