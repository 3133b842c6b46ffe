//! Card-payment webhooks over HTTP against a running store: signatures checked over the
//! raw body (Razorpay's HMAC, Stripe's `t=`/`v1=` with its 5-minute tolerance), every
//! delivery logged, one capture per order however many times and however concurrently
//! the event arrives, nothing moved backwards by a late failure, amount mismatches
//! flagged instead of paid, and a capture after expiry reviving the order when its stock
//! is there and queuing a refund when it is not. Orders are set up in the database (the
//! checkout's card step is separate); everything the gateway does arrives over HTTP,
//! signed as specs/razorpay.md and specs/stripe.md say.

use crate::common;
use boutique::db::Tx;
use boutique::shop::catalog;
use boutique::shop::payments::{self, Gateway, stripe};
use common::{Page, Store, count, send, stock};
use std::sync::Arc;

const RZP_WEBHOOK: &str = "rzp_webhook_secret_1";
const STRIPE_WEBHOOK: &str = "whsec_test_boutique";

fn store() -> Store {
    Store::with_config(
        &format!(
            "{}\n[payments.razorpay]\nmode = \"test\"\nkey_id = \"rzp_test_abc\"\nkey_secret = \"rzp_key_secret\"\nwebhook_secret = \"{RZP_WEBHOOK}\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[payments.stripe]\nmode = \"test\"\nsecret_key = \"sk_test_x\"\nwebhook_secret = \"{STRIPE_WEBHOOK}\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
            common::BASE_CONFIG
        ),
        false,
    )
}

/// A card order of `qty` × a 500.00 item, pending payment with its stock held, and an
/// open gateway attempt `remote_id` for its total. Returns (order id, variant id).
fn card_order(s: &Store, g: Gateway, remote_id: &str, stock_left: i64, qty: i64) -> (i64, i64) {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            let sku = format!("SKU-{}", remote_id.replace('_', "-"));
            let (pid, vid) = catalog::create_simple_product(tx, &sku.to_lowercase(), "Linen scarf", &sku, 50_000, stock_left + qty, now)?;
            let n: i64 = tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM orders", [], |r| r.get(0))?;
            let number = format!("BQ-{}", 20_000 + n);
            tx.execute(
                "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, pay_by, created_at, updated_at) VALUES (?1, randomblob(16), ?1, x'00', 'asha@example.com', 'Asha', '98765 43210', '1 MG Road', 'Pune', '411001', 'IN', 'pending_payment', ?2, 'INR', ?3, ?3, ?4, ?5, ?5)",
                rusqlite::params![number, g.as_str(), 50_000 * qty, now + 1800, now],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity) VALUES (?1, ?2, ?3, 'Linen scarf', ?4, 50000, ?5)",
                rusqlite::params![id, vid, pid, sku, qty],
            )?;
            catalog::move_stock(tx, vid, -qty, "sale", "shopper", "", Some(&number), now)?;
            let a = payments::start(tx, id, g, 50_000 * qty, "INR", now)?;
            payments::opened(tx, a, remote_id, None, now)?;
            Ok((id, vid))
        })
        .unwrap()
}

fn hmac_hex(secret: &str, msg: &[u8]) -> String {
    boutique::crypto::hex(&boutique::crypto::Hmac::new(secret.as_bytes()).sign(msg))
}

fn razorpay_body(event: &str, remote_id: &str, amount: i64, currency: &str) -> String {
    format!(
        r#"{{"entity":"event","account_id":"acc_T","event":"{event}","contains":["payment"],"payload":{{"payment":{{"entity":{{"id":"pay_{remote_id}","entity":"payment","amount":{amount},"currency":"{currency}","status":"captured","order_id":"{remote_id}","captured":true,"notes":[],"error_description":"Payment failed"}}}}}},"created_at":1700000000}}"#
    )
}

fn post_razorpay(s: &Store, event_id: &str, body: &str, signature: Option<&str>) -> Page {
    let sig = signature.map_or_else(|| hmac_hex(RZP_WEBHOOK, body.as_bytes()), str::to_string);
    send(
        "POST",
        &format!("{}/webhooks/razorpay", s.url),
        &[
            ("Content-Type", "application/json"),
            ("X-Razorpay-Signature", &sig),
            ("X-Razorpay-Event-Id", event_id),
        ],
        Some(body.as_bytes().to_vec()),
    )
}

