//! The payment-proof judge: what uploaded bytes are, or why they are refused.
//! Properties: never panics; accepts only the advertised kinds; anything over the cap is
//! 413; every refusal is a 4xx.
#![no_main]

use boutique::shop::orders::proofs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max = 64 * 1024;
    match proofs::judge(data, max) {
        Ok(kind) => {
            assert!(!data.is_empty());
            assert!(
                matches!(
                    kind,
                    "image/png" | "image/jpeg" | "image/webp" | "application/pdf"
                ),
                "{kind}"
            );
        }
        Err(e) => assert!((400..500).contains(&e.status()), "{}", e.status()),
    }
    if data.len() > 16 {
        // Same bytes, cap one below their length: always too large.
        let e = proofs::judge(data, data.len() as u64 - 1).expect_err("over the cap");
        assert_eq!(e.status(), 413);
    }
});
