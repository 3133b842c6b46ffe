//! SIGTERM makes `ServerHandle::wait` return after in-flight work. Its own test binary because
//! the signal flag is process-wide and would stop every other test's server.

#[path = "rawhttp/mod.rs"]
mod common;

use common::*;
use std::time::{Duration, Instant};

#[test]
fn sigterm_stops_wait() {
    let flag = boutique::http::install_signal_handlers();
    let h = start(test_config());
    let addr = h.local_addr();
    assert_serves(addr);
    let waiter = std::thread::spawn(move || h.wait());
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    // SAFETY: raising a signal whose handler only stores to an atomic.
    unsafe { libc::raise(libc::SIGTERM) };
    assert!(flag.load(std::sync::atomic::Ordering::SeqCst));
    waiter.join().expect("wait returned");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(std::net::TcpStream::connect(addr).is_err());
}
