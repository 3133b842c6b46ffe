//! Shipping (issue 12) against the local fake Shiprocket: a confirmed order is booked by
//! the outbox job (create, AWB, label, pickup, manifest), tracking webhooks move the
//! shipment and the order forward only, a courier outage or a lost answer never makes a
//! second shipment, a refusal reaches the owner in words, RTO restocks, manual shipping
//! checks the carrier's pattern, and the tracking page shows the journey.

use crate::common::fake_shiprocket::FakeShiprocket;
use crate::common::{self, BASE_CONFIG, Store, count, form, post_form, send, stock};
use boutique::db::Tx;
use boutique::shop::catalog;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TOKEN: &str = "tracking-token-123";

fn store(fake: &FakeShiprocket) -> Store {
    Store::with_config(
        &format!(
            "{BASE_CONFIG}\n[shipping.shiprocket]\nenabled = true\nmode = \"live\"\nemail = \"api@shop.test\"\npassword = \"secret-pw\"\nwebhook_token = \"{TOKEN}\"\npickup_location = \"Home\"\nbase_url = \"{}\"\n",
            fake.base
        ),
        false,
    )
}

fn product(s: &Store, slug: &str, stock: i64) -> i64 {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            let sku = slug.to_uppercase();
            let (_, v) =
                catalog::create_simple_product(tx, slug, "Linen scarf", &sku, 50_000, stock, now)?;
            tx.execute("UPDATE variants SET weight_grams = 250 WHERE id = ?1", [v])?;
            Ok(v)
        })
        .unwrap()
}

fn api(s: &Store, method: &str, path: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    let p = send(
        method,
        &format!("{}/api/v1{path}", s.url),
        &h,
        Some(body.to_string().into_bytes()),
    );
    assert!(p.status < 300, "{path}: {} {}", p.status, p.text());
    p.json()
}

/// A COD order of `qty` units of `v` through the API (confirmed at once).
fn cod_order(s: &Store, v: i64, qty: i64, postal: &str) -> Value {
    let cart = api(s, "POST", "/carts", &[], json!({}))["token"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        s,
        "POST",
        &format!("/carts/{cart}/items"),
        &[],
        json!({"variant_id": v, "quantity": qty}),
    );
    let key = format!("k-{cart}");
    api(
        s,
        "POST",
        &format!("/carts/{cart}/checkout"),
        &[("Idempotency-Key", &key)],
        json!({"email": "asha@example.com", "name": "Asha Rao", "phone": "+91 98765 43210",
               "address": {"line1": "12 MG Road", "city": "Pune", "region": "Maharashtra", "postal_code": postal, "country": "IN"},
               "payment_method": "cod"}),
    )["order"]
        .clone()
}

fn one(s: &Store, sql: &str, number: &str) -> String {
    let c = s.app().db.read().unwrap();
    c.query_row(sql, [number], |r| r.get::<_, String>(0))
        .unwrap()
}

fn shipment_field(s: &Store, number: &str, col: &str) -> String {
    one(
        s,
        &format!(
            "SELECT CAST(s.{col} AS TEXT) FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.number = ?1"
        ),
        number,
    )
}

fn order_status(s: &Store, number: &str) -> (String, String) {
    (
        one(s, "SELECT status FROM orders WHERE number = ?1", number),
        one(
            s,
            "SELECT payment_status FROM orders WHERE number = ?1",
            number,
        ),
    )
}

/// Waits (the worker runs the job after the commit) until `f` holds.
fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn booked(s: &Store, number: &str) -> bool {
    count(
        s,
        &format!(
            "SELECT count(*) FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.number = '{number}' AND s.step = 'done'"
        ),
    ) == 1
}

fn attention(s: &Store, number: &str) -> String {
    shipment_field(s, number, "attention")
}

