//! The HTTP edge's contracts with visitors and API clients (issue 9 items 2, 3 and 9): every
//! redirect stays on the store, one address cannot take every connection (directly or
//! through a trusted proxy), HTTP-layer errors on `/api/` are the JSON envelope, 405 lists
//! the route's real methods, Host is required once (RFC 9112 §3.2) and absolute-form
//! targets are accepted (§3.2.2). Raw sockets, so the server's exact bytes are checked.

use crate::rawhttp;

use crate::common;

use boutique::http::ServerConfig;
use rawhttp::{Client, Response, assert_serves, get, start, test_config};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

fn addr_of(s: &common::Store) -> SocketAddr {
    s.url
        .trim_start_matches("http://")
        .parse()
        .expect("store listens on an IP:port")
}

fn raw(addr: SocketAddr, req: &[u8]) -> Response {
    let mut c = Client::connect(addr);
    c.send(req);
    c.response().expect("answered")
}

/// A connection from another loopback address (Linux routes all of 127/8 to lo).
fn connect_from(local: &str, to: SocketAddr) -> TcpStream {
    use socket2::{Domain, SockAddr, Socket, Type};
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let from: SocketAddr = format!("{local}:0").parse().unwrap();
    sock.bind(&SockAddr::from(from)).expect("bind client");
    sock.connect(&SockAddr::from(to)).expect("connect");
    let s: TcpStream = sock.into();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

#[test]
fn every_redirect_stays_on_the_store() {
    let s = common::Store::demo();
    let a = addr_of(&s);
    for path in [
        "//evil.example/",
        "/\\evil.example/",
        "/%2F%2Fevil.example/",
        "/%2f%2fevil.example/",
        "/%2F%2fevil.example/",
        "/%5Cevil.example/",
        "/%5cevil.example/",
        "///evil.example/",
        "/%2f/evil.example/",
        "/%2F%5Cevil.example/",
        "/%252F%252Fevil.example/",
        "/%09/evil.example/",
        "//evil.example//",
    ] {
        let r = raw(a, &get(path));
        assert!(
            r.status == 404 || (300..400).contains(&r.status),
            "{path}: {}",
            r.status
        );
        if let Some(loc) = r.header("location") {
            assert!(
                loc.starts_with('/') && !loc.starts_with("//") && !loc.starts_with("/\\"),
                "{path} → Location {loc}"
            );
        }
        assert_eq!(r.status, 404, "{path}: no page of ours, no redirect");
    }
    // The canonical-address redirect itself still works, query kept.
    let r = raw(a, &get("/c/pantry/?sort=price"));
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some("/c/pantry?sort=price"));

    // A sign-in `next` that points off-site is replaced by the account page.
    for next in [
        "//evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%2f/evil.example",
        "/%2F%2fevil.example",
        "/%5c%5Cevil.example",
        "https://evil.example/",
    ] {
        let q = next
            .replace('%', "%25")
            .replace('/', "%2F")
            .replace('\\', "%5C");
        let p = s.get(&format!("/account/sign-in?next={q}"));
        assert_eq!(p.status, 200, "{next}");
        let html = p.text();
        assert!(
            html.contains("name=\"next\" value=\"/account\""),
            "{next}: {}",
            html.lines()
                .find(|l| l.contains("name=\"next\""))
                .unwrap_or("no next field")
        );
    }
    let p = s.get("/account/sign-in?next=%2Faccount%2Forders");
    assert!(p.text().contains("name=\"next\" value=\"/account/orders\""));
}

