//! Webhook ingestion benchmark over real HTTP against the real server (in-process, FULL
//! sync, a temp data dir under target/): 1,400 card orders wait for their payment (half
//! Razorpay, half Stripe, each with an open gateway attempt); their capture events —
//! 2,000 deliveries, 30 % of them repeats of an event already sent, in a shuffled order —
//! are posted, properly signed, by 32 clients at once. Reports deliveries/s and the
//! p50/p99 of one delivery, and checks that every order was captured exactly once and
//! every repeat was logged as a duplicate that changed nothing.
//!
//! Usage: `cargo bench --bench webhooks -- [ORDERS] [CLIENTS]` (defaults 1400 and 32;
//! the deliveries are ORDERS / 0.7).

mod common;

use boutique::shop::catalog;
use boutique::shop::payments::{self, Gateway};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RZP_SECRET: &str = "bench_razorpay_webhook_secret";
const STRIPE_SECRET: &str = "whsec_bench_stripe";

struct Delivery {
    gateway: Gateway,
    event_id: String,
    body: String,
}

fn main() {
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let orders: usize = pos.first().and_then(|s| s.parse().ok()).unwrap_or(1400);
    let clients: usize = pos.get(1).and_then(|s| s.parse().ok()).unwrap_or(32);
    let total = (orders as f64 / 0.7).round() as usize;
    let dir = common::temp_dir("boutique-webhook-bench-");
    // Test mode with the gateways' API pointed at a closed local port: nothing here calls
    // them, and nothing may reach the real ones.
    let running = common::start(
        dir.path(),
        &format!(
            "[store]\nname = \"Bench\"\nurl = \"http://bench.test\"\n\n[server]\ndata_dir = \"data\"\nsynchronous = \"full\"\n\n[payments.razorpay]\nmode = \"test\"\nkey_id = \"rzp_test_bench\"\nkey_secret = \"k\"\nwebhook_secret = \"{RZP_SECRET}\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[payments.stripe]\nmode = \"test\"\nsecret_key = \"sk_test_bench\"\nwebhook_secret = \"{STRIPE_SECRET}\"\nbase_url = \"http://127.0.0.1:9/v1\"\n"
        ),
    );
    let url = running.url.clone();
    let now = boutique::db::now();

    // The waiting card orders, set up in one write (what checkout leaves behind).
    let remotes: Vec<(Gateway, String)> = running
        .app
        .db
        .write_tx(|tx| {
            let (pid, vid) = catalog::create_simple_product(
                tx,
                "bench-scarf",
                "Bench Scarf",
                "BENCH-1",
                50_000,
                orders as i64,
                now,
            )?;
            let mut out = Vec::new();
            for i in 0..orders {
                let g = if i % 2 == 0 {
                    Gateway::Razorpay
                } else {
                    Gateway::Stripe
                };
                let number = format!("BQ-{}", 10_001 + i);
                tx.execute(
                    "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, pay_by, created_at, updated_at) VALUES (?1, randomblob(16), ?1, x'00', 'bench@example.com', 'Bench', '98765 43210', '1 MG Road', 'Pune', '411001', 'IN', 'pending_payment', ?2, 'INR', 50000, 50000, ?3, ?4, ?4)",
                    rusqlite::params![number, g.as_str(), now + 3600, now],
                )?;
                let id = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity) VALUES (?1, ?2, ?3, 'Bench Scarf', 'BENCH-1', 50000, 1)",
                    rusqlite::params![id, vid, pid],
                )?;
                catalog::move_stock(tx, vid, -1, "sale", "shopper", "", Some(&number), now)?;
                let remote = match g {
                    Gateway::Razorpay => format!("order_bench{i:06}"),
                    Gateway::Stripe => format!("cs_test_bench{i:06}"),
                };
                let a = payments::start(tx, id, g, 50_000, "INR", now)?;
                payments::opened(tx, a, &remote, None, now)?;
                out.push((g, remote));
            }
            Ok(out)
        })
        .unwrap();

    // One capture event per order, then repeats of random ones, all shuffled
    // (a fixed LCG: the same run every time).
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    let mut deliveries: Vec<Delivery> = remotes
        .iter()
        .enumerate()
        .map(|(i, (g, remote))| {
            let body = match g {
                Gateway::Razorpay => format!(
                    r#"{{"entity":"event","account_id":"acc_bench","event":"payment.captured","contains":["payment"],"payload":{{"payment":{{"entity":{{"id":"pay_bench{i:06}","entity":"payment","amount":50000,"currency":"INR","status":"captured","order_id":"{remote}","captured":true,"notes":[]}}}}}},"created_at":{now}}}"#
                ),
                Gateway::Stripe => format!(
                    r#"{{"id":"evt_bench{i:06}","object":"event","type":"checkout.session.completed","created":{now},"data":{{"object":{{"id":"{remote}","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":50000,"currency":"inr","payment_intent":"pi_bench{i:06}"}}}}}}"#
                ),
            };
            Delivery {
                gateway: *g,
                event_id: format!("evt_bench{i:06}"),
                body,
            }
        })
        .collect();
    for _ in orders..total {
        let d = &deliveries[next(orders)];
        let copy = Delivery {
            gateway: d.gateway,
            event_id: d.event_id.clone(),
            body: d.body.clone(),
        };
        deliveries.push(copy);
    }
    for i in (1..deliveries.len()).rev() {
        deliveries.swap(i, next(i + 1));
    }

    let queue = Arc::new(Mutex::new(deliveries));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, usize>::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (url, queue, lat, statuses) =
                (url.clone(), queue.clone(), lat.clone(), statuses.clone());
            std::thread::spawn(move || {
                let a: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(60)))
                    .build()
                    .into();
                let mut mine = Vec::new();
                loop {
                    let Some(d) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let t = boutique::db::now();
                    let (path, header, sig) = match d.gateway {
                        Gateway::Razorpay => (
                            "razorpay",
                            "X-Razorpay-Signature",
                            boutique::shop::payments::razorpay::sign_webhook(
                                RZP_SECRET,
                                d.body.as_bytes(),
                            ),
                        ),
                        Gateway::Stripe => (
                            "stripe",
                            "Stripe-Signature",
                            boutique::shop::payments::stripe::sign(
                                STRIPE_SECRET,
                                t,
                                d.body.as_bytes(),
                            ),
                        ),
                    };
                    let t0 = Instant::now();
                    let status = match a
                        .post(&format!("{url}/webhooks/{path}"))
                        .header("Content-Type", "application/json")
                        .header(header, &sig)
                        .header("x-razorpay-event-id", &d.event_id)
                        .send(d.body.as_bytes())
                    {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    mine.push(t0.elapsed().as_secs_f64() * 1000.0);
                    *statuses.lock().unwrap().entry(status).or_default() += 1;
                }
                lat.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut l = lat.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);

    let conn = running.app.db.read().unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let captured = q("SELECT count(*) FROM gateway_payments WHERE status = 'captured'");
    let paid =
        q("SELECT count(*) FROM orders WHERE payment_status = 'paid' AND status = 'confirmed'");
    let capture_events = q("SELECT count(*) FROM order_events WHERE kind = 'payment_captured'");
    let handled = q("SELECT count(*) FROM gateway_events WHERE signature_ok = 1 AND duplicate = 0");
    let dups = q("SELECT count(*) FROM gateway_events WHERE duplicate = 1");
    let most = q(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM order_events WHERE kind = 'payment_captured' GROUP BY order_id)",
    );
    drop(conn);

    println!(
        "webhook ingestion: {total} deliveries ({orders} events, {} repeats) from {clients} clients",
        total - orders
    );
    println!("  statuses: {:?}", statuses.lock().unwrap());
    println!(
        "  {:.0} deliveries/s over {:.2} s; one delivery p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        total as f64 / elapsed,
        elapsed,
        common::pct(&l, 0.5),
        common::pct(&l, 0.99),
        l.last().copied().unwrap_or(0.0)
    );
    println!(
        "  captured attempts {captured}, paid orders {paid}, capture steps {capture_events} (most for one order: {most}), first handlings {handled}, duplicates logged {dups}"
    );
    let ok = captured == orders as i64
        && paid == orders as i64
        && capture_events == orders as i64
        && most == 1
        && handled == orders as i64
        && dups == (total - orders) as i64;
    println!(
        "  every order captured exactly once: {}",
        if ok { "yes" } else { "NO" }
    );
    running.shutdown();
    if !ok {
        std::process::exit(1);
    }
}