/// A COD order of one unit of a new product `slug` (5 in stock), booked with the courier
/// by the time this returns: (its variant, the order number).
fn booked_order(s: &Store, slug: &str) -> (i64, String) {
    let v = product(s, slug, 5);
    let number = cod_order(s, v, 1, "411001")["number"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for("booked", || booked(s, &number));
    (v, number)
}

/// The owner posts `action` on the order page (with that page's CSRF token).
fn order_action(
    s: &Store,
    owner: &str,
    number: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> common::Page {
    let page = common::get_signed_in(s, &format!("/admin/orders/{number}"), owner);
    let csrf = common::csrf(&page.text());
    let mut f = vec![("csrf_token", csrf.as_str())];
    f.extend_from_slice(fields);
    post_form(
        s,
        &format!("/admin/orders/{number}/{action}"),
        Some(owner),
        &form(&f),
    )
}

fn creates(fake: &FakeShiprocket) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.starts_with("POST /orders/create/adhoc"))
        .count()
}

fn retry(s: &Store, cookie: &str, number: &str) {
    let id = shipment_field(s, number, "id");
    let page = common::get_signed_in(s, &format!("/admin/orders/{number}"), cookie);
    let csrf = common::csrf(&page.text());
    let r = post_form(
        s,
        &format!("/admin/shipments/{id}/retry"),
        Some(cookie),
        &form(&[("csrf_token", &csrf)]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
}

#[test]
fn a_cod_order_is_booked_tracked_and_delivered_with_the_cash_collected_by_the_courier() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let v = product(&s, "scarf-ship", 5);
    let o = cod_order(&s, v, 2, "411001");
    let number = o["number"].as_str().unwrap().to_string();
    wait_for("booked", || booked(&s, &number));
    // One courier order, with our number, the COD amount and the weight from the variant.
    let orders = fake.orders();
    assert_eq!(orders.len(), 1);
    let req = &orders[0]["request"];
    assert_eq!(req["order_id"], number.as_str());
    assert_eq!(req["payment_method"], "COD");
    assert_eq!(req["pickup_location"], "Home");
    assert_eq!(req["billing_pincode"], "411001");
    let total = o["totals"]["total"].as_i64().unwrap();
    assert_eq!(req["sub_total"].as_i64().unwrap() * 100, total);
    assert!((req["weight"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    assert_eq!(orders[0]["label"], true);
    assert_eq!(orders[0]["pickup"], true);
    assert_eq!(orders[0]["manifest"], true);
    assert_eq!(fake.logins(), 1, "one sign-in for the whole job");
    let awb = orders[0]["awb"].as_str().unwrap().to_string();
    assert_eq!(shipment_field(&s, &number, "awb"), awb);
    assert_eq!(shipment_field(&s, &number, "state"), "awaiting_pickup");
    assert_eq!(order_status(&s, &number).0, "processing");

    let deliver = |id: i64, text: &str| {
        let body = fake.update(&awb, id, text);
        assert_eq!(fake.deliver(&s.url, &body, Some(TOKEN)), 200);
    };
    deliver(42, "PICKED UP");
    assert_eq!(order_status(&s, &number).0, "shipped");
    assert_eq!(
        one(
            &s,
            "SELECT tracking_number FROM orders WHERE number = ?1",
            &number
        ),
        awb
    );
    deliver(18, "IN TRANSIT");
    deliver(17, "OUT FOR DELIVERY");
    assert_eq!(shipment_field(&s, &number, "state"), "out_for_delivery");
    deliver(7, "DELIVERED");
    assert_eq!(
        order_status(&s, &number),
        ("delivered".into(), "paid".into()),
        "delivered, and the courier collected the cash"
    );
    for t in ["order-shipped", "order-out-for-delivery", "order-delivered"] {
        assert_eq!(
            count(
                &s,
                &format!("SELECT count(*) FROM outbox WHERE template = '{t}'")
            ),
            1,
            "{t}"
        );
    }
    // The shopper's tracking page, by the order's secret link: carrier, AWB, the scans.
    let token = o["access_token"].as_str().unwrap();
    let page = s.get(&format!("/orders/{number}/tracking?token={token}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("data-state=\"delivered\""), "{html}");
    assert!(html.contains(&awb) && html.contains("Delhivery Surface"));
    for scan in ["Picked Up", "In Transit", "Out For Delivery", "Delivered"] {
        assert!(html.to_lowercase().contains(&scan.to_lowercase()), "{scan}");
    }
    // The API's order says where the parcel is, and keeps the owner's steps out.
    let api = send(
        "GET",
        &format!("{}/api/v1/orders/{number}", s.url),
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    )
    .json();
    assert_eq!(api["order"]["shipment"]["state"], "delivered");
    assert_eq!(api["order"]["shipment"]["awb"], awb.as_str());
    let kinds: Vec<&str> = api["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"delivered") && !kinds.contains(&"shipment_step"),
        "{kinds:?}"
    );
    // Without the token it is the same 404 as an order that does not exist.
    assert_eq!(s.get(&format!("/orders/{number}/tracking")).status, 404);
    assert_eq!(
        s.get(&format!("/orders/{number}/tracking?token=x{token}"))
            .status,
        404
    );
}

#[test]
fn a_courier_outage_and_a_lost_answer_still_make_one_shipment() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let v = product(&s, "scarf-down", 5);
    fake.set_down(Some(503));
    let number = cod_order(&s, v, 1, "411001")["number"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for("attention", || !attention(&s, &number).is_empty());
    let why = attention(&s, &number);
    assert!(
        why.contains("503") && why.contains("retrying automatically"),
        "{why}"
    );
    assert_eq!(
        order_status(&s, &number).0,
        "confirmed",
        "the order is untouched"
    );
    let list = common::get_signed_in(&s, "/admin/shipments?filter=attention", &owner);
    assert!(list.text().contains(&number), "listed as needing attention");
    // Back up, but the answer to the create is lost: Shiprocket made it, we never heard.
    fake.set_down(None);
    fake.lose_next_response("POST /orders/create/adhoc");
    retry(&s, &owner, &number);
    wait_for("lost answer noted", || {
        attention(&s, &number).contains("502")
    });
    assert_eq!(fake.orders().len(), 1);
    // The retry asks what exists first and adopts it: no second courier order.
    retry(&s, &owner, &number);
    wait_for("booked", || booked(&s, &number));
    assert_eq!(fake.orders().len(), 1);
    assert_eq!(creates(&fake), 1);
    assert!(attention(&s, &number).is_empty());
    assert_eq!(
        shipment_field(&s, &number, "remote_shipment_id"),
        fake.orders()[0]["shipment_id"].to_string()
    );
}

#[test]
fn a_label_failure_after_the_awb_resumes_at_the_label_and_a_stale_token_signs_in_again() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let v = product(&s, "scarf-label", 5);
    fake.fail_next(
        "POST /courier/generate/label",
        500,
        json!({"message": "Server Error", "status_code": 500}),
    );
    let number = cod_order(&s, v, 1, "411001")["number"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for("attention", || attention(&s, &number).contains("label"));
    assert_eq!(shipment_field(&s, &number, "step"), "label");
    assert!(!shipment_field(&s, &number, "awb").is_empty());
    fake.expire_tokens();
    retry(&s, &owner, &number);
    wait_for("booked", || booked(&s, &number));
    let assigns = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /courier/assign/awb"))
        .count();
    assert_eq!((creates(&fake), assigns), (1, 1), "resumed, nothing redone");
    assert_eq!(fake.logins(), 2, "the stale token was renewed once");
}

#[test]
fn a_refusal_reaches_the_owner_in_words_and_changes_nothing_else() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let v = product(&s, "scarf-pin", 5);
    let number = cod_order(&s, v, 1, "4110")["number"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for("attention", || !attention(&s, &number).is_empty());
    let why = attention(&s, &number);
    assert!(why.contains("billing_pincode: Invalid pincode"), "{why}");
    assert!(why.contains("press Retry"), "{why}");
    assert_eq!(order_status(&s, &number).0, "confirmed");
    let page = common::get_signed_in(&s, &format!("/admin/orders/{number}"), &owner).text();
    assert!(page.contains("billing_pincode: Invalid pincode"));
    assert!(page.contains("retry-shipment"));
    // The job is failed (permanent), not retrying by itself.
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE kind = 'shiprocket.ship' AND status = 'failed'"
        ),
        1
    );
}

#[test]
fn tracking_webhooks_are_checked_deduplicated_and_never_move_a_parcel_backwards() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let (_, number) = booked_order(&s, "scarf-hooks");
    let awb = shipment_field(&s, &number, "awb");
    let logged = || count(&s, "SELECT count(*) FROM courier_deliveries");
    let events = || count(&s, "SELECT count(*) FROM shipment_events");
    let picked = fake.update(&awb, 42, "PICKED UP");
    // Bad and missing token: 401, logged, nothing changed.
    let before = events();
    assert_eq!(fake.deliver(&s.url, &picked, Some("wrong")), 401);
    assert_eq!(fake.deliver(&s.url, &picked, None), 401);
    let mut flipped = TOKEN.as_bytes().to_vec();
    flipped[0] ^= 1;
    assert_eq!(
        fake.deliver(
            &s.url,
            &picked,
            Some(std::str::from_utf8(&flipped).unwrap())
        ),
        401
    );
    assert_eq!(
        (events(), order_status(&s, &number).0.as_str()),
        (before, "processing")
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM courier_deliveries WHERE token_ok = 0"
        ),
        3
    );
    // Malformed: 400, logged. A probe with no AWB and a GET: 200.
    assert_eq!(fake.deliver(&s.url, b"{not json", Some(TOKEN)), 400);
    assert_eq!(fake.deliver(&s.url, b"{}", Some(TOKEN)), 200);
    assert_eq!(
        common::request("GET", &format!("{}/webhooks/courier", s.url), &[]).status,
        200
    );
    // Unknown AWB: 200 and logged.
    let n = logged();
    let stranger = String::from_utf8(picked.clone())
        .unwrap()
        .replace(&awb, "NOPE0000001");
    assert_eq!(fake.deliver(&s.url, stranger.as_bytes(), Some(TOKEN)), 200);
    assert_eq!(logged(), n + 1);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM courier_deliveries WHERE outcome LIKE 'unknown AWB%'"
        ),
        1
    );
    // The same update five times: applied once.
    for _ in 0..5 {
        assert_eq!(fake.deliver(&s.url, &picked, Some(TOKEN)), 200);
    }
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM courier_deliveries WHERE duplicate = 1"
        ),
        4
    );
    assert_eq!(order_status(&s, &number).0, "shipped");
    // Out of order: out for delivery arrives before the in-transit update made earlier.
    let transit = fake.update(&awb, 18, "IN TRANSIT");
    let ofd = fake.update(&awb, 17, "OUT FOR DELIVERY");
    assert_eq!(fake.deliver(&s.url, &ofd, Some(TOKEN)), 200);
    assert_eq!(fake.deliver(&s.url, &transit, Some(TOKEN)), 200);
    assert_eq!(shipment_field(&s, &number, "state"), "out_for_delivery");
    // An unknown status id falls back to the words.
    let mut odd: Value = serde_json::from_slice(&fake.update(&awb, 7, "DELIVERED")).unwrap();
    odd["shipment_status_id"] = json!(999);
    odd["current_status_id"] = json!(999);
    assert_eq!(
        fake.deliver(&s.url, odd.to_string().as_bytes(), Some(TOKEN)),
        200
    );
    assert_eq!(order_status(&s, &number).0, "delivered");
    // The owner sees every delivery.
    let page = common::get_signed_in(&s, "/admin/shipments", &owner).text();
    assert!(page.contains("unknown AWB") && page.contains("refused"));
}

