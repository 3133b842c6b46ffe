//! Hostile-input tests for the HTTP server: each probe that broke tiny_http (DESIGN.md §6) is
//! sent over a raw socket, its answer checked, and every test ends by proving the server still
//! serves a normal page. Deadlines are configured short (1 s) to keep the suite fast.

#[path = "rawhttp/mod.rs"]
mod common;

use boutique::http::ServerConfig;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::RwLock;
use std::thread;
use std::time::{Duration, Instant};

/// Tests that count threads take this for writing; all others for reading, so the count is
/// not disturbed by connections of tests running in parallel.
static SERIAL: RwLock<()> = RwLock::new(());

macro_rules! shared {
    () => {
        let _g = SERIAL.read().unwrap_or_else(|e| e.into_inner());
    };
}

#[test]
fn huge_content_length_is_refused_unread_and_fast() {
    shared!();
    let h = start(test_config());
    let t = Instant::now();
    let mut c = Client::connect(h.local_addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 60000000000\r\n\r\n");
    c.send(&vec![b'x'; 64 * 1024]);
    let r = c.response().expect("413 answered");
    assert_eq!(r.status, 413);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(r.header("x-request-id").is_some());
    assert!(c.closed(), "connection closed after 413");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    // Same through 100-continue: no 100, just the 413.
    let mut c = Client::connect(h.local_addr());
    c.send(b"PUT /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 9000000\r\n\r\n");
    assert_eq!(c.response().expect("413").status, 413);
    assert_serves(h.local_addr());
}

#[test]
fn crlf_in_header_value_never_leaves() {
    shared!();
    let h = start(test_config());
    for v in [
        "a%0d%0aX-Injected:%20yes",
        "a%0aX-Injected:%20yes",
        "a%0dX-Injected:%20yes",
        "a%00b",
    ] {
        let mut c = Client::connect(h.local_addr());
        c.send(&get(&format!("/hdr?v={v}")));
        let r = c.response().expect("answered");
        assert_eq!(r.status, 200);
        assert!(
            !r.head.to_ascii_lowercase().contains("x-injected"),
            "{}",
            r.head
        );
        assert!(
            r.header("x-echo").is_none(),
            "unsafe header refused: {}",
            r.head
        );
    }
    let mut c = Client::connect(h.local_addr());
    c.send(&get("/hdr?v=plain%20value"));
    assert_eq!(c.response().unwrap().header("x-echo"), Some("plain value"));
    assert_serves(h.local_addr());
}

/// Sends `req`; expects exactly one 400 with `Connection: close`, then EOF (so nothing
/// smuggled behind it is ever answered).
fn expect_400_close(addr: std::net::SocketAddr, req: &[u8]) {
    let mut c = Client::connect(addr);
    c.send(req);
    let r = c.response().expect("400 answered");
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(req));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.response().is_none(), "no second response");
}

#[test]
fn transfer_encoding_other_than_chunked_is_400() {
    shared!();
    let h = start(test_config());
    let a = h.local_addr();
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nhello",
    );
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    );
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert_serves(a);
}

#[test]
fn transfer_encoding_with_content_length_is_400() {
    shared!();
    let h = start(test_config());
    expect_400_close(
        h.local_addr(),
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert_serves(h.local_addr());
}

#[test]
fn duplicate_or_bad_content_length_is_400() {
    shared!();
    let h = start(test_config());
    let a = h.local_addr();
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhelloGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 30\r\n\r\nhello",
    );
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello",
    );
    expect_400_close(
        a,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
    );
    expect_400_close(a, b"GARBAGE\r\n\r\n");
    assert_serves(a);
}

#[test]
fn burst_of_64_connections_all_answered() {
    shared!();
    let h = start(test_config());
    let t = Instant::now();
    let mut cs: Vec<Client> = (0..64).map(|_| Client::connect(h.local_addr())).collect();
    for c in &mut cs {
        c.send(&get("/"));
    }
    for c in &mut cs {
        assert_eq!(c.response().expect("answered").status, 200);
    }
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_serves(h.local_addr());
}

