//! The request-head path (httparse → head → body framing) with the server's default limits.
//! Properties: never panics; a complete head is never longer than the buffer or the head
//! cap; a Content-Length body is only ever decided from exactly one all-digit value.
#![no_main]

use boutique::http::ServerConfig;
use boutique::http::server::parse_request_head;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cfg = ServerConfig::default();
    match parse_request_head(data, &cfg) {
        Ok(Some((head, n, body))) => {
            assert!(n <= data.len() && n <= cfg.max_head_bytes);
            assert!(head.path.starts_with('/') || head.path == "*");
            // An absolute-form target without a Host header adds the authority as one.
            assert!(head.headers.len() <= cfg.max_headers + 1);
            assert!(head.headers.iter().filter(|(k, _)| k == "host").count() <= 1);
            let cl: Vec<&String> = head
                .headers
                .iter()
                .filter(|(k, _)| k == "content-length")
                .map(|(_, v)| v)
                .collect();
            let te = head.headers.iter().any(|(k, _)| k == "transfer-encoding");
            match body {
                Some(len) if len > 0 => {
                    assert!(cl.len() == 1 && !te);
                    assert_eq!(cl[0].trim().parse::<u64>().ok(), Some(len));
                }
                Some(_) => assert!(!te && cl.len() <= 1),
                None => assert!(te && cl.is_empty()),
            }
        }
        Ok(None) => assert!(data.len() <= cfg.max_head_bytes),
        Err(status) => assert!(status == 400 || status == 431, "status {status}"),
    }
});
