//! In-memory rate limits for the expensive or abusable writes (checkout attempts per cart,
//! proof uploads per order): a sliding window of recent hits per key. Kept in memory on
//! purpose: a restart forgiving everyone is harmless, and no limit check should cost a
//! database write. Sign-in limits live in the database (see shop::accounts::signin) because they
//! guard secrets.

use crate::error::{Error, Result};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many keys, stale ones are swept before adding another.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Limiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Counts a hit on `key`; refuses with 429 (and the wait) when `max` hits already fell
    /// within `window`. `what` opens the message ("Too many checkout attempts.").
    pub fn hit(&self, key: &str, max: usize, window: Duration, what: &str) -> Result<()> {
        let now = Instant::now();
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = map.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= max {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest)).as_secs() as i64 + 1;
            return Err(Error::rate_limited(wait, what));
        }
        q.push_back(now);
        Ok(())
    }
}

/// Checkout attempts per cart in ten minutes: far above any shopper fixing a typo, far
/// below a script hammering the stock or the coupon codes.
pub const CHECKOUT_PER_CART: usize = 30;
/// Proof uploads per order in an hour (each may be several MB).
pub const PROOFS_PER_ORDER: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_with_a_wait_then_forgets() {
        let l = Limiter::default();
        let w = Duration::from_millis(200);
        for _ in 0..3 {
            l.hit("k", 3, w, "Too many.").unwrap();
        }
        let e = l.hit("k", 3, w, "Too many.").unwrap_err();
        assert_eq!(e.status(), 429);
        assert!(e.retry_after.is_some());
        l.hit("other", 3, w, "Too many.").unwrap();
        std::thread::sleep(Duration::from_millis(250));
        l.hit("k", 3, w, "Too many.").unwrap();
    }
}
