//! The fences around decoding untrusted pictures (payment proofs, product images, banners):
//! the pixel-count limit judged from the header *before* any pixel buffer exists, and one
//! small counting semaphore that bounds how many decodes run at once across the whole
//! process. A decoded picture costs width × height × 4 bytes and more while it is resized,
//! so without these a 249 KB PNG declaring 8000 × 8000 cost ~300 MB per upload, and 16
//! parallel uploads took the store to 3.5 GB. With them, peak decode memory is bounded by
//! `PERMITS × (largest accepted picture)`, whatever the number of uploaders.

use crate::error::{Error, Kind, Result};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The largest picture (in pixels) we decode: 40 megapixels. A 12 MP phone photo
/// (4032 × 3024) or a phone screenshot (≈ 3–4 MP) passes with room to spare, and so does a
/// 24 MP camera photo for the catalog; every picture the shop serves is at most 1600 px on
/// its longest side anyway. At RGBA8 a 40 MP picture is 160 MB in memory, which is the
/// most one decode may claim (see `MAX_ALLOC`).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side accepted (a very long strip is never a photo of a transfer or a product).
pub const MAX_SIDE: u32 = 8000;
/// The decoder's own allocation fence, the second line behind the header check: the
/// largest accepted picture at 4 bytes a pixel. A 16-bit picture near the pixel limit is
/// refused by it too, which no phone or shop photo needs.
pub const MAX_ALLOC: u64 = MAX_PIXELS * 4;

/// Decodes running at once. The memory they hold is what this bounds, so it is a fixed
/// number rather than the core count of whichever machine runs the store: two is the core
/// count of the small VPS the store is sized for, and keeps the worst case at two largest
/// pictures in memory.
pub const PERMITS: usize = 2;
/// How long an upload waits for a free decode before it is told to come back (503 with
/// `Retry-After`): long enough for a few large photos ahead of it, short enough that
/// waiting requests (each holding its body) do not pile up.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// The `Retry-After` sent when the wait runs out.
pub const RETRY_AFTER_SECS: i64 = 5;

/// The one gate every decode of an upload passes.
pub static DECODES: Gate = Gate::new(PERMITS, MAX_WAIT);

/// Refuses a picture whose header declares more than the limits, before it is decoded.
pub fn check_size(width: u32, height: u32) -> Result<()> {
    let pixels = u64::from(width) * u64::from(height);
    if width <= MAX_SIDE && height <= MAX_SIDE && pixels <= MAX_PIXELS {
        return Ok(());
    }
    Err(Error::new(
        Kind::PayloadTooLarge,
        format!(
            "This picture is too large: {width} × {height} pixels. The largest we accept is {} \
             megapixels and {MAX_SIDE} pixels on a side; please send a smaller screenshot or photo.",
            MAX_PIXELS / 1_000_000
        ),
    )
    .with_detail(format!("declared {width}×{height} = {pixels} px")))
}

/// A counting semaphore (Mutex + Condvar): `permits` holders at once, a waiter gives up
/// after `wait`.
pub struct Gate {
    in_use: Mutex<usize>,
    freed: Condvar,
    permits: usize,
    wait: Duration,
}

/// One running decode; the permit goes back when this is dropped (also on a panic).
pub struct Permit<'a> {
    gate: &'a Gate,
}

impl Gate {
    pub const fn new(permits: usize, wait: Duration) -> Gate {
        Gate {
            in_use: Mutex::new(0),
            freed: Condvar::new(),
            permits,
            wait,
        }
    }

    /// Waits for a free permit, at most the gate's `wait`; then 503 with `Retry-After`.
    pub fn acquire(&self) -> Result<Permit<'_>> {
        let deadline = Instant::now() + self.wait;
        // A poisoned lock only means a holder panicked; the count itself is still right
        // because permits are returned in `Drop`.
        let mut in_use = self.in_use.lock().unwrap_or_else(|p| p.into_inner());
        while *in_use >= self.permits {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let mut e = Error::new(
                    Kind::Unavailable,
                    "We are busy processing other pictures. Please try again in a few seconds.",
                )
                .with_detail("decode gate: no free permit within the wait");
                e.retry_after = Some(RETRY_AFTER_SECS);
                return Err(e);
            }
            in_use = self
                .freed
                .wait_timeout(in_use, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *in_use += 1;
        Ok(Permit { gate: self })
    }

    /// Permits held right now (for tests).
    pub fn in_use(&self) -> usize {
        *self.in_use.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut in_use = self.gate.in_use.lock().unwrap_or_else(|p| p.into_inner());
        *in_use = in_use.saturating_sub(1);
        self.gate.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn size_check_passes_phone_pictures_and_refuses_bombs_with_their_size() {
        for (w, h) in [
            (4032, 3024),
            (3024, 4032),
            (1179, 2556),
            (6000, 4000),
            (8000, 5000),
        ] {
            check_size(w, h).unwrap_or_else(|e| panic!("{w}×{h}: {e}"));
        }
        for (w, h) in [
            (8000, 8000),
            (7000, 6000),
            (8001, 10),
            (10, 60_000),
            (u32::MAX, u32::MAX),
        ] {
            let e = check_size(w, h).unwrap_err();
            assert_eq!(e.status(), 413, "{w}×{h}");
            assert!(
                e.public.contains(&format!("{w} × {h} pixels"))
                    && e.public.contains("40 megapixels"),
                "{}",
                e.public
            );
        }
    }

    #[test]
    fn gate_admits_at_most_its_permits_and_a_waiter_gives_up_with_503() {
        let gate = Arc::new(Gate::new(2, Duration::from_secs(5)));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
                std::thread::spawn(move || {
                    let _p = gate.acquire().unwrap();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(gate.in_use(), 0);

        // Both permits held: the next caller waits its bounded time, then 503 + Retry-After.
        let short = Gate::new(2, Duration::from_millis(50));
        let a = short.acquire().unwrap();
        let _b = short.acquire().unwrap();
        let e = short.acquire().err().unwrap();
        assert_eq!(e.status(), 503);
        assert_eq!(e.retry_after, Some(RETRY_AFTER_SECS));
        drop(a);
        let _c = short.acquire().unwrap();
        assert_eq!(short.in_use(), 2);
    }

    #[test]
    fn a_panicking_holder_gives_its_permit_back() {
        let gate = Arc::new(Gate::new(1, Duration::from_millis(200)));
        let g = gate.clone();
        let _ = std::thread::spawn(move || {
            let _p = g.acquire().unwrap();
            panic!("decoder blew up");
        })
        .join();
        assert_eq!(gate.in_use(), 0);
        gate.acquire().unwrap();
    }
}