fn post_stripe(s: &Store, body: &str, header: &str) -> Page {
    send(
        "POST",
        &format!("{}/webhooks/stripe", s.url),
        &[
            ("Content-Type", "application/json"),
            ("Stripe-Signature", header),
        ],
        Some(body.as_bytes().to_vec()),
    )
}

fn order_state(s: &Store, id: i64) -> (String, String) {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT status, payment_status FROM orders WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

fn attempt_status(s: &Store, remote_id: &str) -> String {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT status FROM gateway_payments WHERE remote_id = ?1",
            [remote_id],
            |r| r.get(0),
        )
        .unwrap()
}

fn captures(s: &Store, id: i64) -> i64 {
    count(
        s,
        &format!(
            "SELECT count(*) FROM order_events WHERE order_id = {id} AND kind = 'payment_captured'"
        ),
    )
}

#[test]
fn a_razorpay_capture_arriving_twenty_times_at_once_pays_the_order_once() {
    let s = Arc::new(store());
    let (id, _) = card_order(&s, Gateway::Razorpay, "order_R1", 5, 1);
    let body = Arc::new(razorpay_body("payment.captured", "order_R1", 50_000, "INR"));
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (s, body) = (s.clone(), body.clone());
            std::thread::spawn(move || post_razorpay(&s, "evt_R1", &body, None).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(order_state(&s, id), ("confirmed".into(), "paid".into()));
    assert_eq!(captures(&s, id), 1);
    assert_eq!(attempt_status(&s, "order_R1"), "captured");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM gateway_events WHERE event_id = 'evt_R1'"
        ),
        20
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM gateway_events WHERE event_id = 'evt_R1' AND duplicate = 1"
        ),
        19
    );
    // The same capture under another event id (order.paid follows payment.captured) is
    // acted on and finds it captured: still one capture.
    let paid = razorpay_body("order.paid", "order_R1", 50_000, "INR");
    let r = post_razorpay(&s, "evt_R2", &paid, None);
    assert_eq!(r.status, 200);
    assert!(
        r.json()["outcome"]
            .as_str()
            .unwrap()
            .starts_with("already captured"),
        "{}",
        r.text()
    );
    // A failure reported after the capture moves nothing backwards.
    let failed = razorpay_body("payment.failed", "order_R1", 50_000, "INR");
    assert_eq!(post_razorpay(&s, "evt_R3", &failed, None).status, 200);
    assert_eq!(order_state(&s, id), ("confirmed".into(), "paid".into()));
    assert_eq!(attempt_status(&s, "order_R1"), "captured");
    // The shopper was told once.
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE subject LIKE 'Payment received for order%'"
        ),
        1
    );
}

