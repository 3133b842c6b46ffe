//! The HTTP plumbing the local fakes of third-party services share (Razorpay, Stripe,
//! Shiprocket): a loopback listener, a thread per connection, a hand-parsed HTTP/1.1
//! request with a Content-Length body (the store's adapters send sized bodies, so chunked
//! uploads are not read), and an answer that always closes the connection.

use base64::Engine as _;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;

pub struct Req {
    pub method: String,
    /// Without the query string.
    pub path: String,
    pub query: Option<String>,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `Authorization: Basic` as (user, password).
    pub fn basic_auth(&self) -> Option<(String, String)> {
        let b64 = self.header("authorization")?.strip_prefix("Basic ")?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()?;
        let (user, pass) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
        Some((user.to_string(), pass.to_string()))
    }
}

pub struct Resp {
    pub status: u16,
    pub content_type: &'static str,
    pub extra: Vec<(&'static str, &'static str)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Resp {
        Resp {
            status,
            content_type,
            extra: vec![],
            body,
        }
    }
}

pub fn json_resp(status: u16, v: Value) -> Resp {
    Resp::new(status, "application/json", serde_json::to_vec(&v).unwrap())
}

/// Binds first so the fake knows its port (for ids and URLs) before it serves.
pub fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// Answers every connection on its own thread; the listener lives as long as the process.
pub fn serve(listener: TcpListener, handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) {
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let handler = handler.clone();
            std::thread::spawn(move || {
                if let Some(req) = read_request(&conn) {
                    write_response(conn, &handler(&req));
                }
            });
        }
    });
}

fn read_request(conn: &TcpStream) -> Option<Req> {
    let mut r = BufReader::new(conn);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let method = words.next()?.to_string();
    let target = words.next()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        if r.read_line(&mut l).ok()? == 0 {
            return None;
        }
        let Some((k, v)) = l.trim_end().split_once(':') else {
            break;
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let mut req = Req {
        method,
        path,
        query,
        headers,
        body: Vec::new(),
    };
    let len = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    req.body = vec![0; len];
    r.read_exact(&mut req.body).ok()?;
    Some(req)
}

fn write_response(mut conn: TcpStream, resp: &Resp) {
    let mut head = format!(
        "HTTP/1.1 {} Fake\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        resp.content_type,
        resp.body.len()
    );
    for (k, v) in &resp.extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = conn.write_all(&[head.as_bytes(), &resp.body].concat());
    let _ = conn.shutdown(Shutdown::Both);
}
