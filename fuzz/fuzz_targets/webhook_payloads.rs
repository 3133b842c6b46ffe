//! The webhook bodies from the outside world: Razorpay's and Stripe's events and
//! Shiprocket's tracking updates, read after their signature or token was checked (so
//! anyone holding a secret, or a gateway with a bug, can send any bytes).
//! Properties: never panics; a tracking update read has a non-empty AWB of at most 80
//! characters, at most `MAX_SCANS` scans, bounded texts and a 64-hex dedup key; the same
//! bytes always give the same update.
#![no_main]

use boutique::shop::payments::{razorpay, stripe};
use boutique::shop::shipping::wire;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = razorpay::parse_event("evt_fuzz", data);
    let _ = stripe::parse_event(data);
    if let Ok(Some(u)) = wire::read(data) {
        assert!(!u.awb.is_empty() && u.awb.chars().count() <= 80);
        assert!(u.scans.len() <= wire::MAX_SCANS);
        assert!(u.status.chars().count() <= 80 && u.edd.chars().count() <= 40);
        assert!(u.scans.iter().all(|s| s.activity.chars().count() <= 200
            && s.location.chars().count() <= 120
            && s.code.chars().count() <= 20));
        assert_eq!(u.dedup.len(), 64);
        assert_eq!(wire::read(data), Ok(Some(u)));
    }
});