#[test]
fn trickling_bodies_hold_only_their_own_threads() {
    shared!();
    let h = start(test_config());
    let addr = h.local_addr();
    let tricklers: Vec<_> = (0..12)
        .map(|_| {
            thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
                    .unwrap();
                s.set_read_timeout(Some(Duration::from_millis(100)))
                    .unwrap();
                let t = Instant::now();
                let mut got = Vec::new();
                let mut tmp = [0u8; 1024];
                // One byte every 100 ms, until the server answers or hangs up.
                while t.elapsed() < Duration::from_secs(8) {
                    if s.write_all(b"x").is_err() {
                        break;
                    }
                    match s.read(&mut tmp) {
                        Ok(0) => break,
                        Ok(n) => got.extend_from_slice(&tmp[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => break,
                    }
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                (t.elapsed(), String::from_utf8_lossy(&got).into_owned())
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let t = Instant::now();
        assert_serves(addr);
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
    }
    for t in tricklers {
        let (took, got) = t.join().unwrap();
        // Rate deadline: 1 s + 100000 B / 64 KiB/s ≈ 2.5 s, then 408.
        assert!(took < Duration::from_secs(4), "trickler held {took:?}");
        assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
    }
    assert_serves(addr);
}

#[test]
fn stalled_body_gets_408() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    let t = Instant::now();
    c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    assert_eq!(c.response().expect("408 answered").status, 408);
    assert!(c.closed());
    let took = t.elapsed();
    assert!(
        took > Duration::from_millis(900) && took < Duration::from_millis(2000),
        "{took:?}"
    );
    assert_serves(h.local_addr());
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn idle_connections_are_capped_and_expire() {
    let _g = SERIAL.write().unwrap_or_else(|e| e.into_inner());
    let before = thread_count();
    let h = start(ServerConfig {
        max_connections: 100,
        // This test is about the global cap: one address may hold all of it here.
        max_connections_per_client: 1000,
        ..test_config()
    });
    let addr = h.local_addr();
    let mut cs: Vec<Client> = (0..500).map(|_| Client::connect(addr)).collect();
    thread::sleep(Duration::from_millis(200));
    let during = thread_count();
    assert!(during <= before + 100 + 4, "threads {before} -> {during}");
    let t = Instant::now();
    let (mut busy, mut silent) = (0, 0);
    for c in &mut cs {
        match c.response() {
            Some(r) => {
                assert_eq!(r.status, 503);
                assert_eq!(r.header("connection"), Some("close"));
                busy += 1;
            }
            None => silent += 1,
        }
        assert!(c.closed());
    }
    assert!(busy >= 350, "busy {busy} silent {silent}");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "idle ones closed: {:?}",
        t.elapsed()
    );
    thread::sleep(Duration::from_millis(100));
    assert_eq!(h.active_connections(), 0);
    assert!(
        thread_count() <= before + 2,
        "threads left: {}",
        thread_count()
    );
    assert_serves(addr);
}

#[test]
fn slow_header_trickle_is_cut_off() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    let t = Instant::now();
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n");
    let mut cut = false;
    for _ in 0..40 {
        thread::sleep(Duration::from_millis(100));
        if c.s.write_all(b"X-Slow: a\r\n").is_err() {
            cut = true;
            break;
        }
        if t.elapsed() > Duration::from_millis(1500) {
            break;
        }
    }
    let mut got = Vec::new();
    let _ = c.s.read_to_end(&mut got);
    let got = String::from_utf8_lossy(&got);
    assert!(cut || got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    // Idle keep-alive: a connection that never sends is closed silently.
    let mut c = Client::connect(h.local_addr());
    let t = Instant::now();
    assert!(c.closed());
    assert!(
        t.elapsed() < Duration::from_millis(1800),
        "{:?}",
        t.elapsed()
    );
    assert_serves(h.local_addr());
}

#[test]
fn oversized_heads_are_431() {
    shared!();
    let h = start(test_config());
    let long = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX-Long: {}\r\n\r\n",
        "a".repeat(10_000)
    );
    let mut many = String::from("GET / HTTP/1.1\r\nHost: t\r\n");
    for i in 0..100 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let mut block = String::from("GET / HTTP/1.1\r\nHost: t\r\n");
    for i in 0..60 {
        block.push_str(&format!("X-H{i}: {}\r\n", "b".repeat(1000)));
    }
    block.push_str("\r\n");
    for req in [long, many, block] {
        let mut c = Client::connect(h.local_addr());
        c.send(req.as_bytes());
        let r = c.response().expect("431 answered");
        assert_eq!(r.status, 431);
        assert!(c.closed());
    }
    // A large body in the same packet as a small head is not a "long line": 200, not 431.
    let mut c = Client::connect(h.local_addr());
    let mut req = b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n".to_vec();
    req.extend(vec![b'z'; 200_000]);
    c.send(&req);
    assert_eq!(c.response().unwrap().body, b"200000");
    assert_serves(h.local_addr());
}

#[test]
fn panic_becomes_500_with_request_id() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(&get("/panic"));
    let r = c.response().expect("500 answered");
    assert_eq!(r.status, 500);
    let id = r.header("x-request-id").expect("request id").to_string();
    assert_eq!(id.len(), 12);
    assert!(String::from_utf8_lossy(&r.body).contains(&id));
    // Same connection keeps working.
    c.send(&get("/"));
    assert_eq!(c.response().unwrap().status, 200);
    assert_serves(h.local_addr());
}

#[test]
fn keep_alive_and_pipelining() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(&get("/"));
    let a = c.response().unwrap();
    c.send(&get("/echo"));
    let b = c.response().unwrap();
    assert_eq!((a.status, b.status), (200, 200));
    assert!(a.header("date").is_some_and(|d| d.ends_with(" GMT")));
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    assert_eq!(a.header("connection"), None);

    let mut c = Client::connect(h.local_addr());
    let mut all = get("/");
    all.extend_from_slice(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    all.extend_from_slice(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
    );
    all.extend_from_slice(b"GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    c.send(&all);
    assert_eq!(c.response().unwrap().status, 200);
    assert_eq!(c.response().unwrap().body, b"3");
    assert_eq!(c.response().unwrap().body, b"2");
    let last = c.response().unwrap();
    assert_eq!(last.status, 404);
    assert_eq!(last.header("connection"), Some("close"));
    assert!(c.closed());

    // HTTP/1.0 closes unless asked to keep alive.
    let mut c = Client::connect(h.local_addr());
    c.send(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(c.response().unwrap().header("connection"), Some("close"));
    assert!(c.closed());
    assert_serves(h.local_addr());
}

/// A response written in pieces without TCP_NODELAY stalls ~40 ms on delayed ACKs; 300
/// sequential keep-alive requests would then take > 10 s.
#[test]
fn keep_alive_requests_do_not_stall() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    let t = Instant::now();
    for _ in 0..300 {
        c.send(&get("/"));
        assert_eq!(c.response().unwrap().status, 200);
    }
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    eprintln!("300 keep-alive GET / in {:?}", t.elapsed());
}

#[test]
fn head_has_length_and_no_body() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.response_for(true).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-length"),
        Some(page().len().to_string().as_str())
    );
    c.send(&get("/echo"));
    let next = c.response().unwrap();
    assert_eq!(
        next.body, b"0",
        "no HEAD body bytes before the next response"
    );
    assert_serves(h.local_addr());
}

