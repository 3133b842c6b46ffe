//! Product page with many reviews (issue 13): two products alike but for their reviews —
//! one with none, one with REVIEWS (default 1,000) published reviews — served by the real
//! server in-process; CLIENTS threads (default 8) request each page over HTTP for SECONDS
//! (default 5) and the bench reports requests/s, p50 and p99 for both, and the ratio.
//! Run once with the page cache (the default) and once without it:
//!
//!   cargo bench --bench reviews -- [REVIEWS] [SECONDS] [CLIENTS]
//!   BOUTIQUE_NO_PAGE_CACHE=1 cargo bench --bench reviews -- [REVIEWS] [SECONDS] [CLIENTS]

mod common;

use boutique::shop::catalog;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn run(url: &str, secs: u64, clients: usize) -> (f64, f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let times = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (stop, times, url) = (stop.clone(), times.clone(), url.to_string());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let mut r = agent.get(&url).call().expect("answer");
                    assert_eq!(r.status().as_u16(), 200);
                    let _ = r.body_mut().read_to_vec();
                    mine.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times.lock().unwrap().extend(mine);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut t = times.lock().unwrap().clone();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (
        t.len() as f64 / elapsed,
        common::pct(&t, 0.5),
        common::pct(&t, 0.99),
    )
}

fn main() {
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let reviews: i64 = pos.first().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let secs: u64 = pos.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let clients: usize = pos.get(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let dir = common::temp_dir("boutique-reviews-bench-");
    let running = common::start(
        dir.path(),
        "[store]\nname = \"Bench\"\nurl = \"http://bench.test\"\n\n[server]\ndata_dir = \"data\"\nsynchronous = \"normal\"\n",
    );
    let now = boutique::db::now();
    running
        .app
        .db
        .write_tx(|tx| {
            catalog::create_simple_product(tx, "plain-scarf", "Linen scarf", "PLAIN", 50_000, 100, now)?;
            let (pid, _) = catalog::create_simple_product(
                tx, "loved-scarf", "Linen scarf", "LOVED", 50_000, 100, now,
            )?;
            // The reviews' order lines are not needed to read them: one order stands in.
            tx.execute("INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES ('B-1', x'01', 'k', x'00', 'a@example.com', 'A', '1', 'l', 'c', '1', 'IN', 'delivered', 'paid', 'cod', 'INR', 1, 1, ?1, ?1)", [now])?;
            let oid = tx.last_insert_rowid();
            for i in 0..reviews {
                tx.execute(
                    "INSERT INTO reviews (order_id, product_id, product_title, author, email, rating, title, body, status, created_at, updated_at) VALUES (?1, ?2, 'Linen scarf', 'Shopper S.', 'a@example.com', ?3, ?4, ?5, 'published', ?6, ?6)",
                    rusqlite::params![oid, pid, 1 + (i * 7) % 5, format!("Review number {i}"), "Soft, warm and the colour is right. I would buy it again. ".repeat(3), now - i],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let cached = std::env::var_os("BOUTIQUE_NO_PAGE_CACHE").is_none();
    println!(
        "product page, {} page cache, {clients} clients, {secs} s each ({reviews} reviews on the second)",
        if cached { "with the" } else { "without the" }
    );
    let base = running.url.clone();
    let mut out = Vec::new();
    for slug in ["plain-scarf", "loved-scarf"] {
        let url = format!("{base}/p/{slug}");
        let _ = run(&url, 1, clients); // warm-up
        let (rps, p50, p99) = run(&url, secs, clients);
        println!("  /p/{slug}: {rps:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms");
        out.push(rps);
    }
    println!(
        "  with reviews / without: {:.2} (target ≥ 0.90)",
        out[1] / out[0]
    );
}