#[test]
fn bad_signatures_stale_or_malformed_deliveries_are_refused_logged_and_change_nothing() {
    let s = store();
    let (id, vid) = card_order(&s, Gateway::Razorpay, "order_R9", 3, 1);
    let body = razorpay_body("payment.captured", "order_R9", 50_000, "INR");
    let before = (
        count(&s, "SELECT count(*) FROM order_events"),
        count(&s, "SELECT count(*) FROM outbox"),
    );
    // One byte of the body changed after signing.
    let sig = hmac_hex(RZP_WEBHOOK, body.as_bytes());
    let tampered = body.replacen("50000", "50001", 1);
    let r = post_razorpay(&s, "evt_T1", &tampered, Some(&sig));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("signature does not match"),
        "{}",
        r.text()
    );
    // No signature at all; a signature made with another secret.
    assert_eq!(post_razorpay(&s, "evt_T2", &body, Some("")).status, 400);
    let other = hmac_hex("not-the-secret", body.as_bytes());
    assert_eq!(post_razorpay(&s, "evt_T3", &body, Some(&other)).status, 400);
    // Signed but not JSON; signed but without an event id header.
    let junk = "{\"event\": ";
    assert_eq!(post_razorpay(&s, "evt_T4", junk, None).status, 400);
    assert_eq!(post_razorpay(&s, "", &body, None).status, 400);
    assert_eq!(
        order_state(&s, id),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(stock(&s, vid), 3);
    assert_eq!(
        (
            count(&s, "SELECT count(*) FROM order_events"),
            count(&s, "SELECT count(*) FROM outbox")
        ),
        before
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM gateway_events WHERE signature_ok = 0"
        ),
        5
    );
    // Unknown event types are fine (200) and logged.
    let other_event = razorpay_body("payment.authorized", "order_R9", 50_000, "INR");
    let r = post_razorpay(&s, "evt_T5", &other_event, None);
    assert_eq!(r.status, 200);
    assert!(r.json()["outcome"].as_str().unwrap().starts_with("ignored"));
    assert_eq!(
        order_state(&s, id),
        ("pending_payment".into(), "unpaid".into())
    );

    // Stripe: stale timestamps either way, a wrong v1, a good one among several.
    let (sid, _) = card_order(&s, Gateway::Stripe, "cs_test_S9", 3, 1);
    let ev = r#"{"id":"evt_S9","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_S9","object":"checkout.session","payment_status":"paid","amount_total":50000,"currency":"inr","payment_intent":"pi_S9"}}}"#;
    let now = boutique::db::now();
    for t in [now - 301, now + 301] {
        let r = post_stripe(&s, ev, &stripe::sign(STRIPE_WEBHOOK, t, ev.as_bytes()));
        assert_eq!(r.status, 400);
        assert!(r.text().contains("more than 5 minutes"), "{}", r.text());
    }
    let wrong = format!("t={now},v1={}", "ab".repeat(32));
    assert_eq!(post_stripe(&s, ev, &wrong).status, 400);
    assert_eq!(post_stripe(&s, ev, "").status, 400);
    assert_eq!(
        order_state(&s, sid),
        ("pending_payment".into(), "unpaid".into())
    );
    let good = stripe::sign(STRIPE_WEBHOOK, now, ev.as_bytes());
    let rotated = format!(
        "{},v1={}",
        good.replace(",v1=", &format!(",v1={},v1=", "cd".repeat(32))),
        "ef".repeat(32)
    );
    let r = post_stripe(&s, ev, &rotated);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(order_state(&s, sid), ("confirmed".into(), "paid".into()));
}

