//! The order and mail abuse limits of `[limits]` (issue 9 item 4), against the real
//! server and its SQLite file: orders per client address and per email in an hour (429 +
//! Retry-After, nothing written, kept across a restart), the unpaid units one address can
//! hold, the cap on mails to an address that never signed in (held rows in the email
//! log, the order still placed), and the HTML checkout's 429 that keeps the form.

use crate::common;
use common::stock;

use boutique::app::{self, Options};
use boutique::shop::catalog;
use common::{Page, Store, form, post_form, send, session_cookie};
use serde_json::{Value, json};

/// The test base config with the limits under test (and 127.0.0.1 trusted as a proxy, so
/// `X-Forwarded-For` picks the client address).
fn config(limits: &str) -> String {
    format!(
        "[store]\nname = \"Limits Shop\"\nurl = \"http://shop.test\"\ncontact_email = \"owner@shop.test\"\n\n[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"data\"\nsynchronous = \"normal\"\ntrusted_proxies = [\"127.0.0.1\"]\n\n[limits]\n{limits}\n"
    )
}

fn store(limits: &str) -> Store {
    Store::with_config(&config(limits), false)
}

fn product(s: &Store, slug: &str, stock: i64) -> i64 {
    let now = boutique::db::now();
    let sku = slug.to_uppercase();
    s.app()
        .db
        .write_tx(|tx| catalog::create_simple_product(tx, slug, slug, &sku, 50_000, stock, now))
        .expect("product")
        .1
}

fn count(s: &Store, sql: &str) -> i64 {
    common::count(s, sql)
}

