//! Checkout benchmark over real HTTP against the real server (in-process, FULL sync, a
//! temp data dir on the current disk):
//!
//! 1. raw SQLite: single-row write transactions per second through `Db::write_tx` on the
//!    same disk, the ceiling every other number is measured against;
//! 2. completed checkouts per second: each shopper creates an API cart, adds two lines and
//!    checks out cash on delivery (4 HTTP requests, 4 write transactions, 2 mails queued);
//! 3. a flash sale: 1,000 shoppers, each with a cart already holding the product, check out
//!    at the same instant for 100 units — time to settle, orders/s, p50/p99 of the checkout
//!    request, exactly 100 sold, zero 5xx.
//!
//! Usage: `cargo bench --bench checkout -- [SECONDS] [CLIENTS]` (defaults 10 and 16).

mod common;

use boutique::db::{Db, Sync};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::Client;

fn main() {
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let secs: u64 = pos.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = pos.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    // Under target/: on the project's disk (tmpfs would make fsync free), out of git.
    let _ = std::fs::create_dir_all("target");
    let dir = tempfile::Builder::new()
        .prefix("boutique-checkout-bench-")
        .tempdir_in("target")
        .expect("temp dir under target/");

    // 1. Raw SQLite write transactions on this disk, FULL.
    let raw = {
        let db = Db::open(&dir.path().join("raw.db"), Sync::Full, 1).unwrap();
        let v = db
            .write_tx(|tx| {
                boutique::shop::catalog::create_simple_product(tx, "r", "R", "R-1", 100, 10, 0)
            })
            .unwrap()
            .1;
        let n = 3000;
        let start = Instant::now();
        for i in 0..n {
            let d = if i % 2 == 0 { 1 } else { -1 };
            db.write_tx(|tx| {
                boutique::shop::catalog::adjust_stock(tx, v, d, "correction", "bench", "", 0)
            })
            .unwrap();
        }
        n as f64 / start.elapsed().as_secs_f64()
    };

    // BENCH_SYNC=normal shows how much of the cost is the fsync per commit.
    let sync = std::env::var("BENCH_SYNC").unwrap_or_else(|_| "full".into());
    // BENCH_MAIL=off points mail at a closed local port (every send fails at once and is
    // retried later): shows what the .eml writing of the default file transport costs.
    let mail = match std::env::var("BENCH_MAIL").as_deref() {
        Ok("off") => {
            "\n[email]\ntransport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 9\nsmtp_tls = \"none\"\n"
        }
        _ => "",
    };
    let running = common::start(
        dir.path(),
        &format!(
            "[store]\nname = \"Bench\"\nurl = \"http://bench.test\"\n\n[server]\ndata_dir = \"data\"\ntrusted_proxies = [\"127.0.0.1\"]\nsynchronous = \"{sync}\"\nmax_connections = 4096\nmax_connections_per_client = 2048\n{mail}"
        ),
    );
    let url = running.url.clone();
    let (va, vb, flash) = running
        .app
        .db
        .write_tx(|tx| {
            use boutique::shop::catalog::create_simple_product as p;
            let a = p(tx, "tea", "Darjeeling Tea", "TEA-1", 45_000, 10_000_000, 0)?.1;
            let b = p(
                tx,
                "honey",
                "Forest Honey",
                "HONEY-1",
                60_000,
                10_000_000,
                0,
            )?
            .1;
            let f = p(tx, "drop", "Limited Drop Shawl", "DROP-1", 250_000, 100, 0)?.1;
            Ok((a, b, f))
        })
        .unwrap();

    // 2. Completed checkouts per second.
    let (tx0, commits0) = (running.app.db.transactions(), running.app.db.generation());
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let (url, done, errors, stop, lat) = (
                url.clone(),
                done.clone(),
                errors.clone(),
                stop.clone(),
                lat.clone(),
            );
            std::thread::spawn(move || {
                let mut a = Client::new(&url);
                let mut n = 0;
                let mut mine = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t0 = Instant::now();
                    let token = a.new_cart();
                    let ok = a.add(&token, va, 1) == 200
                        && a.add(&token, vb, 2) == 200
                        && a.checkout(&token, &format!("b-{t}-{n}")) == 201;
                    if ok {
                        done.fetch_add(1, Ordering::Relaxed);
                        mine.push(t0.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    n += 1;
                }
                lat.lock().unwrap().extend(mine);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    let mut l = lat.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let txs = running.app.db.transactions() - tx0;
    let commits = running.app.db.generation() - commits0;

    // 3. Flash sale: 1,000 shoppers, carts ready, one instant, 100 units.
    let buyers = 1000;
    let carts: Vec<String> = {
        let mut a = Client::new(&url);
        (0..buyers)
            .map(|_| {
                let t = a.new_cart();
                assert_eq!(a.add(&t, flash, 1), 200);
                t
            })
            .collect()
    };
    let barrier = Arc::new(Barrier::new(buyers + 1));
    let results = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = carts
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let (url, barrier, results) = (url.clone(), barrier.clone(), results.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut a = Client::new(&url);
                    barrier.wait();
                    let t0 = Instant::now();
                    let s = a.checkout(&token, &format!("flash-{i}"));
                    results
                        .lock()
                        .unwrap()
                        .push((s, t0.elapsed().as_secs_f64() * 1000.0));
                })
                .unwrap()
        })
        .collect();
    barrier.wait();
    let fs = Instant::now();
    for t in threads {
        t.join().unwrap();
    }
    let flash_secs = fs.elapsed().as_secs_f64();
    let results = results.lock().unwrap().clone();
    let sold = results.iter().filter(|r| r.0 == 201).count();
    let refused = results.iter().filter(|r| r.0 == 409).count();
    let five = results.iter().filter(|r| r.0 >= 500 || r.0 == 0).count();
    let mut by_status = std::collections::BTreeMap::new();
    for r in &results {
        *by_status.entry(r.0).or_insert(0) += 1;
    }
    eprintln!("flash sale answers by status: {by_status:?}");
    let mut fl: Vec<f64> = results.iter().map(|r| r.1).collect();
    fl.sort_by(f64::total_cmp);
    let stock: i64 = running
        .app
        .db
        .read()
        .unwrap()
        .query_row("SELECT stock FROM variants WHERE id = ?1", [flash], |r| {
            r.get(0)
        })
        .unwrap();
    let mismatches = boutique::shop::catalog::ledger_mismatches(&running.app.db.read().unwrap())
        .unwrap()
        .len();
    running.shutdown();

    println!(
        "raw SQLite write transactions (FULL, this disk): {raw:.0}/s; store synchronous = {sync}"
    );
    println!(
        "completed checkouts (cart + 2 lines + COD checkout, {clients} clients, {elapsed:.1} s): {n} → {:.0}/s; flow p50 {:.1} ms, p99 {:.1} ms; failed flows {}",
        n as f64 / elapsed,
        common::pct(&l, 0.5),
        common::pct(&l, 0.99),
        errors.load(Ordering::Relaxed)
    );
    println!(
        "  write transactions {txs} in {commits} commits ({:.1} per commit, mail worker included)",
        txs as f64 / commits.max(1) as f64
    );
    println!(
        "flash sale ({buyers} buyers, 100 units): settled in {flash_secs:.3} s; sold {sold}, refused 409 {refused}, 5xx/failed {five}; checkout p50 {:.1} ms, p99 {:.1} ms; {:.0} requests/s; stock left {stock}; ledger mismatches {mismatches}",
        common::pct(&fl, 0.5),
        common::pct(&fl, 0.99),
        buyers as f64 / flash_secs
    );
    if sold != 100 || five != 0 || stock != 0 || mismatches != 0 {
        eprintln!("FLASH SALE WRONG: expected exactly 100 sold and no 5xx");
        std::process::exit(1);
    }
}
