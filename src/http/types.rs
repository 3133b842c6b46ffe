//! Request and response values shared by the server and the handlers. Handlers never see a
//! socket: they get a parsed `Req` (head + fully read, size-capped body) and return a `Resp`
//! whose headers were all checked by one helper, so no CR/LF/NUL can ever be written out.

use std::net::IpAddr;

/// What the server knows before it reads a body: enough for the handler to pick a body cap.
#[derive(Debug, Clone)]
pub struct Head {
    /// Upper-case method as sent (`GET`, `POST`, …).
    pub method: String,
    /// Raw request target path, without the query string, still percent-encoded.
    pub path: String,
    /// Raw query string (after `?`), empty when absent.
    pub query: String,
    /// Header names lower-cased, values as sent (already checked by the parser).
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// First header value with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A complete request as handlers see it.
#[derive(Debug, Clone)]
pub struct Req {
    pub head: Head,
    pub body: Vec<u8>,
    /// Peer address (the reverse proxy's address when behind one).
    pub remote: IpAddr,
    /// The visitor's address: `remote`, or behind a trusted proxy the right-most
    /// X-Forwarded-For entry that is not itself a trusted proxy ([`forwarded_client`]).
    pub client: IpAddr,
    /// Short random id, echoed in `X-Request-Id`, error pages and the access log.
    pub request_id: String,
}

impl Req {
    pub fn method(&self) -> &str {
        &self.head.method
    }
    pub fn path(&self) -> &str {
        &self.head.path
    }
    pub fn query(&self) -> &str {
        &self.head.query
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }
}

/// Response body: owned bytes, a static slice (embedded assets need no copy) or shared
/// bytes (a cached page is sent to many requests without copying).
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    Shared(std::sync::Arc<[u8]>),
}

impl Body {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Body::Bytes(b) => b,
            Body::Static(b) => b,
            Body::Shared(b) => b,
        }
    }

    /// Turns owned bytes into shared ones (cheap to clone afterwards).
    pub fn into_shared(self) -> Body {
        match self {
            Body::Bytes(b) => Body::Shared(b.into()),
            other => other,
        }
    }
}

/// A response. Headers can only be added through [`Resp::header`], which refuses values or
/// names containing CR, LF or NUL (they are dropped and logged, never written).
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Body,
}

/// True when `s` may be written as part of a header line.
pub fn header_safe(s: &str) -> bool {
    !s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

impl Resp {
    pub fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// Adds a header. Names must be tokens and values must not contain CR/LF/NUL; anything
    /// else is refused here, in the one place every header passes through.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.set_header(name, value);
        self
    }

    /// In-place form of [`Resp::header`]. Returns false when the header was refused.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) -> bool {
        let value = value.into();
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !name_ok || !header_safe(&value) {
            log::error!("refused unsafe response header {name:?}");
            return false;
        }
        self.headers.push((name.to_string(), value));
        true
    }

    /// Replaces any existing header of that name (case-insensitive).
    pub fn replace_header(&mut self, name: &str, value: impl Into<String>) -> bool {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.set_header(name, value)
    }

    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Removes the header of that name (case-insensitive) and returns its first value:
    /// for notes a handler leaves for the layer above, never sent.
    pub fn take_header(&mut self, name: &str) -> Option<String> {
        let i = self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))?;
        let v = self.headers.remove(i).1;
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        Some(v)
    }

    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Resp {
        self.body = Body::Bytes(body.into());
        self
    }

    pub fn static_body(mut self, body: &'static [u8]) -> Resp {
        self.body = Body::Static(body);
        self
    }

    pub fn html(status: u16, html: String) -> Resp {
        Resp::new(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(html)
    }

    pub fn text(status: u16, text: impl Into<String>) -> Resp {
        Resp::new(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(text.into())
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Resp {
        Resp::new(status)
            .header("Content-Type", "application/json")
            .body(value.to_string())
    }

    /// 303 See Other to `location`, which must be a local path ([`local_target`]); anything
    /// else is replaced by `/` so no redirect of ours can ever send a visitor off-site.
    pub fn redirect(location: &str) -> Resp {
        Resp::redirect_with(303, location)
    }

    /// A redirect with another status (308 for canonical addresses), same local-only rule.
    /// A 303 to another site the server itself chose (a payment gateway's hosted page it
    /// was handed by the gateway's API), never to an address a visitor sent.
    pub fn redirect_off_site(location: &str) -> Resp {
        let ok = header_safe(location)
            && (location.starts_with("https://") || location.starts_with("http://"));
        if ok {
            Resp::new(303).header("Location", location)
        } else {
            Resp::redirect(location)
        }
    }

    pub fn redirect_with(status: u16, location: &str) -> Resp {
        let target = if local_target(location) {
            location
        } else {
            log::error!("refused off-site redirect target {location:?}");
            "/"
        };
        Resp::new(status).header("Location", target)
    }
}

/// The one rule for what a `Location` (or a sign-in `next`) may point at: a local path,
/// i.e. exactly one leading `/` not followed by `/` or `\`, in the path as sent and after
/// every round of percent-decoding (a proxy or browser may decode `%2F`/`%5C`), with no
/// backslash or control character (browsers drop tabs and newlines, turning `/\t/x` into
/// `//x`). Only the path part is judged this way; the query just has to be header-safe.
pub fn local_target(target: &str) -> bool {
    if !header_safe(target) {
        return false;
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let mut cur = path.as_bytes().to_vec();
    // Bounded: each round shrinks the string or stops; 4 rounds cover any sane encoding.
    for _ in 0..4 {
        let ok = cur.first() == Some(&b'/')
            && !matches!(cur.get(1), Some(b'/' | b'\\'))
            && !cur.iter().any(|&b| b == b'\\' || b.is_ascii_control());
        if !ok {
            return false;
        }
        let next = percent_decode(&cur);
        if next == cur {
            return true;
        }
        cur = next;
    }
    // Still changing after 4 decodings: nobody legitimate encodes that deep.
    false
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// The visitor behind `peer`: the peer itself unless it is a trusted proxy, then the
/// right-most X-Forwarded-For entry that is not a trusted proxy (entries to its left were
/// written by the client and may be forged). Falls back to the peer.
pub fn forwarded_client(peer: IpAddr, head: &Head, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    head.headers
        .iter()
        .filter(|(n, _)| n == "x-forwarded-for")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .flat_map(|v| v.rsplit(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// The application side of the server. `body_limit` is asked before any body byte is read,
/// so an oversized upload is refused (413) without draining it.
pub trait Handler: Send + Sync + 'static {
    /// Largest body (bytes) this request may carry.
    fn body_limit(&self, head: &Head) -> u64;
    /// Produces the response. Panics are caught by the server and become a 500 page.
    fn handle(&self, req: Req) -> Resp;
    /// The page shown when the server itself must answer with an error (400, 408, 413, 429,
    /// 431, 500, 503). `path` is the request's path when the server got that far (so `/api/`
    /// callers can get JSON). Default: plain text with the request id.
    fn error_page(&self, status: u16, message: &str, request_id: &str, path: Option<&str>) -> Resp {
        let _ = path;
        Resp::text(status, format!("{message}\nRequest id: {request_id}\n"))
    }
}
