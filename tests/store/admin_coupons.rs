//! Coupons through the real admin pages (`/admin/coupons`): create, edit, disable and
//! enable, with usage counts, discount given and revenue per coupon computed from
//! coupon_redemptions and orders (released redemptions and unpaid orders left out of
//! revenue). Refusals are checked to have written nothing.

use crate::common;
use crate::common::owner;
use common::count;
use common::{get_as as get, post_from};

use common::{Store, post_form, sign_in};

fn coupon(kind: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", kind),
        ("value", value),
        ("min_subtotal", ""),
        ("starts", ""),
        ("ends", ""),
        ("max_redemptions", ""),
        ("per_customer", ""),
    ]
}

/// Sets a field of a coupon form (replacing its default).
fn set(f: &mut Vec<(&'static str, &'static str)>, k: &'static str, v: &'static str) {
    match f.iter_mut().find(|(n, _)| *n == k) {
        Some(e) => e.1 = v,
        None => f.push((k, v)),
    }
}

/// The text of the cell with `class` in the coupon's row.
fn cell(html: &str, code: &str, class: &str) -> String {
    let row = &html[html
        .find(&format!("id=\"coupon-{code}\""))
        .expect("coupon row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    let i = row.find(&format!("class=\"{class}\">")).expect("cell") + class.len() + 9;
    row[i..i + row[i..].find("</td>").unwrap()].to_string()
}

