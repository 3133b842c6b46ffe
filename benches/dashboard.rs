//! Dashboard benchmark: generates ORDERS orders (default 100,000) with 1–3 lines each over
//! the last 90 days, their funnel events, 8 categories and 200 products into a temp
//! database under `target/bench-dashboard/`, then
//!
//! 1. times the whole dashboard query set (`reports::dashboard`, in-process, one reader
//!    connection as the handler uses) RUNS times (default 200): p50 / p99 / max;
//! 2. times `GET /admin` over HTTP against the real server on that database (an owner's
//!    admin session made directly in the database): p50 / p99 of RUNS / 4 requests.
//!
//! Usage: `cargo bench --bench dashboard -- [ORDERS] [RUNS]`.

use boutique::admin_data::reports;
mod common;

use boutique::db::{Db, Sync};
use boutique::shop::accounts::{self, sessions};
use rusqlite::params;
use std::time::{Duration, Instant};

const STATUSES: &[(&str, &str)] = &[
    ("delivered", "paid"),
    ("delivered", "paid"),
    ("delivered", "paid"),
    ("shipped", "paid"),
    ("processing", "paid"),
    ("confirmed", "paid"),
    ("confirmed", "unpaid"),
    ("pending_payment", "unpaid"),
    ("awaiting_verification", "unpaid"),
    ("cancelled", "unpaid"),
    ("returned", "refunded"),
    ("delivered", "partially_refunded"),
];
const METHODS: &[&str] = &["cod", "bank_transfer", "razorpay", "stripe"];

