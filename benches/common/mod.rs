//! What the benchmarks share: a store started on 127.0.0.1:0 from a store.toml written
//! into the bench's own folder, as the tests start theirs (`mod common;` in each bench).

use boutique::app::{self, Options, Running};
use std::path::Path;

/// A fresh folder under target/ that is removed when dropped.
#[allow(dead_code)]
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let _ = std::fs::create_dir_all("target");
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in("target")
        .expect("temp dir under target/")
}

/// Writes `toml` as `dir`/store.toml and starts the real server on it.
pub fn start(dir: &Path, toml: &str) -> Running {
    let config = dir.join("store.toml");
    std::fs::write(&config, toml).expect("write store.toml");
    app::start(Options {
        config_path: Some(config),
        listen: Some("127.0.0.1:0".into()),
        demo: false,
        server: None,
        access_log: false,
        mail_tick: None,
    })
    .expect("store starts")
}

/// The `p` quantile (0..=1) of sorted figures, 0 for none.
#[allow(dead_code)]
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A keep-alive HTTP/1.1 client on one TCP connection, as lean as a load tool: no thread
/// or allocation per request beyond the response text (ureq resolves each request's
/// address on its own thread under a timeout, which on 2 cores costs more than the
/// server's work and hid it). Any I/O error or `Connection: close` reconnects on the next
/// request; the failed request answers status 0.
#[allow(dead_code)]
pub struct Client {
    addr: String,
    conn: Option<std::io::BufReader<std::net::TcpStream>>,
}

#[allow(dead_code)]
impl Client {
    /// `base` is the store's URL, `http://127.0.0.1:PORT`.
    pub fn new(base: &str) -> Client {
        Client {
            addr: base
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
            conn: None,
        }
    }

    pub fn post(&mut self, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        self.send("POST", path, headers, body)
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        match self.try_send(method, path, headers, body) {
            Ok(r) => r,
            Err(_) => {
                self.conn = None;
                (0, String::new())
            }
        }
    }

    fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        use std::io::{BufRead, Read, Write};
        if self.conn.is_none() {
            let s = std::net::TcpStream::connect(&self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
            self.conn = Some(std::io::BufReader::new(s));
        }
        let conn = self.conn.as_mut().expect("connected");
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        conn.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        conn.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let (mut len, mut chunked, mut close) = (0usize, false, false);
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
            match k.as_str() {
                "content-length" => len = v.parse().unwrap_or(0),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "connection" => close = v.contains("close"),
                _ => {}
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                conn.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&chunk[..n]);
            }
        } else {
            out.resize(len, 0);
            conn.read_exact(&mut out)?;
        }
        if close {
            self.conn = None;
        }
        Ok((status, String::from_utf8_lossy(&out).into_owned()))
    }
}

/// The API's checkout flow, as the benches drive it.
#[allow(dead_code)]
impl Client {
    /// A new API cart's token ("" if refused).
    pub fn new_cart(&mut self) -> String {
        let (_, body) = self.post("/api/v1/carts", &[], "");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        v["token"].as_str().unwrap_or("").to_string()
    }

    /// Adds `qty` of `variant`; the status.
    pub fn add(&mut self, token: &str, variant: i64, qty: i64) -> u16 {
        self.post(
            &format!("/api/v1/carts/{token}/items"),
            &[JSON],
            &format!("{{\"variant_id\":{variant},\"quantity\":{qty}}}"),
        )
        .0
    }

    /// Checks out cash on delivery as the shopper `{key}@bench.example` (each order a
    /// different shopper, as in a store, so no one address's history grows through a
    /// run), coming through the store's proxy from a network address of their own
    /// (`X-Forwarded-For`, trusted from 127.0.0.1 in the benches' config: the deployment
    /// the README describes, TLS in front); the status.
    pub fn checkout(&mut self, token: &str, key: &str) -> u16 {
        let ip = shopper_ip(key);
        let body = format!(
            r#"{{"email":"{key}@bench.example","name":"Bench Shopper","phone":"+91 98765 43210","address":{{"line1":"1 MG Road","city":"Bengaluru","postal_code":"560001","country":"IN"}},"payment_method":"cod"}}"#
        );
        self.post(
            &format!("/api/v1/carts/{token}/checkout"),
            &[JSON, ("Idempotency-Key", key), ("X-Forwarded-For", &ip)],
            &body,
        )
        .0
    }
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A shopper's network address, 10.x.y.z from their key (FNV-1a): distinct shoppers
/// mostly come from distinct addresses, and the same one always from the same.
fn shopper_ip(key: &str) -> String {
    let h = key.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    });
    format!("10.{}.{}.{}", (h >> 16) & 255, (h >> 8) & 255, h & 255)
}