fn api(s: &Store, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Page {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    send(
        "POST",
        &format!("{}/api/v1{path}", s.url),
        &h,
        body.map(|b| serde_json::to_vec(b).unwrap()),
    )
}

/// A cart holding `qty` of `variant`.
fn cart(s: &Store, variant: i64, qty: i64) -> String {
    let p = api(s, "/carts", &[], None);
    assert_eq!(p.status, 201, "{}", p.text());
    let token = p.json()["token"].as_str().unwrap().to_string();
    let p = api(
        s,
        &format!("/carts/{token}/items"),
        &[],
        Some(&json!({"variant_id": variant, "quantity": qty})),
    );
    assert_eq!(p.status, 200, "{}", p.text());
    token
}

fn buyer(email: &str, method: &str) -> Value {
    json!({
        "email": email, "name": "Asha Rao", "phone": "+91 98765 43210",
        "address": {"line1": "12 MG Road", "city": "Bengaluru", "region": "Karnataka",
            "postal_code": "560001", "country": "IN"},
        "payment_method": method,
    })
}

/// Checks out a fresh cart of `qty` × `variant` from client address `ip`.
fn order(s: &Store, variant: i64, qty: i64, ip: &str, email: &str, method: &str) -> Page {
    let c = cart(s, variant, qty);
    let key = boutique::crypto::token();
    api(
        s,
        &format!("/carts/{c}/checkout"),
        &[("Idempotency-Key", &key), ("X-Forwarded-For", ip)],
        Some(&buyer(email, method)),
    )
}

/// A 429 in the JSON envelope with a sane Retry-After.
fn assert_limited(p: &Page) {
    assert_eq!(p.status, 429, "{}", p.text());
    assert_eq!(p.json()["error"]["code"], "rate_limited", "{}", p.text());
    let wait: i64 = p
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
}

/// Everything an order writes, to show a refusal wrote none of it.
fn footprint(s: &Store, variant: i64) -> (i64, i64, i64, i64) {
    (
        count(s, "SELECT count(*) FROM orders"),
        stock(s, variant),
        count(s, "SELECT count(*) FROM outbox"),
        count(s, "SELECT count(*) FROM stock_ledger"),
    )
}

#[test]
fn orders_per_address_are_limited_and_the_limit_survives_a_restart() {
    let mut s = store("orders_per_address_per_hour = 3");
    let v = product(&s, "scarf", 100);
    for i in 0..3 {
        let p = order(&s, v, 1, "203.0.113.7", &format!("b{i}@example.com"), "cod");
        assert_eq!(p.status, 201, "{}", p.text());
    }
    let before = footprint(&s, v);
    let p = order(&s, v, 1, "203.0.113.7", "other@example.com", "cod");
    assert_limited(&p);
    assert_eq!(footprint(&s, v), before, "a refused order wrote something");
    // Another address is not affected.
    let p = order(&s, v, 1, "198.51.100.9", "other@example.com", "cod");
    assert_eq!(p.status, 201, "{}", p.text());

    // Stop the store and start a new one on the same data dir and config.
    s.running.take().expect("running").shutdown();
    let running = app::start(Options {
        config_path: Some(s.config.clone()),
        listen: Some("127.0.0.1:0".into()),
        demo: false,
        server: None,
        access_log: false,
        mail_tick: None,
    })
    .expect("store restarts");
    s.url = running.url.clone();
    s.running = Some(running);
    let before = footprint(&s, v);
    let p = order(&s, v, 1, "203.0.113.7", "third@example.com", "cod");
    assert_limited(&p);
    assert_eq!(footprint(&s, v), before);
}

#[test]
fn orders_per_email_are_limited_across_addresses() {
    let s = store("orders_per_email_per_hour = 2");
    let v = product(&s, "shawl", 100);
    for ip in ["203.0.113.1", "203.0.113.2"] {
        let p = order(&s, v, 1, ip, "stranger@example.com", "bank_transfer");
        assert_eq!(p.status, 201, "{}", p.text());
    }
    let before = footprint(&s, v);
    // Another address, the same email (in another spelling): refused.
    let p = order(
        &s,
        v,
        1,
        "203.0.113.3",
        " Stranger@Example.com",
        "bank_transfer",
    );
    assert_limited(&p);
    assert!(
        p.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("email")
    );
    assert_eq!(footprint(&s, v), before);
    let p = order(&s, v, 1, "203.0.113.3", "me@example.com", "bank_transfer");
    assert_eq!(p.status, 201, "{}", p.text());
}

#[test]
fn one_address_cannot_hold_more_unpaid_units_than_the_cap() {
    let s = store("unpaid_units_per_address = 10");
    let v = product(&s, "saree", 100);
    let p = order(&s, v, 6, "203.0.113.5", "a@example.com", "bank_transfer");
    assert_eq!(p.status, 201, "{}", p.text());
    // COD orders not yet shipped count too.
    let p = order(&s, v, 4, "203.0.113.5", "b@example.com", "cod");
    assert_eq!(p.status, 201, "{}", p.text());
    let before = footprint(&s, v);
    let p = order(&s, v, 1, "203.0.113.5", "c@example.com", "bank_transfer");
    assert_limited(&p);
    assert!(
        p.text().contains("already hold 10 unpaid items"),
        "{}",
        p.text()
    );
    assert_eq!(footprint(&s, v), before);
    assert_eq!(stock(&s, v), 90);
    // Another address still buys; once an order is paid its units are no longer held.
    let p = order(&s, v, 1, "203.0.113.6", "c@example.com", "bank_transfer");
    assert_eq!(p.status, 201, "{}", p.text());
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE orders SET payment_status = 'paid', status = 'confirmed' WHERE email = 'a@example.com'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let p = order(&s, v, 6, "203.0.113.5", "c@example.com", "bank_transfer");
    assert_eq!(p.status, 201, "{}", p.text());
}

#[test]
fn mail_to_an_unproven_address_is_capped_and_held_mail_is_logged() {
    let s = store("mails_per_unproven_address_per_hour = 3");
    let v = product(&s, "stole", 100);
    for i in 0..5 {
        let p = order(
            &s,
            v,
            1,
            &format!("203.0.113.{}", 10 + i),
            "victim@example.com",
            "bank_transfer",
        );
        // Every order is still placed.
        assert_eq!(p.status, 201, "{}", p.text());
    }
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 5);
    let to_victim = "FROM outbox WHERE recipient = 'victim@example.com'";
    assert_eq!(count(&s, &format!("SELECT count(*) {to_victim}")), 5);
    assert_eq!(
        count(
            &s,
            &format!(
                "SELECT count(*) {to_victim} AND last_error LIKE 'Held back:%' AND status = 'failed'"
            )
        ),
        2,
        "the mails over the cap are held, recorded"
    );
    // The owner's own notifications are never capped.
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE recipient = 'owner@shop.test' AND status != 'failed'"
        ),
        5
    );
    // The held ones show in the admin email log (it lists outbox rows with their error).
    let rows = boutique::jobs::outbox::list(&s.app().db.read().unwrap(), None, None, 100).unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| r
                .last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("Held back:")))
            .count(),
        2
    );
    // Sign-in mail to the same address now answers 429 instead of pretending to send.
    let p = s.get("/account/sign-in");
    let cookie = session_cookie(&p).expect("session");
    let r = post_form(
        &s,
        "/account/sign-in",
        Some(&cookie),
        &form(&[
            ("csrf_token", &common::csrf(&p.text())),
            ("email", "victim@example.com"),
        ]),
    );
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    assert_eq!(count(&s, &format!("SELECT count(*) {to_victim}")), 5);
}