/// A small deterministic generator (xorshift), so every run builds the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let orders: i64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dashboard");
    let _ = std::fs::remove_dir_all(&root);
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let now = boutique::db::now();

    let t = Instant::now();
    let db = Db::open(&data.join("store.db"), Sync::Normal, 2).unwrap();
    let cookie = db
        .write_tx(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('catalog_initialized', '1')",
                [],
            )?;
            for c in 1..=8 {
                tx.execute(
                    "INSERT INTO categories (id, slug, name, created_at) VALUES (?1, ?2, ?3, 0)",
                    params![c, format!("cat-{c}"), format!("Category {c}")],
                )?;
            }
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            for p in 1..=200i64 {
                tx.execute(
                    "INSERT INTO products (id, category_id, slug, title, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'active', 0, 0)",
                    params![p, 1 + p % 8, format!("product-{p}"), format!("Product {p}")],
                )?;
                tx.execute(
                    "INSERT INTO variants (id, product_id, sku, price, stock, created_at) VALUES (?1, ?1, ?2, ?3, ?4, 0)",
                    params![p, format!("SKU-{p}"), 50_000 + (p * 7919) % 400_000, rng.below(60) as i64],
                )?;
            }
            let mut ins_order = tx.prepare(
                "INSERT INTO orders (id, number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, total, refunded, created_at, updated_at) VALUES (?1, ?2, ?3, ?2, x'00', ?4, 'Bench Shopper', '1', 'Line 1', 'City', '560001', 'IN', ?5, ?6, ?7, 'INR', ?8, ?8, ?9, ?10, ?10)",
            )?;
            let mut ins_line = tx.prepare(
                "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity, returned) VALUES (?1, ?2, ?2, 'Product', 'SKU', ?3, ?4, ?5)",
            )?;
            let mut ins_event =
                tx.prepare("INSERT INTO funnel_events (kind, subject, at) VALUES (?1, ?2, ?3)")?;
            for id in 1..=orders {
                let at = now - 90 * 86_400 + (id * 90 * 86_400) / orders;
                let (status, payment) = STATUSES[rng.below(STATUSES.len() as u64) as usize];
                let method = METHODS[rng.below(4) as usize];
                let number = format!("B{id:07}");
                let mut lines = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let p = 1 + rng.below(200) as i64;
                    let qty = 1 + rng.below(3) as i64;
                    let price = 50_000 + (p * 7919) % 400_000;
                    let returned = if status == "returned" { qty } else { 0 };
                    lines.push((p, price, qty, returned));
                }
                let total: i64 = lines.iter().map(|l| l.1 * l.2).sum();
                let refunded = match payment {
                    "refunded" => total,
                    "partially_refunded" => total / 2,
                    _ => 0,
                };
                ins_order.execute(params![
                    id,
                    number,
                    id.to_be_bytes().to_vec(),
                    format!("shopper{}@example.com", rng.below(20_000)),
                    status,
                    payment,
                    method,
                    total,
                    refunded,
                    at
                ])?;
                for (p, price, qty, returned) in lines {
                    ins_line.execute(params![id, p, price, qty, returned])?;
                }
                ins_event.execute(params!["checkout_started", format!("cart/{id}"), at - 60])?;
                ins_event.execute(params!["order_placed", number, at])?;
                if payment != "unpaid" {
                    ins_event.execute(params!["order_paid", number, at + 600])?;
                }
                if id % 3 == 0 {
                    ins_event.execute(params!["signin_link_sent", number, at])?;
                    if id % 6 == 0 {
                        ins_event.execute(params!["signin_link_used", number, at + 3600])?;
                    }
                }
            }
            let c = accounts::find_or_create(tx, "owner@bench.test", now)?;
            accounts::set_role(tx, c.id, "owner")?;
            let (_, s) = sessions::create(tx, None, "bench", "127.0.0.1", now)?;
            sessions::sign_in(tx, s.id, c.id, true, now)
        })
        .unwrap();
    {
        let c = db.read().unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").ok();
    }
    println!(
        "generated {orders} orders over 90 days in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let zone = boutique::zone::Zone::fixed_minutes(330);
    // The first view for a zone writes its days and rebuilds the daily sums (once).
    let t = Instant::now();
    db.write_tx(|tx| reports::ensure_days(tx, &zone, now))
        .unwrap();
    println!(
        "day table and daily sums built from {orders} orders in {:.0} ms (once per zone)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    // 1. The query set, in-process.
    let conn = db.read().unwrap();
    let mut times = Vec::with_capacity(runs);
    let mut check = reports::Dashboard::default();
    for _ in 0..runs {
        let t = Instant::now();
        check = reports::dashboard(&conn, now, &zone, 5).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "dashboard query set ({runs} runs): p50 {}  p99 {}  max {}  (30-day revenue {} minor units, {} paid orders)",
        ms(pct(&times, 0.5)),
        ms(pct(&times, 0.99)),
        ms(*times.last().unwrap()),
        check.periods[2].revenue,
        check.periods[2].paid_orders
    );
    // Where the time goes: each query alone (median of 50).
    let m = reports::local_midnight(now, &zone);
    let since30 = m - 29 * 86_400;
    let tod = now - m;
    use rusqlite::types::Value as V;
    let one = |name: &str, q: &str, p: &[V]| {
        let mut t: Vec<Duration> = (0..50)
            .map(|_| {
                let start = Instant::now();
                let mut st = conn.prepare_cached(q).unwrap();
                let n = st
                    .query_map(rusqlite::params_from_iter(p.iter()), |_| Ok(()))
                    .unwrap()
                    .count();
                assert!(n > 0);
                start.elapsed()
            })
            .collect();
        t.sort();
        println!("  {name:<16} p50 {}", ms(pct(&t, 0.5)));
    };
    let span = [V::Integer(since30), V::Integer(now)];
    // A fixed offset has 24-hour days: the days are plain arithmetic here.
    one(
        "ORDER_DAYS",
        reports::sql::ORDER_DAYS,
        &[V::Integer(m - 59 * 86_400), V::Integer(m)],
    );
    one(
        "PART_OF_DAY",
        reports::sql::PART_OF_DAY,
        &[V::Integer(m - 86_400), V::Integer(m - 86_400 + tod)],
    );
    one("WAITING", reports::sql::WAITING, &[]);
    one("COD_DUE", reports::sql::COD_DUE, &[]);
    one("LOW_STOCK", reports::sql::LOW_STOCK_COUNT, &[V::Integer(5)]);
    one(
        "PRODUCT_DAYS",
        reports::sql::PRODUCT_DAYS,
        &[V::Integer(since30)],
    );
    one(
        "FUNNEL_DAYS",
        reports::sql::FUNNEL_DAYS,
        &[V::Integer(since30), V::Integer(m)],
    );
    one("LINKS_USED", reports::sql::LINKS_USED, &span);
    drop(conn);
    drop(db);

    // 2. GET /admin over HTTP on the real server.
    let running = common::start(
        &root,
        "[store]\nname = \"Bench\"\nurl = \"http://bench.test\"\n\n[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"data\"\nsynchronous = \"normal\"\n",
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let url = format!("{}/admin", running.url);
    let cookie = format!("bq_sid={cookie}");
    // The server's zone is the shipped default, not the one above: its first view
    // rebuilds the sums for it (reported, not counted below).
    let t = Instant::now();
    let r = agent.get(&url).header("Cookie", &cookie).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    println!(
        "first GET /admin (the server's zone: days and sums rebuilt): {}",
        ms(t.elapsed())
    );
    let http_runs = (runs / 4).max(10);
    let mut times = Vec::with_capacity(http_runs);
    for _ in 0..http_runs {
        let t = Instant::now();
        let mut r = agent.get(&url).header("Cookie", &cookie).call().unwrap();
        let body = r.body_mut().read_to_string().unwrap();
        times.push(t.elapsed());
        assert_eq!(r.status().as_u16(), 200, "{body}");
    }
    times.sort();
    println!(
        "GET /admin over HTTP ({http_runs} requests): p50 {}  p99 {}",
        ms(pct(&times, 0.5)),
        ms(pct(&times, 0.99))
    );
    running.shutdown();
}
