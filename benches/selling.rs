//! Product pages while the store is selling (issue 14), in one run against the real
//! server (in-process, FULL sync, a temp data dir under target/):
//!
//! 1. idle: wrk on one product page (anonymous);
//! 2. selling other products: the same wrk while BUYERS clients place orders
//!    continuously over HTTP (API cart, one line, cash on delivery; the lean keep-alive client of benches/common) for other products;
//! 3. selling this product: the same, but every order buys the product on the page, so
//!    each sale re-renders it (the worst case);
//! 4. signed in: wrk with a signed-in customer's session cookie, idle.
//!
//! Each phase reports wrk's req/s, p50 and p99, and orders/s for the selling phases.
//! Usage: `cargo bench --bench selling -- [SECONDS] [BUYERS] [CONNECTIONS]` (defaults
//! 10, 16 and 64). Needs `wrk` on PATH (Debian: `apt-get install wrk`).

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Client;

/// wrk's figures: (req/s, p50 ms, p99 ms, non-2xx).
fn wrk(url: &str, secs: u64, conns: usize, cookie: Option<&str>) -> (f64, f64, f64, u64) {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{conns}"),
        &format!("-d{secs}s"),
        "--timeout",
        "10s",
        "--latency",
    ]);
    if let Some(c) = cookie {
        cmd.args(["-H", &format!("Cookie: {c}")]);
    }
    let out = cmd.arg(url).output().expect("wrk on PATH");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ms = |v: &str| -> f64 {
        let (n, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
        let n: f64 = n.parse().unwrap_or(0.0);
        match unit {
            "us" => n / 1000.0,
            "s" => n * 1000.0,
            _ => n,
        }
    };
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
    };
    let rps = text
        .lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let non2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (
        rps,
        field("50%").map(|v| ms(&v)).unwrap_or(0.0),
        field("99%").map(|v| ms(&v)).unwrap_or(0.0),
        non2xx,
    )
}

fn main() {
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let secs: u64 = pos.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let buyers: usize = pos.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let conns: usize = pos.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let dir = common::temp_dir("boutique-selling-bench-");
    let running = common::start(
        dir.path(),
        "[store]\nname = \"Bench\"\nurl = \"http://bench.test\"\n\n[server]\ndata_dir = \"data\"\ntrusted_proxies = [\"127.0.0.1\"]\nsynchronous = \"full\"\nmax_connections_per_client = 512\n",
    );
    let url = running.url.clone();
    let now = boutique::db::now();
    // 50 products with plenty of stock; the page measured is the first one's.
    let variants: Vec<i64> = running
        .app
        .db
        .write_tx(|tx| {
            (0..50)
                .map(|i| {
                    boutique::shop::catalog::create_simple_product(
                        tx,
                        &format!("item-{i}"),
                        &format!("Handloom Item {i}"),
                        &format!("ITEM-{i}"),
                        45_000 + i * 100,
                        100_000_000,
                        now,
                    )
                    .map(|(_, v)| v)
                })
                .collect()
        })
        .unwrap();
    let page = format!("{url}/p/item-0");
    let cookie = running
        .app
        .db
        .write_tx(|tx| {
            let c = boutique::shop::accounts::find_or_create(tx, "signed-in@example.com", now)?;
            boutique::shop::accounts::sessions::create(tx, Some(c.id), "bench", "127.0.0.1", now)
        })
        .map(|(token, _)| format!("bq_sid={token}"))
        .unwrap();
    // Warm up (and prove the page answers).
    let _ = wrk(&page, 2, conns, None);

    let selling = |viewed: bool| {
        let stop = Arc::new(AtomicBool::new(false));
        let placed = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..buyers)
            .map(|t| {
                let (stop, placed, failed) = (stop.clone(), placed.clone(), failed.clone());
                let (url, variants) = (url.clone(), variants.clone());
                std::thread::spawn(move || {
                    let mut a = Client::new(&url);
                    let mut i = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        let v = if viewed {
                            variants[0]
                        } else {
                            variants[1 + (t + i * buyers) % (variants.len() - 1)]
                        };
                        let key = format!("sell-{viewed}-{t}-{i}");
                        let token = a.new_cart();
                        if a.add(&token, v, 1) < 300 && a.checkout(&token, &key) == 201 {
                            placed.fetch_add(1, Ordering::Relaxed);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        i += 1;
                    }
                })
            })
            .collect();
        // Let the buyers get going, then measure.
        std::thread::sleep(Duration::from_millis(500));
        let before = placed.load(Ordering::Relaxed);
        let start = Instant::now();
        let w = wrk(&page, secs, conns, None);
        let orders =
            (placed.load(Ordering::Relaxed) - before) as f64 / start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        (w, orders, failed.load(Ordering::Relaxed))
    };

    let idle = wrk(&page, secs, conns, None);
    let (other, other_orders, other_failed) = selling(false);
    let (same, same_orders, same_failed) = selling(true);
    let signed = wrk(&page, secs, conns, Some(&cookie));

    println!("| phase | req/s | p50 ms | p99 ms | non-2xx | orders/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |name: &str, w: (f64, f64, f64, u64), orders: Option<f64>| {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} | {} |",
            w.0,
            w.1,
            w.2,
            w.3,
            orders
                .map(|o| format!("{o:.0}"))
                .unwrap_or_else(|| "—".into())
        );
    };
    row("idle, anonymous", idle, None);
    row(
        &format!("{buyers} buyers of other products"),
        other,
        Some(other_orders),
    );
    row(
        &format!("{buyers} buyers of this product"),
        same,
        Some(same_orders),
    );
    row("idle, signed in", signed, None);
    println!();
    println!(
        "selling / idle: {:.2} (others), {:.2} (this product); signed in / anonymous: {:.2}; failed orders: {}",
        other.0 / idle.0.max(1.0),
        same.0 / idle.0.max(1.0),
        signed.0 / idle.0.max(1.0),
        other_failed + same_failed
    );
}
