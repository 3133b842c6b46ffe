//! Crash safety of checkout through the real binary: shoppers check out over HTTP from
//! many threads while the store is SIGKILLed mid-load. After a restart on the same data
//! directory, every order that got a 201 exists (readable with its access token), the
//! stock ledger balances and `boutique check` passes. What a shopper was told happened,
//! happened; what was cut off left no half-written order behind.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_boutique");

fn serve(config: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--no-demo", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// One shopper: cart, one unit, COD checkout. Ok((number, token)) on 201; Err(status)
/// otherwise (0 for a connection cut by the kill).
fn buy(url: &str, variant: i64, key: &str) -> Result<(String, String), u16> {
    let a = agent();
    let status = |r: &Result<ureq::http::Response<ureq::Body>, ureq::Error>| match r {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    };
    let r = a.post(&format!("{url}/api/v1/carts")).send_empty();
    if status(&r) != 201 {
        return Err(status(&r));
    }
    let text = r.unwrap().body_mut().read_to_string().map_err(|_| 0u16)?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| 0u16)?;
    let token = v["token"].as_str().unwrap_or("").to_string();
    let r = a
        .post(&format!("{url}/api/v1/carts/{token}/items"))
        .header("Content-Type", "application/json")
        .send(format!("{{\"variant_id\": {variant}, \"quantity\": 1}}"));
    if status(&r) != 200 {
        return Err(status(&r));
    }
    let body = r#"{"email":"crash@example.com","name":"Kiran Das","phone":"+91 98765 43210","address":{"line1":"1 Lake Road","city":"Kolkata","postal_code":"700029","country":"IN"},"payment_method":"cod"}"#;
    let r = a
        .post(&format!("{url}/api/v1/carts/{token}/checkout"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .send(body);
    if status(&r) != 201 {
        return Err(status(&r));
    }
    let text = r.unwrap().body_mut().read_to_string().map_err(|_| 0u16)?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| 0u16)?;
    Ok((
        v["order"]["number"].as_str().unwrap_or("").to_string(),
        v["order"]["access_token"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    ))
}

#[test]
fn sigkill_during_checkout_load_loses_no_confirmed_order() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("store.toml");
    // synchronous stays FULL (the default): the setting a real store runs with.
    std::fs::write(
        &config,
        // Many orders from 127.0.0.1: the abuse limits are lifted (tests/abuse_limits.rs).
        "[store]\nname = \"Crash Shop\"\n\n[server]\ndata_dir = \"data\"\n\n[limits]\norders_per_address_per_hour = 100000\norders_per_email_per_hour = 100000\nunpaid_units_per_address = 1000000\nmails_per_unproven_address_per_hour = 100000\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["migrate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let variant = {
        let db = boutique::db::Db::open(
            &dir.path().join("data/store.db"),
            boutique::db::Sync::Full,
            1,
        )
        .unwrap();
        db.write_tx(|tx| {
            boutique::shop::catalog::create_simple_product(
                tx,
                "candle",
                "Beeswax Candle",
                "CANDLE-1",
                45_000,
                100_000,
                boutique::db::now(),
            )
        })
        .unwrap()
        .1
    };

    let (mut child, url) = serve(&config);
    let confirmed = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for t in 0..8 {
        let (url, confirmed, stop) = (url.clone(), confirmed.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let mut n = 0;
            let mut server_errors = 0;
            while !stop.load(Ordering::SeqCst) {
                match buy(&url, variant, &format!("crash-{t}-{n}")) {
                    Ok(order) => confirmed.lock().unwrap().push(order),
                    Err(s) if s >= 500 => server_errors += 1,
                    Err(_) => {}
                }
                n += 1;
            }
            server_errors
        }));
    }
    // Let orders flow, then kill without warning.
    let start = std::time::Instant::now();
    while confirmed.lock().unwrap().len() < 150 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    let server_errors: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(server_errors, 0, "no 5xx under load");
    let confirmed = confirmed.lock().unwrap().clone();
    assert!(
        confirmed.len() >= 150,
        "orders were flowing: {}",
        confirmed.len()
    );

    // Restart on the same data: every confirmed order is there.
    let (child, url) = serve(&config);
    let a = agent();
    for (number, token) in &confirmed {
        let r = a
            .get(&format!("{url}/api/v1/orders/{number}"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "order {number} survived the kill");
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut child = child;
    child.wait().unwrap();

    let out = Command::new(BIN)
        .args(["check", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "check passes after the crash: {text}");
    // Every unit sold is one order line and one ledger row, no more, no less.
    let conn = rusqlite::Connection::open(dir.path().join("data/store.db")).unwrap();
    let (orders, sold, stock): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM orders), (SELECT -coalesce(sum(delta), 0) FROM stock_ledger WHERE reason = 'sale'), (SELECT stock FROM variants WHERE id = ?1)",
            [variant],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(orders >= confirmed.len() as i64);
    assert_eq!(sold, orders, "one sale row per order");
    assert_eq!(stock, 100_000 - orders);
}
