//! Shared pieces of the HTTP integration tests: a tiny handler with the routes the hostile
//! probes need, a server started with short deadlines, and a raw-socket client that parses
//! just enough HTTP/1.1 to check what the server really wrote.
#![allow(dead_code)]

use boutique::http::{Handler, Head, Req, Resp, ServerConfig, ServerHandle, serve};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct TestHandler;

pub fn page() -> String {
    let mut s = String::from("<!doctype html><html><body><h1>boutique test</h1>");
    while s.len() < 2000 {
        s.push_str("<p>lorem ipsum dolor sit amet</p>");
    }
    s.push_str("</body></html>");
    s
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(Ok(v)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Handler for TestHandler {
    fn body_limit(&self, head: &Head) -> u64 {
        if head.path == "/upload" {
            8 << 20
        } else {
            1 << 20
        }
    }
    fn handle(&self, req: Req) -> Resp {
        match req.path() {
            "/" => Resp::html(200, page()),
            "/echo" | "/upload" => Resp::text(200, req.body.len().to_string()),
            "/panic" => panic!("test handler panics on purpose"),
            "/sleep" => {
                std::thread::sleep(Duration::from_millis(400));
                Resp::text(200, "slept")
            }
            "/hdr" => {
                let v = req
                    .query()
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("v="))
                    .map(percent_decode)
                    .unwrap_or_default();
                Resp::text(200, "hdr").header("X-Echo", v)
            }
            "/remote" => Resp::text(200, req.remote.to_string()),
            "/client" => Resp::text(200, req.client.to_string()),
            "/host" => Resp::text(200, req.header("host").unwrap_or("-").to_string()),
            _ => Resp::text(404, "not found"),
        }
    }
}

/// Short deadlines so every hostile probe resolves in about a second.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        max_connections: 256,
        head_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        write_timeout: Duration::from_secs(2),
        access_log: false,
        min_body_rate: 64 * 1024,
        shutdown_grace: Duration::from_secs(2),
        // Every probe comes from 127.0.0.1 (64 at once in the burst test): the per-client
        // share is tested on its own in http_edge.rs.
        max_connections_per_client: 1024,
        ..ServerConfig::default()
    }
}

pub fn start(cfg: ServerConfig) -> ServerHandle {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    serve(l, Arc::new(TestHandler), cfg).expect("serve")
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub head: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Client {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Client { s, buf: Vec::new() }
    }

    /// A client on an already connected stream (e.g. one bound to another local address).
    pub fn from_stream(s: TcpStream) -> Client {
        Client { s, buf: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("send");
    }

    fn more(&mut self) -> bool {
        let mut tmp = [0u8; 16384];
        match self.s.read(&mut tmp) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                true
            }
        }
    }

    /// Next response head (body left unread); None on EOF/timeout before a full head.
    pub fn head(&mut self) -> Option<Response> {
        loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..p]).into_owned();
                self.buf.drain(..p + 4);
                let status = head.get(9..12)?.parse().ok()?;
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
                    .collect();
                return Some(Response {
                    status,
                    head,
                    headers,
                    body: Vec::new(),
                });
            }
            if !self.more() {
                return None;
            }
        }
    }

    /// Next full response (body by Content-Length; none for HEAD).
    pub fn response_for(&mut self, head_request: bool) -> Option<Response> {
        let mut r = self.head()?;
        let len: usize = if head_request {
            0
        } else {
            r.header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        while self.buf.len() < len {
            if !self.more() {
                return None;
            }
        }
        r.body = self.buf.drain(..len).collect();
        Some(r)
    }

    pub fn response(&mut self) -> Option<Response> {
        self.response_for(false)
    }

    /// True when the server closed the connection (EOF) within the read timeout.
    pub fn closed(&mut self) -> bool {
        let mut tmp = [0u8; 4096];
        loop {
            match self.s.read(&mut tmp) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) => return e.kind() == std::io::ErrorKind::ConnectionReset,
            }
        }
    }
}

pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

/// Every test ends here: a fresh connection still gets the normal page, quickly.
pub fn assert_serves(addr: SocketAddr) {
    let t = Instant::now();
    let mut c = Client::connect(addr);
    c.send(&get("/"));
    let r = c.response().expect("normal GET / answered");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, page().as_bytes());
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "GET / took {:?}",
        t.elapsed()
    );
}