#[test]
fn owner_creates_edits_and_disables_coupons() {
    let s = Store::empty();
    let o = owner(&s);
    let audits0 = count(&s, "SELECT count(*) FROM audit_log");
    let mut f = coupon("percent", "10");
    f.push(("code", "save10"));
    let r = post_from(&s, &o, "/admin/coupons", "/admin/coupons", &f);
    assert_eq!(r.status, 303, "{}", r.text());
    let page = r.header("location").unwrap().to_string();
    // The coupon's page says it was created.
    assert!(page.ends_with("?done=created"), "{page}");
    assert!(get(&s, &page, Some(&o)).text().contains("Created."));
    let page = page.trim_end_matches("?done=created").to_string();
    let id = page.trim_start_matches("/admin/coupons/").to_string();
    let mut f = coupon("fixed", "100.50");
    for (k, v) in [
        ("code", "FLAT100"),
        ("min_subtotal", "999"),
        ("starts", "2026-01-01T00:00"),
        ("ends", "2030-01-01T00:00"),
        ("max_redemptions", "50"),
        ("per_customer", "1"),
    ] {
        set(&mut f, k, v);
    }
    assert_eq!(
        post_from(&s, &o, "/admin/coupons", "/admin/coupons", &f).status,
        303
    );
    assert_eq!(
        count(
            &s,
            "SELECT value + min_subtotal + max_redemptions + per_customer FROM coupons WHERE code = 'FLAT100'"
        ),
        10_050 + 99_900 + 50 + 1
    );
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 2);

    // Refusals: a taken code, 150 percent, a nonsense amount, an end before the start.
    let before = count(&s, "SELECT count(*) FROM coupons");
    for (code, kind, value, extra, status) in [
        ("SAVE10", "percent", "5", None, 409),
        ("HUGE", "percent", "150", None, 400),
        ("ODD", "fixed", "ten", None, 400),
        (
            "LATE",
            "percent",
            "5",
            Some(("ends", "2020-01-01T00:00")),
            400,
        ),
    ] {
        let mut f = coupon(kind, value);
        f.push(("code", code));
        set(&mut f, "starts", "2021-01-01T00:00");
        if let Some((k, v)) = extra {
            set(&mut f, k, v);
        }
        let r = post_from(&s, &o, "/admin/coupons", "/admin/coupons", &f);
        assert_eq!(r.status, status, "{code}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""));
    }
    assert_eq!(count(&s, "SELECT count(*) FROM coupons"), before);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 2);

    // Edit: 15 percent over 500, at most 3 uses.
    let mut f = coupon("percent", "15");
    set(&mut f, "min_subtotal", "500");
    set(&mut f, "max_redemptions", "3");
    let r = post_from(&s, &o, &page, &page, &f);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        count(
            &s,
            "SELECT value * 1000000 + min_subtotal * 10 + max_redemptions FROM coupons WHERE code = 'SAVE10'"
        ),
        15_000_000 + 500_000 + 3
    );
    // Disable, then enable again.
    let r = post_from(&s, &o, &page, &format!("/admin/coupons/{id}/disable"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(
        count(&s, "SELECT active FROM coupons WHERE code = 'SAVE10'"),
        0
    );
    assert!(
        get(&s, "/admin/coupons", Some(&o))
            .text()
            .contains("disabled")
    );
    let r = post_from(&s, &o, &page, &format!("/admin/coupons/{id}/enable"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(
        count(&s, "SELECT active FROM coupons WHERE code = 'SAVE10'"),
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE target_type = 'coupon'"
        ),
        5
    );

    // Access: customers 403, anonymous to sign-in, forms need the token.
    let customer = sign_in(&s, "shopper@example.com");
    assert_eq!(get(&s, "/admin/coupons", Some(&customer)).status, 403);
    assert_eq!(s.get("/admin/coupons").status, 303);
    let r = post_form(&s, &format!("/admin/coupons/{id}/disable"), Some(&o), "");
    assert_eq!(r.status, 403);
    assert_eq!(
        count(&s, "SELECT active FROM coupons WHERE code = 'SAVE10'"),
        1
    );
}

#[test]
fn usage_and_revenue_per_coupon_come_from_redemptions_and_orders() {
    let s = Store::empty();
    let o = owner(&s);
    let mut f = coupon("percent", "10");
    f.push(("code", "SPRING"));
    assert_eq!(
        post_from(&s, &o, "/admin/coupons", "/admin/coupons", &f).status,
        303
    );
    let mut f = coupon("free_shipping", "");
    f.push(("code", "SHIPFREE"));
    assert_eq!(
        post_from(&s, &o, "/admin/coupons", "/admin/coupons", &f).status,
        303
    );
    // Three orders with SPRING: paid (partly refunded), unpaid COD, and cancelled (its
    // redemption released).
    s.app()
        .db
        .write_tx(|tx| {
            let k: i64 = tx.query_row("SELECT id FROM coupons WHERE code = 'SPRING'", [], |r| r.get(0))?;
            for (n, status, pay, total, refunded, discount, released) in [
                ("A-1", "delivered", "partially_refunded", 90_000, 10_000, 10_000, None),
                ("A-2", "confirmed", "unpaid", 45_000, 0, 5_000, None),
                ("A-3", "cancelled", "unpaid", 18_000, 0, 2_000, Some(5)),
            ] {
                tx.execute(
                    "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, discount, total, refunded, coupon_code, created_at, updated_at) \
                     VALUES (?1, CAST(?1 AS BLOB), ?1, x'00', 'a@example.com', 'A', '9876543210', 'x', 'y', '1', 'IN', ?2, ?3, 'cod', 'INR', ?4, ?5, ?4, ?6, 'SPRING', 1, 1)",
                    rusqlite::params![n, status, pay, total, discount, refunded],
                )?;
                tx.execute(
                    "INSERT INTO coupon_redemptions (coupon_id, order_id, email, discount, released_at, created_at) VALUES (?1, last_insert_rowid(), 'a@example.com', ?2, ?3, 1)",
                    rusqlite::params![k, discount, released],
                )?;
            }
            tx.execute("UPDATE coupons SET redeemed = 2 WHERE id = ?1", [k])?;
            Ok(())
        })
        .unwrap();
    let html = get(&s, "/admin/coupons", Some(&o)).text();
    assert_eq!(cell(&html, "SPRING", "uses"), "2");
    assert_eq!(cell(&html, "SPRING", "discount"), "₹150.00");
    assert_eq!(cell(&html, "SPRING", "paid"), "1");
    assert_eq!(cell(&html, "SPRING", "revenue"), "₹800.00");
    assert_eq!(cell(&html, "SHIPFREE", "uses"), "0");
    assert_eq!(cell(&html, "SHIPFREE", "revenue"), "₹0.00");
    // The total limit cannot go under the uses already made.
    let id = count(&s, "SELECT id FROM coupons WHERE code = 'SPRING'");
    let page = format!("/admin/coupons/{id}");
    let detail = get(&s, &page, Some(&o)).text();
    assert!(detail.contains("₹800.00"));
    let mut f = coupon("percent", "10");
    set(&mut f, "max_redemptions", "1");
    let r = post_from(&s, &o, &page, &page, &f);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("used 2 times"));
}
