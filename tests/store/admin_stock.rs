//! Stock through the real pages (`/admin/stock`): adjustments with each reason, the
//! per-variant ledger, the low-stock page, and the low-stock mail to the owner — once per
//! downward crossing of the threshold, for admin changes and for checkout sales alike.

use crate::common;
use crate::common::{ledger_balanced, owner};
use common::{count, form};
use common::{get_as as get, stock};

use boutique::shop::catalog;
use common::{Page, Store, csrf, post_form, session_cookie, sign_in};

fn now() -> i64 {
    boutique::db::now()
}

fn alerts(s: &Store) -> i64 {
    count(
        s,
        "SELECT count(*) FROM outbox WHERE template = 'low-stock'",
    )
}

fn product(s: &Store, slug: &str, stock: i64) -> (i64, i64) {
    let sku = slug.to_uppercase();
    s.app()
        .db
        .write_tx(|tx| catalog::create_simple_product(tx, slug, slug, &sku, 10_000, stock, now()))
        .unwrap()
}

fn adjust(s: &Store, cookie: &str, sku: &str, reason: &str, qty: &str) -> Page {
    let p = get(s, "/admin/stock", Some(cookie));
    assert_eq!(p.status, 200, "{}", p.text());
    let token = csrf(&p.text());
    post_form(
        s,
        "/admin/stock/adjust",
        Some(cookie),
        &form(&[
            ("csrf_token", &token),
            ("sku", sku),
            ("reason", reason),
            ("qty", qty),
            ("note", "shelf B"),
        ]),
    )
}

/// A guest buys `qty` of `variant` with cash on delivery, through the real pages.
fn buy(s: &Store, variant: i64, qty: i64) {
    let p = get(s, "/cart/token", None);
    let cookie = session_cookie(&p).unwrap();
    let token = p.json()["csrf"].as_str().unwrap().to_string();
    let r = post_form(
        s,
        "/cart/add",
        Some(&cookie),
        &form(&[
            ("csrf_token", &token),
            ("variant", &variant.to_string()),
            ("qty", &qty.to_string()),
        ]),
    );
    assert_eq!(r.status, 303);
    let page = get(s, "/checkout", Some(&cookie)).text();
    let i = page.find("name=\"idempotency_key\" value=\"").unwrap() + 30;
    let key = page[i..i + page[i..].find('"').unwrap()].to_string();
    let r = post_form(
        s,
        "/checkout",
        Some(&cookie),
        &form(&[
            ("csrf_token", &token),
            ("idempotency_key", &key),
            ("email", "buyer@example.com"),
            ("phone", "9876543210"),
            ("name", "Asha Rao"),
            ("line1", "12 MG Road"),
            ("line2", ""),
            ("city", "Bengaluru"),
            ("region", "KA"),
            ("postal_code", "560001"),
            ("country", "IN"),
            ("method", "cod"),
            ("note", ""),
            ("action", "place"),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
}

#[test]
fn adjustments_with_each_reason_go_to_the_ledger_and_show_on_the_variant_page() {
    let s = Store::empty();
    let o = owner(&s);
    let (_, vid) = product(&s, "pot", 10);
    let audits = count(&s, "SELECT count(*) FROM audit_log");
    for (reason, qty, after) in [
        ("received", "5", 15),
        ("damaged", "2", 13),
        ("correction", "-3", 10),
        ("count", "8", 8),
    ] {
        let r = adjust(&s, &o, "POT", reason, qty);
        assert_eq!(r.status, 303, "{reason}: {}", r.text());
        assert_eq!(
            r.header("location"),
            Some(format!("/admin/stock/{vid}?done=saved").as_str())
        );
        assert_eq!(stock(&s, vid), after, "{reason}");
    }
    ledger_balanced(&s);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits + 4);
    let page = get(&s, &format!("/admin/stock/{vid}"), Some(&o)).text();
    for needle in [
        "received",
        "damaged",
        "correction",
        "count",
        "+5",
        "-2",
        "-3",
        "owner@example.com",
        "shelf B",
    ] {
        assert!(page.contains(needle), "{needle} on the ledger page");
    }
    assert!(page.contains("<strong id=\"stock\">8</strong>"));

    // Refusals write nothing.
    let ledger = count(&s, "SELECT count(*) FROM stock_ledger");
    let cases = [
        ("POT", "damaged", "9", 409),
        ("POT", "damaged", "0", 400),
        ("POT", "stolen", "1", 400),
        ("POT", "received", "many", 400),
        ("POT", "count", "-1", 400),
        ("NOPE", "received", "1", 404),
    ];
    for (sku, reason, qty, status) in cases {
        let r = adjust(&s, &o, sku, reason, qty);
        assert_eq!(r.status, status, "{sku} {reason} {qty}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""));
    }
    assert_eq!(count(&s, "SELECT count(*) FROM stock_ledger"), ledger);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits + 4);
    assert_eq!(stock(&s, vid), 8);

    // Without the token: 403. A customer: 403. Anonymous: sign-in.
    let r = post_form(
        &s,
        "/admin/stock/adjust",
        Some(&o),
        "sku=POT&reason=received&qty=1",
    );
    assert_eq!(r.status, 403);
    let customer = sign_in(&s, "shopper@example.com");
    assert_eq!(get(&s, "/admin/stock", Some(&customer)).status, 403);
    assert_eq!(s.get("/admin/stock").status, 303);
    assert_eq!(stock(&s, vid), 8);
}

#[test]
fn low_stock_page_lists_variants_at_or_below_their_threshold() {
    let s = Store::empty();
    let o = owner(&s);
    product(&s, "plenty", 50);
    product(&s, "few", 3);
    product(&s, "none", 0);
    let (_, own) = product(&s, "own-threshold", 12);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE variants SET low_stock_threshold = 20 WHERE id = ?1",
                [own],
            )?;
            Ok(())
        })
        .unwrap();
    let page = get(&s, "/admin/stock/low", Some(&o));
    assert_eq!(page.status, 200);
    let html = page.text();
    for sku in ["FEW", "NONE", "OWN-THRESHOLD"] {
        assert!(html.contains(&format!(">{sku}</a>")), "{sku} is low");
    }
    assert!(!html.contains(">PLENTY</a>"));
    // Emptiest first.
    assert!(html.find(">NONE</a>").unwrap() < html.find(">FEW</a>").unwrap());
    assert!(html.contains("href=\"/admin/stock\""), "nav link");
}