#[test]
fn a_parcel_returned_to_the_shop_restocks_the_order() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let v = product(&s, "scarf-rto", 5);
    let number = cod_order(&s, v, 2, "411001")["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(stock(&s, v), 3);
    wait_for("booked", || booked(&s, &number));
    let awb = shipment_field(&s, &number, "awb");
    for (id, text) in [(42, "PICKED UP"), (21, "UNDELIVERED")] {
        assert_eq!(
            fake.deliver(&s.url, &fake.update(&awb, id, text), Some(TOKEN)),
            200
        );
    }
    assert_eq!(shipment_field(&s, &number, "state"), "delivery_failed");
    assert_eq!(
        fake.deliver(
            &s.url,
            &fake.return_update(&awb, 46, "RTO IN TRANSIT"),
            Some(TOKEN)
        ),
        200
    );
    assert_eq!(shipment_field(&s, &number, "state"), "returning");
    assert_eq!(stock(&s, v), 3, "not back until it is back");
    assert_eq!(
        fake.deliver(
            &s.url,
            &fake.return_update(&awb, 10, "RTO DELIVERED"),
            Some(TOKEN)
        ),
        200
    );
    assert_eq!(shipment_field(&s, &number, "state"), "returned");
    assert_eq!(
        order_status(&s, &number),
        ("returned".into(), "unpaid".into())
    );
    assert_eq!(stock(&s, v), 5);
    common::ledger_balanced(&s);
    // A late forward update cannot undo it.
    assert_eq!(
        fake.deliver(&s.url, &fake.update(&awb, 7, "DELIVERED"), Some(TOKEN)),
        200
    );
    assert_eq!(order_status(&s, &number).0, "returned");
}