#[test]
fn the_html_checkout_answers_429_and_keeps_the_form() {
    let s = store("orders_per_address_per_hour = 1");
    let v = product(&s, "kurta", 100);
    let p = order(&s, v, 1, "127.0.0.1", "first@example.com", "cod");
    assert_eq!(p.status, 201, "{}", p.text());
    // A browser session (from 127.0.0.1, no forwarded header: the peer address counts).
    let t = s.get("/cart/token");
    let cookie = session_cookie(&t).expect("session");
    let csrf = t.json()["csrf"].as_str().unwrap().to_string();
    let r = post_form(
        &s,
        "/cart/add",
        Some(&cookie),
        &form(&[
            ("csrf_token", &csrf),
            ("variant", &v.to_string()),
            ("qty", "1"),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = s.get_with("/checkout", &[("Cookie", &cookie)]).text();
    let i = page.find("name=\"idempotency_key\" value=\"").expect("key") + 30;
    let key = page[i..i + page[i..].find('"').unwrap()].to_string();
    let before = footprint(&s, v);
    let r = post_form(
        &s,
        "/checkout",
        Some(&cookie),
        &form(&[
            ("csrf_token", &csrf),
            ("idempotency_key", &key),
            ("email", "second@example.com"),
            ("phone", "+91 98765 43210"),
            ("name", "Meera Iyer"),
            ("line1", "7 Lake View"),
            ("city", "Chennai"),
            ("region", "TN"),
            ("postal_code", "600001"),
            ("country", "IN"),
            ("method", "cod"),
            ("action", "place"),
        ]),
    );
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    let html = r.text();
    assert!(html.contains("Too many orders"), "{html}");
    // The form is still there, filled in.
    assert!(html.contains("second@example.com"), "{html}");
    assert!(html.contains("7 Lake View"), "{html}");
    assert!(html.contains("name=\"idempotency_key\""), "{html}");
    assert_eq!(footprint(&s, v), before);
}

/// Migration 2 applies to a database made by an older binary (schema version 1); the
/// other tests show it on a fresh one.
#[test]
fn migration_2_upgrades_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(boutique::db::MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    let db = boutique::db::Db::open(&path, boutique::db::Sync::Normal, 1).unwrap();
    let conn = db.read().unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v as usize, boutique::db::MIGRATIONS.len());
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('orders') WHERE name = 'client_ip'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
