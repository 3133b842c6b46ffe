//! The admin's customer pages: search by name, email and phone; the detail page with the
//! account's and same-email guest orders, lifetime value, addresses and sign-in history;
//! promote to staff and demote by the owner only (an audit row each, CSRF required),
//! refused to staff, who do not see the form.

use crate::common;
use crate::common::staff;
use common::get_signed_in as get;

use boutique::shop::accounts::{self, addresses};
use boutique::views::format::Money;
use common::{Store, csrf, post_form, sign_in};

fn order(
    s: &Store,
    number: &str,
    n: i64,
    customer: Option<i64>,
    email: &str,
    payment: &str,
    total: i64,
) {
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, customer_id, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES (?1, ?2, ?1, x'00', ?3, ?4, 'Buyer', '1', 'Line 1', 'City', '560001', 'IN', 'delivered', ?5, 'cod', 'INR', ?6, ?6, ?7, ?7)",
                rusqlite::params![number, n.to_be_bytes().to_vec(), customer, email, payment, total, boutique::db::now() - n],
            )?;
            Ok(())
        })
        .unwrap();
}

fn role_of(s: &Store, id: i64) -> String {
    accounts::by_id(&s.app().db.read().unwrap(), id)
        .unwrap()
        .unwrap()
        .role
}