#[test]
fn manual_shipping_checks_the_carriers_pattern_fills_its_link_and_tracks() {
    let s = Store::with_config(
        &format!(
            "{BASE_CONFIG}\n[[shipping.carriers]]\nname = \"India Post\"\npattern = \"AA#########IN\"\n\n[[shipping.carriers]]\nname = \"Blue Dart\"\ntracking_url = \"https://track.example/{{number}}\"\npattern = \"###########\"\n"
        ),
        false,
    );
    let owner = common::owner(&s);
    let v = product(&s, "scarf-hand", 5);
    let o = cod_order(&s, v, 1, "411001");
    let number = o["number"].as_str().unwrap().to_string();
    // Shiprocket is off here: no shipment until the owner ships.
    assert_eq!(count(&s, "SELECT count(*) FROM shipments"), 0);
    let page = common::get_signed_in(&s, &format!("/admin/orders/{number}"), &owner).text();
    assert!(
        !page.contains("create-shipment"),
        "no Shiprocket button when it is off"
    );
    let ship = |carrier: &str, n: &str| {
        order_action(
            &s,
            &owner,
            &number,
            "ship",
            &[
                ("carrier", carrier),
                ("tracking_number", n),
                ("tracking_url", ""),
            ],
        )
    };
    let bad = ship("India Post", "12345");
    assert_eq!(bad.status, 400);
    assert!(
        bad.text()
            .contains("India Post tracking numbers look like AA#########IN"),
        "{}",
        bad.text()
    );
    assert_eq!(count(&s, "SELECT count(*) FROM shipments"), 0);
    assert_eq!(ship("blue dart", "123 4567 8901").status, 303);
    assert_eq!(
        one(
            &s,
            "SELECT carrier || ' ' || tracking_number || ' ' || tracking_url FROM orders WHERE number = ?1",
            &number
        ),
        "Blue Dart 12345678901 https://track.example/12345678901"
    );
    assert_eq!(shipment_field(&s, &number, "provider"), "manual");
    assert_eq!(shipment_field(&s, &number, "state"), "in_transit");
    // The shopper's account lists the order with where the parcel is.
    wait_for("mail sent", || {
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')",
        ) == 0
    });
    let shopper = common::sign_in(&s, "asha@example.com");
    let mine = common::get_signed_in(&s, "/account/orders", &shopper).text();
    assert!(
        mine.contains("On its way") && mine.contains(&format!("/account/orders/{number}/tracking")),
        "{mine}"
    );
    let t = common::get_signed_in(&s, &format!("/account/orders/{number}/tracking"), &shopper);
    assert_eq!(t.status, 200);
    assert!(t.text().contains("Handed to Blue Dart"));
    let admin = common::get_signed_in(&s, &format!("/admin/orders/{number}"), &owner).text();
    assert!(admin.contains("shipped by hand") && admin.contains("Handed to Blue Dart"));
    assert_eq!(
        order_action(&s, &owner, &number, "deliver", &[]).status,
        303
    );
    assert_eq!(shipment_field(&s, &number, "state"), "delivered");
    let token = o["access_token"].as_str().unwrap();
    let t = s
        .get(&format!("/orders/{number}/tracking?token={token}"))
        .text();
    assert!(
        t.contains("Handed to Blue Dart (12345678901)") && t.contains("data-state=\"delivered\""),
        "{t}"
    );
    // The order page links the tracking page.
    let op = s.get(&format!("/orders/{number}?token={token}")).text();
    assert!(op.contains(&format!("/orders/{number}/tracking?token={token}")));
}