#[test]
fn one_address_cannot_take_every_connection() {
    let h = start(ServerConfig {
        max_connections_per_client: 8,
        idle_timeout: Duration::from_secs(30),
        ..test_config()
    });
    let a = h.local_addr();
    // 127.0.0.1 holds its 8 idle connections…
    let held: Vec<Client> = (0..8).map(|_| Client::connect(a)).collect();
    thread::sleep(Duration::from_millis(300));
    // …and every further one is refused at once with 429 and closed.
    for _ in 0..5 {
        let mut c = Client::connect(a);
        let r = c.response().expect("refusal answered");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("connection"), Some("close"));
        assert!(r.header("retry-after").is_some());
        assert!(c.closed());
    }
    // Another address is served meanwhile.
    for _ in 0..3 {
        let mut c = Client::from_stream(connect_from("127.0.0.2", a));
        c.send(&get("/client"));
        let r = c.response().expect("second address answered");
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"127.0.0.2");
    }
    // Closing held connections gives the address its share back.
    drop(held);
    thread::sleep(Duration::from_millis(300));
    assert_serves(a);
}

#[test]
fn behind_a_trusted_proxy_the_forwarded_client_counts() {
    let h = start(ServerConfig {
        max_connections_per_client: 2,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "10.9.9.9".parse().unwrap()],
        body_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        ..test_config()
    });
    let a = h.local_addr();
    // The proxy itself is not limited at accept: it may hold many more than 2 connections.
    let idle: Vec<Client> = (0..6).map(|_| Client::connect(a)).collect();
    thread::sleep(Duration::from_millis(200));
    // Right-most entry that is not a trusted proxy is the client; left ones may be forged.
    let r = raw(
        a,
        b"GET /client HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 6.6.6.6, 10.0.0.1, 10.9.9.9\r\n\r\n",
    );
    assert_eq!(r.body, b"10.0.0.1");
    let r = raw(a, b"GET /client HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.body, b"127.0.0.1", "no header: the proxy itself");

    // 10.0.0.1 holds two requests in flight (bodies that do not come)…
    let slow = b"POST /echo HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.0.0.1\r\nContent-Length: 10\r\n\r\n";
    let mut holders: Vec<Client> = (0..2)
        .map(|_| {
            let mut c = Client::connect(a);
            c.send(slow);
            c
        })
        .collect();
    thread::sleep(Duration::from_millis(300));
    // …so its third is refused (after its head: 429 and close)…
    let mut c = Client::connect(a);
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
    let r = c.response().expect("refusal");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.closed());
    // …while another forwarded visitor, and the proxy's own requests, are served.
    let r = raw(
        a,
        b"GET /client HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.0.0.2\r\n\r\n",
    );
    assert_eq!((r.status, r.body.as_slice()), (200, b"10.0.0.2".as_slice()));
    assert_serves(a);
    // Once its requests finish, 10.0.0.1 is served again (on the same proxy connections).
    for c in &mut holders {
        c.send(b"0123456789");
        assert_eq!(c.response().expect("body answered").body, b"10");
    }
    let r = raw(
        a,
        b"GET /client HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    drop(idle);
}

#[test]
fn host_is_required_once_and_absolute_form_is_accepted() {
    let h = start(test_config());
    let a = h.local_addr();
    for req in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: a.test\r\nHost: a.test\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: evil.test/x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: user@evil.test\r\n\r\n",
        b"GET http://shop.test/host HTTP/1.1\r\n\r\n",
        b"GET ftp://shop.test/host HTTP/1.1\r\nHost: shop.test\r\n\r\n",
        b"GET http:///host HTTP/1.1\r\nHost: shop.test\r\n\r\n",
        b"GET http://u@shop.test/host HTTP/1.1\r\nHost: shop.test\r\n\r\n",
    ] {
        let mut c = Client::connect(a);
        c.send(req);
        let r = c.response().expect("answered");
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(req));
        assert_eq!(r.header("connection"), Some("close"));
        assert!(c.closed());
    }
    // HTTP/1.0 needs no Host.
    assert_eq!(raw(a, b"GET /host HTTP/1.0\r\n\r\n").body, b"-");
    // Absolute form: the path and query are taken from it, its authority is the Host.
    let r = raw(
        a,
        b"GET http://shop.test/host?x=1 HTTP/1.1\r\nHost: other.test\r\n\r\n",
    );
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, b"shop.test".as_slice())
    );
    let r = raw(
        a,
        b"POST HTTPS://shop.test:8443/echo HTTP/1.1\r\nHost: shop.test:8443\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert_eq!((r.status, r.body.as_slice()), (200, b"3".as_slice()));
    let r = raw(
        a,
        b"GET http://shop.test HTTP/1.1\r\nHost: shop.test\r\n\r\n",
    );
    assert_eq!(r.status, 200, "empty path is /");
    assert_eq!(r.body, rawhttp::page().as_bytes());
    let r = raw(
        a,
        b"GET http://[::1]:80/host HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
    );
    assert_eq!(r.body, b"[::1]:80");
    assert_serves(a);
}