#[test]
fn a_capture_of_another_amount_or_currency_is_flagged_not_paid() {
    let s = store();
    let (id, _) = card_order(&s, Gateway::Razorpay, "order_M1", 2, 1);
    let body = razorpay_body("payment.captured", "order_M1", 49_999, "INR");
    let r = post_razorpay(&s, "evt_M1", &body, None);
    assert_eq!(r.status, 200);
    assert!(
        r.json()["outcome"].as_str().unwrap().contains("differs"),
        "{}",
        r.text()
    );
    assert_eq!(
        order_state(&s, id),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(attempt_status(&s, "order_M1"), "mismatch");
    assert_eq!(
        count(
            &s,
            &format!(
                "SELECT count(*) FROM order_events WHERE order_id = {id} AND kind = 'payment_mismatch'"
            )
        ),
        1
    );
    // Currency too (Stripe sends it lowercase: the same currency is not a mismatch).
    let (sid, _) = card_order(&s, Gateway::Stripe, "cs_M2", 2, 1);
    let ev = r#"{"id":"evt_M2","type":"checkout.session.completed","data":{"object":{"id":"cs_M2","payment_status":"paid","amount_total":50000,"currency":"usd","payment_intent":"pi_M2"}}}"#;
    let r = post_stripe(
        &s,
        ev,
        &stripe::sign(STRIPE_WEBHOOK, boutique::db::now(), ev.as_bytes()),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        order_state(&s, sid),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(attempt_status(&s, "cs_M2"), "mismatch");
}

#[test]
fn a_capture_after_expiry_revives_the_order_when_stock_is_there_and_refunds_when_not() {
    let s = store();
    let expire = |id: i64| {
        boutique::service::write(s.app(), boutique::db::now(), |tx| {
            boutique::shop::orders::apply(
                tx,
                id,
                &boutique::shop::orders::Op::Expire,
                &boutique::shop::audit::Actor::system(),
                boutique::db::now(),
            )
        })
        .unwrap();
    };
    // Stock still there: the order is confirmed and paid after all; the stock is taken again.
    let (a, va) = card_order(&s, Gateway::Razorpay, "order_L1", 4, 2);
    expire(a);
    assert_eq!(stock(&s, va), 6);
    let r = post_razorpay(
        &s,
        "evt_L1",
        &razorpay_body("payment.captured", "order_L1", 100_000, "INR"),
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(order_state(&s, a), ("confirmed".into(), "paid".into()));
    assert_eq!(stock(&s, va), 4);
    common::ledger_balanced(&s);
    // Stock gone meanwhile: the order stays cancelled, the money goes back through the
    // gateway (a refund job in the outbox), the owner sees why on the timeline.
    let (b, vb) = card_order(&s, Gateway::Razorpay, "order_L2", 0, 1);
    expire(b);
    s.app()
        .db
        .write_tx(|tx| {
            catalog::move_stock(tx, vb, -1, "sale", "shopper", "", Some("other"), 0).map(|_| ())
        })
        .unwrap();
    assert_eq!(stock(&s, vb), 0);
    let r = post_razorpay(
        &s,
        "evt_L2",
        &razorpay_body("payment.captured", "order_L2", 50_000, "INR"),
        None,
    );
    assert_eq!(r.status, 200);
    assert!(
        r.json()["outcome"]
            .as_str()
            .unwrap()
            .contains("refund queued"),
        "{}",
        r.text()
    );
    assert_eq!(order_state(&s, b), ("cancelled".into(), "unpaid".into()));
    assert_eq!(attempt_status(&s, "order_L2"), "late");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox o JOIN gateway_refunds r ON r.id = json_extract(o.payload, '$.refund_id') WHERE o.kind = 'razorpay.refund' AND r.payment_id = 'pay_order_L2' AND r.applies = 0 AND r.amount = 50000"
        ),
        1
    );
    // Delivered again: still one refund job.
    post_razorpay(
        &s,
        "evt_L2",
        &razorpay_body("payment.captured", "order_L2", 50_000, "INR"),
        None,
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM outbox WHERE kind = 'razorpay.refund'"
        ),
        1
    );
    // The shopper and the owner are told, once.
    for template in ["late-payment-refund", "late-payment-owner"] {
        assert_eq!(
            count(
                &s,
                &format!("SELECT count(*) FROM outbox WHERE template = '{template}'")
            ),
            1,
            "{template}"
        );
    }
}

#[test]
fn stripe_events_out_of_order_converge() {
    let s = store();
    let (id, _) = card_order(&s, Gateway::Stripe, "cs_O1", 2, 1);
    let now = boutique::db::now();
    let send_ev = |id: &str, kind: &str, status: &str| {
        let ev = format!(
            r#"{{"id":"{id}","type":"{kind}","data":{{"object":{{"id":"cs_O1","payment_status":"{status}","amount_total":50000,"currency":"inr","payment_intent":"pi_O1"}}}}}}"#
        );
        post_stripe(&s, &ev, &stripe::sign(STRIPE_WEBHOOK, now, ev.as_bytes()))
    };
    // Completed but unpaid (a delayed method) does nothing; then the async success pays;
    // an expiry and an async failure arriving late move nothing back.
    assert_eq!(
        send_ev("evt_O1", "checkout.session.completed", "unpaid").status,
        200
    );
    assert_eq!(
        order_state(&s, id),
        ("pending_payment".into(), "unpaid".into())
    );
    assert_eq!(
        send_ev("evt_O2", "checkout.session.async_payment_succeeded", "paid").status,
        200
    );
    assert_eq!(order_state(&s, id), ("confirmed".into(), "paid".into()));
    assert_eq!(
        send_ev("evt_O3", "checkout.session.expired", "unpaid").status,
        200
    );
    assert_eq!(
        send_ev("evt_O4", "checkout.session.async_payment_failed", "unpaid").status,
        200
    );
    assert_eq!(order_state(&s, id), ("confirmed".into(), "paid".into()));
    assert_eq!(attempt_status(&s, "cs_O1"), "captured");
    assert_eq!(captures(&s, id), 1);
}