#[test]
fn the_owner_hears_once_per_crossing_from_sales_and_adjustments() {
    let s = Store::empty();
    let o = owner(&s);
    // Store-wide threshold 5 (the default); contact email hello@example.com.
    let (_, vid) = product(&s, "vase", 8);
    buy(&s, vid, 2); // 8 → 6: above
    assert_eq!(alerts(&s), 0);
    buy(&s, vid, 1); // 6 → 5: crosses
    assert_eq!(alerts(&s), 1);
    buy(&s, vid, 1); // 5 → 4: already low, no second mail
    assert_eq!(stock(&s, vid), 4);
    assert_eq!(alerts(&s), 1);
    let (to, subject): (String, String) = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT recipient, subject FROM outbox WHERE template = 'low-stock'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(to, "hello@example.com");
    assert!(subject.contains("VASE"), "{subject}");

    // Restocked above, then damaged below: a new crossing, a new mail.
    assert_eq!(adjust(&s, &o, "VASE", "received", "10").status, 303);
    assert_eq!(alerts(&s), 1);
    assert_eq!(adjust(&s, &o, "VASE", "damaged", "10").status, 303);
    assert_eq!(alerts(&s), 2);
    // The inline edit in the product list goes through the same check (already low: none).
    let p = get(&s, "/admin/products", Some(&o)).text();
    let r = post_form(
        &s,
        &format!("/admin/products/inline/{vid}"),
        Some(&o),
        &form(&[("csrf_token", &csrf(&p)), ("price", "100"), ("stock", "3")]),
    );
    assert_eq!(r.status, 303);
    assert_eq!(alerts(&s), 2);
    assert_eq!(adjust(&s, &o, "VASE", "count", "30").status, 303);
    let p = get(&s, "/admin/products", Some(&o)).text();
    let r = post_form(
        &s,
        &format!("/admin/products/inline/{vid}"),
        Some(&o),
        &form(&[("csrf_token", &csrf(&p)), ("price", "100"), ("stock", "1")]),
    );
    assert_eq!(r.status, 303);
    assert_eq!(alerts(&s), 3);
    ledger_balanced(&s);
    // And the mail is really sent (file transport).
    common::mail(&s, 1);
}
