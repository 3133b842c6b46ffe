//! Query-string and url-encoded form decoding.
//! Properties: never panics; decoding never makes text longer in bytes than the input
//! (except for U+FFFD replacement of invalid bytes, at most 3 bytes per input byte); at most
//! `MAX_PAIRS` pairs; no CR survives in a pair (line endings are normalised at the edge);
//! text without `%` or `+` decodes to itself.
#![no_main]

use boutique::http::query::{MAX_PAIRS, Params, decode, pairs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for plus in [false, true] {
        let d = decode(&s, plus);
        assert!(d.len() <= 3 * s.len());
        if !s.contains(['%', '+']) {
            assert_eq!(d, s);
        }
    }
    let p = pairs(&s);
    assert!(p.len() <= MAX_PAIRS);
    assert!(p.iter().all(|(k, v)| !k.contains('\r') && !v.contains('\r')));
    let params = Params::parse(&s);
    if let Some((k, v)) = params.0.first() {
        assert_eq!(params.get(k), Some(v.as_str()));
    }
});