#[test]
fn expect_100_continue() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(c.head().expect("interim response").status, 100);
    c.send(b"hello");
    assert_eq!(c.response().unwrap().body, b"5");
    assert_serves(h.local_addr());
}

#[test]
fn chunked_body_is_decoded() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    thread::sleep(Duration::from_millis(50));
    c.send(b"6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    assert_eq!(c.response().unwrap().body, b"11");
    // Malformed → 400; over the cap → 413 (1 MiB on /echo).
    expect_400_close(
        h.local_addr(),
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    );
    let mut c = Client::connect(h.local_addr());
    c.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n");
    assert_eq!(c.response().unwrap().status, 413);
    assert_serves(h.local_addr());
}

#[test]
fn remote_ip_is_exposed() {
    shared!();
    let h = start(test_config());
    let mut c = Client::connect(h.local_addr());
    c.send(&get("/remote"));
    assert_eq!(c.response().unwrap().body, b"127.0.0.1");
}

#[test]
fn graceful_shutdown_finishes_in_flight() {
    shared!();
    let h = start(test_config());
    let addr = h.local_addr();
    let mut c = Client::connect(addr);
    let mut idle = Client::connect(addr);
    c.send(&get("/sleep"));
    thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    h.shutdown();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let r = c.response().expect("in-flight request finished");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(idle.closed());
    assert!(TcpStream::connect(addr).is_err(), "listener closed");
}
