//! multipart/form-data parsing as the payment-proof upload calls it.
//! Properties: never panics; only allowed field names come back; the parts' data together
//! never exceed the body; errors are 4xx (400, 413 or 415), never a 500.
#![no_main]

use boutique::http::multipart;
use libfuzzer_sys::fuzz_target;

const ALLOWED: [&str; 2] = ["csrf_token", "proof"];

fuzz_target!(|data: &[u8]| {
    // First line (up to LF) is the boundary, the rest the body: the seeds use "XyZ".
    let (boundary, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"XyZ"[..], data),
    };
    let ct = format!(
        "multipart/form-data; boundary={}",
        String::from_utf8_lossy(boundary)
    );
    let max = 4096;
    match multipart::parse(&ct, body.to_vec(), &ALLOWED, max) {
        Ok(parts) => {
            let total: usize = parts.iter().map(|p| p.data.len()).sum();
            assert!(total <= body.len());
            for p in &parts {
                assert!(ALLOWED.contains(&p.name.as_str()), "field {:?}", p.name);
            }
        }
        Err(e) => assert!(matches!(e.status(), 400 | 413 | 415), "{}", e.status()),
    }
});