fn audit_rows(s: &Store) -> Vec<(String, String, String, String)> {
    let c = s.app().db.read().unwrap();
    let mut st = c
        .prepare("SELECT actor, action, target, summary FROM audit_log WHERE target_type = 'customer' ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

struct World {
    s: Store,
    owner: String,
    helper: String,
    asha: i64,
}

fn world() -> World {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let helper = staff(&s, "help@example.com", "staff");
    // Asha signs in once (a session and a used sign-in request), then has a profile,
    // an address, two orders of her own email (one placed as a guest) and a stranger's.
    let _asha_cookie = sign_in(&s, "asha%40example.com");
    let asha = s
        .app()
        .db
        .write_tx(|tx| {
            let c = accounts::find_or_create(tx, "asha@example.com", 1)?;
            accounts::update_profile(tx, c.id, "Asha Rao", "+91 98765 43210")?;
            addresses::add(
                tx,
                c.id,
                &addresses::Address {
                    id: 0,
                    name: "Asha Rao".into(),
                    phone: "+91 98765 43210".into(),
                    line1: "12 Lavelle Road".into(),
                    line2: String::new(),
                    city: "Bengaluru".into(),
                    region: "KA".into(),
                    postal_code: "560001".into(),
                    country: "IN".into(),
                    is_default: true,
                },
                1,
            )?;
            Ok(c.id)
        })
        .unwrap();
    order(&s, "A-1", 1, Some(asha), "asha@example.com", "paid", 150000);
    order(&s, "A-2", 2, None, "ASHA@example.com", "unpaid", 70000);
    order(
        &s,
        "A-3",
        3,
        None,
        "asha@example.com",
        "partially_refunded",
        20000,
    );
    order(&s, "Z-9", 4, None, "zed@example.com", "paid", 99900);
    World {
        s,
        owner,
        helper,
        asha,
    }
}

#[test]
fn search_and_detail() {
    let w = world();
    let s = &w.s;
    for q in ["asha", "Rao", "98765", "ASHA%40EXAMPLE"] {
        let p = get(s, &format!("/admin/customers?q={q}"), &w.helper);
        assert_eq!(p.status, 200, "{q}");
        let html = p.text();
        assert!(
            html.contains(&format!("href=\"/admin/customers/{}\"", w.asha)),
            "{q}"
        );
        assert!(!html.contains("help@example.com"), "{q}");
    }
    let all = get(s, "/admin/customers", &w.owner).text();
    assert!(all.contains("owner@example.com") && all.contains("asha@example.com"));
    assert!(all.contains("href=\"/admin/customers\""), "nav link");
    let none = get(s, "/admin/customers?q=nobody%25", &w.owner).text();
    assert!(none.contains("No customers found."));

    let p = get(s, &format!("/admin/customers/{}", w.asha), &w.helper);
    assert_eq!(p.status, 200);
    let html = p.text();
    for n in ["A-1", "A-2", "A-3"] {
        assert!(html.contains(&format!("/admin/orders/{n}\"")), "{n}");
    }
    assert!(!html.contains("Z-9"));
    // Lifetime value: the paid 1,500.00 and the partly refunded 200.00 (nothing refunded
    // yet), not the unpaid order.
    let money = Money::of(&s.app().cfg().store);
    assert!(html.contains(&money.format(170000)), "{html}");
    assert!(html.contains("12 Lavelle Road"));
    assert!(html.contains("Asha Rao"));
    assert!(html.contains("sign in link or code used"));
    assert!(html.contains("session"));
    assert_eq!(get(s, "/admin/customers/999999", &w.owner).status, 404);
    assert_eq!(get(s, "/admin/customers/abc", &w.owner).status, 404);
}

#[test]
fn owner_promotes_and_demotes_staff_may_not() {
    let w = world();
    let s = &w.s;
    let path = format!("/admin/customers/{}", w.asha);
    let action = format!("{path}/role");

    // Staff: no form, and a forged post is refused.
    let staff_page = get(s, &path, &w.helper).text();
    assert!(!staff_page.contains("Promote to staff"));
    assert!(!staff_page.contains(&action));
    let r = post_form(s, &action, Some(&w.helper), "csrf_token=x&role=staff");
    assert_eq!(r.status, 403);
    assert_eq!(role_of(s, w.asha), "customer");

    // Owner: the form is there; without the CSRF token nothing changes.
    let page = get(s, &path, &w.owner).text();
    assert!(page.contains("Promote to staff"));
    assert!(page.contains(&action));
    let r = post_form(s, &action, Some(&w.owner), "role=staff");
    assert_eq!(r.status, 403);
    let r = post_form(s, &action, Some(&w.owner), "csrf_token=wrong&role=staff");
    assert_eq!(r.status, 403);
    assert_eq!(role_of(s, w.asha), "customer");
    assert!(audit_rows(s).is_empty());

    let r = post_form(
        s,
        &action,
        Some(&w.owner),
        &format!("csrf_token={}&role=staff", csrf(&page)),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        Some(format!("{path}?done=saved").as_str())
    );
    assert_eq!(role_of(s, w.asha), "staff");
    let rows = audit_rows(s);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "owner@example.com");
    assert_eq!(rows[0].1, "customer.role");
    assert_eq!(rows[0].2, w.asha.to_string());
    assert!(rows[0].3.contains("customer → staff"), "{}", rows[0].3);

    // And back.
    let page = get(s, &path, &w.owner).text();
    assert!(page.contains("Remove staff access"));
    let r = post_form(
        s,
        &action,
        Some(&w.owner),
        &format!("csrf_token={}&role=customer", csrf(&page)),
    );
    assert_eq!(r.status, 303);
    assert_eq!(role_of(s, w.asha), "customer");
    assert_eq!(audit_rows(s).len(), 2);

    // Nobody makes an owner here, and the owner cannot change an owner (themselves).
    let r = post_form(
        s,
        &action,
        Some(&w.owner),
        &format!("csrf_token={}&role=owner", csrf(&page)),
    );
    assert_eq!(r.status, 400);
    let me: i64 = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT id FROM customers WHERE email = 'owner@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mine = get(s, &format!("/admin/customers/{me}"), &w.owner).text();
    assert!(!mine.contains("Promote to staff") && !mine.contains("Remove staff access"));
    let r = post_form(
        s,
        &format!("/admin/customers/{me}/role"),
        Some(&w.owner),
        &format!("csrf_token={}&role=customer", csrf(&page)),
    );
    assert_eq!(r.status, 400);
    assert_eq!(role_of(s, me), "owner");
    assert_eq!(audit_rows(s).len(), 2);
}

#[test]
fn customers_are_refused_and_anonymous_sent_to_sign_in() {
    let s = Store::empty();
    assert_eq!(s.get("/admin/customers").status, 303);
    let c = sign_in(&s, "shopper%40example.com");
    assert_eq!(get(&s, "/admin/customers", &c).status, 403);
    assert_eq!(get(&s, "/admin/customers/1", &c).status, 403);
    assert_eq!(
        post_form(
            &s,
            "/admin/customers/1/role",
            Some(&c),
            "csrf_token=x&role=staff"
        )
        .status,
        403
    );
}

#[test]
fn customer_sql_prepares() {
    let s = Store::empty();
    let c = s.app().db.read().unwrap();
    for q in boutique::admin_data::customers::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{e}: {q}"));
    }
}