fn assert_envelope(r: &Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.head);
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{}",
        r.head
    );
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON body");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(
        v["error"]["request_id"].as_str(),
        r.header("x-request-id"),
        "{v}"
    );
}

#[test]
fn http_layer_errors_on_the_api_are_json() {
    let s = common::Store::demo();
    let a = addr_of(&s);
    // 413: declared body over the cap, refused unread.
    let r = raw(
        a,
        b"POST /api/v1/carts HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 60000000000\r\n\r\n",
    );
    assert_envelope(&r, 413, "payload_too_large");
    // 431: a header line over the limit (the head never parses).
    let big = format!(
        "GET /api/v1/products HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
        "a".repeat(10_000)
    );
    assert_envelope(&raw(a, big.as_bytes()), 431, "header_fields_too_large");
    // 400: no Host; a malformed chunked body.
    assert_envelope(
        &raw(a, b"GET /api/v1/products HTTP/1.1\r\n\r\n"),
        400,
        "bad_request",
    );
    assert_envelope(
        &raw(
            a,
            b"POST /api/v1/carts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ),
        400,
        "bad_request",
    );
    // The same errors on pages stay HTML.
    let r = raw(
        a,
        b"POST /checkout HTTP/1.1\r\nHost: t\r\nContent-Length: 60000000000\r\n\r\n",
    );
    assert_eq!(r.status, 413);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = raw(a, b"GET /cart HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 400);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
}

#[test]
fn method_not_allowed_lists_the_routes_real_methods() {
    let s = common::Store::demo();
    let cart = common::send("POST", &format!("{}/api/v1/carts", s.url), &[], None);
    assert_eq!(cart.status, 201);
    let token = cart.json()["token"].as_str().unwrap().to_string();
    for (method, path, allow) in [
        ("GET", "/api/v1/carts".to_string(), "POST"),
        ("DELETE", "/api/v1/carts".to_string(), "POST"),
        (
            "PUT",
            format!("/api/v1/carts/{token}/items/1"),
            "PATCH, DELETE",
        ),
        (
            "GET",
            format!("/api/v1/carts/{token}/items/1"),
            "PATCH, DELETE",
        ),
        ("PUT", format!("/api/v1/carts/{token}/items"), "POST"),
        ("DELETE", format!("/api/v1/carts/{token}"), "GET, HEAD"),
        ("GET", format!("/api/v1/carts/{token}/checkout"), "POST"),
        ("POST", "/api/v1/products".to_string(), "GET, HEAD"),
        ("DELETE", "/checkout".to_string(), "GET, HEAD, POST"),
        ("PUT", "/account/sign-in".to_string(), "GET, HEAD, POST"),
        ("POST", "/".to_string(), "GET, HEAD"),
        ("GET", "/cart/add".to_string(), "POST"),
    ] {
        let p = common::send(method, &format!("{}{path}", s.url), &[], None);
        assert_eq!(p.status, 405, "{method} {path}");
        assert_eq!(p.header("allow"), Some(allow), "{method} {path}");
        if path.starts_with("/api/") {
            assert_eq!(p.json()["error"]["code"], "method_not_allowed");
        }
    }
    // An address with no method at all is still a 404.
    for (method, path) in [
        ("GET", "/api/v1/nope"),
        ("PUT", "/api/v1/carts/x/bogus"),
        ("POST", "/nope"),
    ] {
        let p = common::send(method, &format!("{}{path}", s.url), &[], None);
        assert_eq!(p.status, 404, "{method} {path}");
    }
}