#[test]
fn the_owner_creates_shipments_for_many_confirmed_orders_at_once() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = Store::with_config(
        &format!(
            "{BASE_CONFIG}\n[shipping.shiprocket]\nenabled = true\nmode = \"live\"\nemail = \"api@shop.test\"\npassword = \"secret-pw\"\nwebhook_token = \"{TOKEN}\"\npickup_location = \"Home\"\nauto_create = false\nbase_url = \"{}\"\n",
            fake.base
        ),
        false,
    );
    let owner = common::owner(&s);
    let v = product(&s, "scarf-bulk", 10);
    let numbers: Vec<String> = (0..3)
        .map(|_| {
            cod_order(&s, v, 1, "411001")["number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        count(&s, "SELECT count(*) FROM shipments"),
        0,
        "auto_create = false"
    );
    let page = common::get_signed_in(&s, "/admin/shipments", &owner).text();
    for n in &numbers {
        assert!(page.contains(n.as_str()));
    }
    let ids: Vec<String> = {
        let c = s.app().db.read().unwrap();
        let mut st = c.prepare("SELECT id FROM orders ORDER BY id").unwrap();
        st.query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|r| r.unwrap().to_string())
            .collect()
    };
    let csrf = common::csrf(&page);
    let mut fields = vec![("csrf_token", csrf.as_str())];
    for id in &ids {
        fields.push(("order", id.as_str()));
    }
    let r = post_form(&s, "/admin/shipments/create", Some(&owner), &form(&fields));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/admin/shipments?made=3"));
    for n in &numbers {
        wait_for("booked", || booked(&s, n));
    }
    assert_eq!(fake.orders().len(), 3);
    // Again: nothing new.
    let again = post_form(&s, "/admin/shipments/create", Some(&owner), &form(&fields));
    assert_eq!(again.header("location"), Some("/admin/shipments?made=0"));
    assert_eq!(count(&s, "SELECT count(*) FROM shipments"), 3);
    // Bad input: no order ticked, a word for an id.
    let none = post_form(
        &s,
        "/admin/shipments/create",
        Some(&owner),
        &form(&[("csrf_token", &csrf)]),
    );
    assert_eq!(none.status, 400);
    let word = post_form(
        &s,
        "/admin/shipments/create",
        Some(&owner),
        &form(&[("csrf_token", &csrf), ("order", "x")]),
    );
    assert_eq!(word.status, 400);
    // The label: the courier's PDF.
    let id = shipment_field(&s, &numbers[0], "id");
    let l = common::get_signed_in(&s, &format!("/admin/shipments/{id}/label"), &owner);
    assert_eq!(l.status, 303);
    assert!(l.header("location").unwrap().ends_with(".pdf"));
}