/// The owner sees every delivery on /admin/payments (refused ones too), can filter them
/// and read one's raw body; a card order still waiting is listed on top; the shopper's
/// order page never shows the owner-only notes of a mismatch.
#[test]
fn the_owner_sees_every_delivery_and_the_payments_waiting() {
    let s = store();
    let owner = common::owner(&s);
    let (id, _) = card_order(&s, Gateway::Razorpay, "order_A1", 2, 1);
    let (_, _) = card_order(&s, Gateway::Razorpay, "order_A2", 2, 1);
    post_razorpay(
        &s,
        "evt_A1",
        &razorpay_body("payment.captured", "order_A1", 40_000, "INR"),
        None,
    );
    post_razorpay(
        &s,
        "evt_A2",
        &razorpay_body("payment.captured", "order_A1", 40_000, "INR"),
        Some("00"),
    );
    let get = |p: &str| s.get_with(p, &[("Cookie", owner.as_str())]);
    let page = get("/admin/payments");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("payment.captured") && html.contains("refused") && html.contains("differs"),
        "{html}"
    );
    let number: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT number FROM orders WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(html.contains(&number), "the waiting order is listed");
    let refused = get("/admin/payments?only=rejected").text();
    assert!(
        refused.contains("refused") && !refused.contains("differs"),
        "{refused}"
    );
    assert!(
        get("/admin/payments?gateway=stripe")
            .text()
            .contains("No deliveries here.")
    );
    assert_eq!(get("/admin/payments?gateway=paypal").status, 400);
    assert_eq!(get("/admin/payments?only=everything").status, 400);
    let first: i64 = count(&s, "SELECT min(id) FROM gateway_events");
    let one = get(&format!("/admin/payments/{first}"));
    assert_eq!(one.status, 200);
    assert!(
        one.text().contains("order_A1") && one.text().contains("evt_A1"),
        "{}",
        one.text()
    );
    assert_eq!(get("/admin/payments/999999").status, 404);
    assert_eq!(get("/admin/payments/x").status, 404);
    // Not for anonymous visitors.
    assert_ne!(s.get("/admin/payments").status, 200);
    // The shopper's timeline has no word of dashboards; the owner's has the note.
    let o = boutique::shop::orders::get(&s.app().db.read().unwrap(), id)
        .unwrap()
        .unwrap();
    let zone = boutique::zone::Zone::utc();
    let theirs = boutique::views::order::timeline(&o, &zone, false).into_string();
    let mine = boutique::views::order::timeline(&o, &zone, true).into_string();
    assert!(mine.contains("dashboard"), "{mine}");
    assert!(!theirs.contains("dashboard"), "{theirs}");
}

/// The settings page says, per gateway, whether it is offered and why not, and which
/// secrets are set and from where, never their values.
#[test]
fn settings_say_why_a_gateway_is_not_offered_and_never_show_its_secrets() {
    let s = store();
    let owner = common::owner(&s);
    let html = s
        .get_with("/admin/settings", &[("Cookie", owner.as_str())])
        .text();
    assert!(
        html.contains("payments.razorpay") && html.contains("payments.stripe"),
        "{html}"
    );
    assert!(html.contains("offered to shoppers"), "{html}");
    assert!(html.contains("/webhooks/razorpay"));
    for secret in [RZP_WEBHOOK, STRIPE_WEBHOOK, "rzp_key_secret", "sk_test_x"] {
        assert!(!html.contains(secret), "{secret} leaked");
    }

    // Keys missing, or live keys in test mode: not offered, and the owner reads why.
    let s = Store::with_config(
        &format!(
            "{}\n[payments.razorpay]\nmode = \"test\"\nkey_id = \"rzp_test_abc\"\nkey_secret = \"k\"\n\n[payments.stripe]\nmode = \"test\"\nsecret_key = \"sk_live_real\"\nwebhook_secret = \"w\"\n",
            common::BASE_CONFIG
        ),
        false,
    );
    let owner = common::owner(&s);
    let html = s
        .get_with("/admin/settings", &[("Cookie", owner.as_str())])
        .text();
    assert!(html.contains("needs webhook_secret"), "{html}");
    assert!(html.contains("its key is a live key"), "{html}");
    let p = s.get("/cart/token");
    let cookie = common::session_cookie(&p).unwrap();
    let checkout = common::get_as(&s, "/checkout", Some(&cookie)).text();
    assert!(!checkout.contains("value=\"razorpay\""));
    assert!(!checkout.contains("value=\"stripe\""));
}
