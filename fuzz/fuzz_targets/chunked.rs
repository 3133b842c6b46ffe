//! The chunked body decoder, fed the input in pieces of a fuzzer-chosen size.
//! Properties: never panics; never yields more than its limit; never claims to consume more
//! than it was given; the same body whatever the split; and a decoded body, re-encoded as
//! chunks, decodes to itself with exactly the encoding consumed.
#![no_main]

use boutique::http::chunked::{ChunkError, ChunkedDecoder};
use libfuzzer_sys::fuzz_target;

fn run(input: &[u8], limit: u64, step: usize) -> Result<Option<(Vec<u8>, usize)>, ChunkError> {
    let mut d = ChunkedDecoder::new(limit);
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() && !d.is_done() {
        let end = (pos + step).min(input.len());
        let used = d.feed(&input[pos..end], &mut out)?;
        assert!(used <= end - pos);
        assert!(out.len() as u64 <= limit, "decoded past the limit");
        pos += used;
        if used == 0 && !d.is_done() {
            // Nothing consumed and not done can only mean an empty slice, never here.
            panic!("decoder stalled at {pos}");
        }
    }
    Ok(d.is_done().then_some((out, pos)))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let limit = u64::from(u16::from_le_bytes([data[0], data[1]]));
    let step = usize::from(data[2] % 64) + 1;
    let input = &data[3..];
    let whole = run(input, limit, input.len().max(1));
    let split = run(input, limit, step);
    assert_eq!(whole, split, "the split changed the result");
    if let Ok(Some((body, used))) = whole {
        assert!(used <= input.len());
        // Re-encode in chunks of `step` bytes and decode again.
        let mut enc = Vec::new();
        for c in body.chunks(step) {
            enc.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
            enc.extend_from_slice(c);
            enc.extend_from_slice(b"\r\n");
        }
        enc.extend_from_slice(b"0\r\n\r\n");
        let again = run(&enc, limit, step).expect("re-encoded body is valid");
        assert_eq!(again, Some((body, enc.len())));
    }
});