#[test]
fn shipping_sql_prepares_against_the_schema() {
    let s = common::shared();
    let c = s.app().db.read().unwrap();
    for q in boutique::shop::shipping::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

#[test]
fn the_sandbox_courier_books_labels_and_delivers_over_time_through_the_webhook() {
    // The sandbox runs only while the store's address is this machine.
    let s = Store::with_config(
        &BASE_CONFIG
            .replace("http://shop.test", "http://127.0.0.1:9")
            .replace(
                "[limits]",
                "[shipping.shiprocket]\nsandbox_step_seconds = 1\n\n[limits]",
            ),
        false,
    );
    let owner = common::owner(&s);
    let v = product(&s, "scarf-sandbox", 5);
    let o = cod_order(&s, v, 1, "411001");
    let number = o["number"].as_str().unwrap().to_string();
    wait_for("booked", || booked(&s, &number));
    let awb = shipment_field(&s, &number, "awb");
    assert!(awb.starts_with("SBX"), "{awb}");
    // Its label is a PDF for the owner only.
    let id = shipment_field(&s, &number, "id");
    let label = common::get_signed_in(&s, &format!("/admin/shipments/{id}/label"), &owner);
    assert_eq!(label.status, 200);
    assert_eq!(label.header("content-type"), Some("application/pdf"));
    assert!(label.body.starts_with(b"%PDF-1.4") && label.text().contains(&awb));
    assert!(label.text().contains("COLLECT CASH"));
    assert_ne!(s.get(&format!("/admin/shipments/{id}/label")).status, 200);
    // Picked up, in transit, out for delivery, delivered: one update a second, each
    // through the webhook with the sandbox's token.
    let start = Instant::now();
    while order_status(&s, &number).0 != "delivered" {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "delivered in time"
        );
        // The journey's jobs fall due one a second; the worker wakes on its tick.
        let now = boutique::db::now() + 10;
        let app = s.app();
        boutique::jobs::worker::deliver_due(
            &app.db,
            &boutique::jobs::worker::Handlers {
                mailer: None,
                app: Some(app),
            },
            now,
            20,
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(order_status(&s, &number).1, "paid");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM courier_deliveries WHERE token_ok = 1"
        ),
        4
    );
    let token = o["access_token"].as_str().unwrap();
    let t = s
        .get(&format!("/orders/{number}/tracking?token={token}"))
        .text();
    assert!(t.contains("Out For Delivery") && t.contains("data-state=\"delivered\""));
    // Each update repeats the earlier scans: each shows once.
    assert_eq!(t.matches("Picked Up").count(), 1, "{t}");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM shipment_events WHERE activity = 'In Transit'"
        ),
        1
    );
}

#[test]
fn cancelling_an_order_before_pickup_cancels_its_courier_order() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let (v, number) = booked_order(&s, "scarf-cancel");
    let r = order_action(&s, &owner, &number, "cancel", &[("reason", "Out of stock")]);
    assert_eq!(r.status, 303, "{}", r.text());
    wait_for("cancelled with the courier", || {
        shipment_field(&s, &number, "state") == "cancelled"
    });
    assert_eq!(fake.orders()[0]["cancelled"], true);
    assert_eq!(stock(&s, v), 5, "the order's cancel restocked");
    // A late pickup scan cannot bring it back.
    let awb = shipment_field(&s, &number, "awb");
    assert_eq!(
        fake.deliver(&s.url, &fake.update(&awb, 42, "PICKED UP"), Some(TOKEN)),
        200
    );
    assert_eq!(shipment_field(&s, &number, "state"), "cancelled");
    assert_eq!(order_status(&s, &number).0, "cancelled");
}

#[test]
fn a_lost_webhook_is_made_good_by_a_tracking_pull_from_the_owner_or_the_sweeper() {
    let fake = FakeShiprocket::start("api@shop.test", "secret-pw");
    let s = store(&fake);
    let owner = common::owner(&s);
    let (_, number) = booked_order(&s, "scarf-pull");
    let awb = shipment_field(&s, &number, "awb");
    // The courier moves the parcel, but its webhooks never reach us.
    let _ = fake.update(&awb, 42, "PICKED UP");
    let _ = fake.update(&awb, 18, "IN TRANSIT");
    let page = common::get_signed_in(&s, &format!("/admin/orders/{number}"), &owner);
    assert!(page.text().contains("track-shipment"));
    let r = order_action(&s, &owner, &number, "track", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Shiprocket says 18"), "{}", r.text());
    assert_eq!(shipment_field(&s, &number, "state"), "in_transit");
    assert_eq!(order_status(&s, &number).0, "shipped");
    // The same again: nothing new, nothing twice.
    let events = count(&s, "SELECT count(*) FROM shipment_events");
    let again = order_action(&s, &owner, &number, "track", &[]);
    assert!(
        again.text().contains("says nothing new"),
        "{}",
        again.text()
    );
    assert_eq!(count(&s, "SELECT count(*) FROM shipment_events"), events);
    // The sweeper pulls shipments gone quiet, once per window.
    let _ = fake.update(&awb, 7, "DELIVERED");
    let later = boutique::db::now() + boutique::service::shipping::PULL_AFTER_SECS + 60;
    assert_eq!(
        boutique::service::shipping::sweep(s.app(), later).unwrap(),
        1
    );
    assert_eq!(
        boutique::service::shipping::sweep(s.app(), later).unwrap(),
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE kind = 'shiprocket.track'"
        ),
        1,
        "one pull per window"
    );
    // The pull is due at the sweeper's clock: run the worker's round at that time.
    let app = s.app();
    boutique::jobs::worker::deliver_due(
        &app.db,
        &boutique::jobs::worker::Handlers {
            mailer: None,
            app: Some(app),
        },
        later,
        20,
    )
    .unwrap();
    let job = one(
        &s,
        "SELECT status || ' ' || coalesce(last_error, '') FROM outbox WHERE kind = ?1",
        "shiprocket.track",
    );
    assert_eq!(order_status(&s, &number).0, "delivered", "{job}");
    assert_eq!(order_status(&s, &number).1, "paid");
}
