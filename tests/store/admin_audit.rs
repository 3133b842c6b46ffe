//! The audit log page: entries from real admin actions (order operations through the
//! admin order page's forms) appear with who did them; the actor, target-type and date
//! filters work; paging by `before=<id>` does not shift when new entries arrive; staff and
//! owners see it, customers get 403, anonymous visitors go to sign-in.

use crate::common;
use crate::common::staff;
use boutique::zone::Zone;
use common::get_signed_in as get;

use boutique::admin_data::audit_list;
use boutique::shop::audit::{self, Actor};
use boutique::shop::catalog;
use common::{Store, csrf, post_form, sign_in};

/// A confirmed, unpaid COD order `number` (one line), inserted directly.
fn cod_order(s: &Store, number: &str, n: i64) {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            let (pid, vid) = catalog::create_simple_product(
                tx,
                &format!("p-{n}"),
                "Thing",
                &format!("SKU-{n}"),
                1000,
                10,
                now,
            )?;
            tx.execute(
                "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES (?1, ?2, ?1, x'00', 'buyer@example.com', 'Buyer', '1', 'Line 1', 'City', '560001', 'IN', 'confirmed', 'unpaid', 'cod', 'INR', 1000, 1000, ?3, ?3)",
                rusqlite::params![number, n.to_be_bytes().to_vec(), now],
            )?;
            let oid = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity) VALUES (?1, ?2, ?3, 'Thing', 'SKU', 1000, 1)",
                rusqlite::params![oid, vid, pid],
            )?;
            Ok(())
        })
        .unwrap();
}

/// "Start processing" through the admin order page's form.
fn process(s: &Store, cookie: &str, number: &str) {
    let page = get(s, &format!("/admin/orders/{number}"), cookie);
    assert_eq!(page.status, 200, "{}", page.text());
    let r = post_form(
        s,
        &format!("/admin/orders/{number}/process"),
        Some(cookie),
        &format!("csrf_token={}", csrf(&page.text())),
    );
    assert_eq!(r.status, 303, "{}", r.text());
}

/// The entry ids shown on a page, in order.
fn ids(html: &str) -> Vec<i64> {
    html.split("data-id=\"")
        .skip(1)
        .map(|t| t[..t.find('"').unwrap()].parse().unwrap())
        .collect()
}

fn next_link(html: &str) -> Option<String> {
    let i = html.find("Older entries")?;
    let head = &html[..i];
    let h = head.rfind("href=\"")? + 6;
    Some(head[h..h + head[h..].find('"').unwrap()].replace("&amp;", "&"))
}

#[test]
fn real_admin_actions_appear_and_the_filters_work() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let helper = staff(&s, "help@example.com", "staff");
    cod_order(&s, "T1", 1);
    cod_order(&s, "T2", 2);
    process(&s, &owner, "T1");
    process(&s, &helper, "T2");

    let p = get(&s, "/admin/audit", &owner);
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    assert!(html.contains("href=\"/admin/orders/T1\""));
    assert!(html.contains("href=\"/admin/orders/T2\""));
    assert!(html.contains("owner@example.com"));
    assert!(html.contains("help@example.com"));
    assert!(html.contains("href=\"/admin/audit\""), "nav link");
    assert_eq!(ids(&html).len(), 2);
    // Newest first.
    let all = ids(&html);
    assert!(all[0] > all[1]);

    // Staff see it too.
    assert_eq!(get(&s, "/admin/audit", &helper).status, 200);

    let by_owner = get(&s, "/admin/audit?actor=owner%40example.com", &owner).text();
    assert!(by_owner.contains("/admin/orders/T1\""));
    assert!(!by_owner.contains("/admin/orders/T2\""));
    assert_eq!(ids(&by_owner).len(), 1);

    let orders = get(&s, "/admin/audit?target_type=order", &owner).text();
    assert_eq!(ids(&orders).len(), 2);
    let none = get(&s, "/admin/audit?target_type=product", &owner).text();
    assert_eq!(ids(&none).len(), 0);
    assert!(none.contains("No entries."));

    let offset = &s.app().cfg().store.zone.clone();
    let now = boutique::db::now();
    let today = boutique::views::format::iso_date(now, offset);
    let yesterday = boutique::views::format::iso_date(now - 86_400, offset);
    let tomorrow = boutique::views::format::iso_date(now + 86_400, offset);
    let p = get(&s, &format!("/admin/audit?from={today}&to={today}"), &owner);
    assert_eq!(ids(&p.text()).len(), 2);
    let p = get(&s, &format!("/admin/audit?to={yesterday}"), &owner);
    assert_eq!(ids(&p.text()).len(), 0);
    let p = get(&s, &format!("/admin/audit?from={tomorrow}"), &owner);
    assert_eq!(ids(&p.text()).len(), 0);
    let p = get(
        &s,
        &format!("/admin/audit?from={yesterday}&actor=help%40example.com&target_type=order"),
        &owner,
    );
    assert_eq!(ids(&p.text()).len(), 1);

    // Bad input is a 400, never a 500.
    assert_eq!(get(&s, "/admin/audit?from=2026-02-31", &owner).status, 400);
    assert_eq!(get(&s, "/admin/audit?from=yesterday", &owner).status, 400);
    assert_eq!(get(&s, "/admin/audit?before=abc", &owner).status, 400);
}

#[test]
fn pages_stay_put_while_new_entries_arrive() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let record = |i: i64| {
        s.app()
            .db
            .write_tx(|tx| {
                audit::record(
                    tx,
                    &Actor::system(),
                    "test.entry",
                    "test",
                    &format!("e{i}"),
                    "",
                    boutique::db::now(),
                )
            })
            .unwrap()
    };
    for i in 0..120 {
        record(i);
    }
    let p1 = get(&s, "/admin/audit?target_type=test", &owner).text();
    let first = ids(&p1);
    assert_eq!(first.len(), 50);
    let next = next_link(&p1).expect("a next page");
    assert!(next.contains("target_type=test"), "{next}");
    assert!(next.contains(&format!("before={}", first[49])), "{next}");
    let p2 = get(&s, &next, &owner).text();
    let second = ids(&p2);
    assert_eq!(second.len(), 50);
    assert!(second[0] < first[49]);

    // New entries arrive: page 2 is the same page, page 1 starts with them.
    record(1000);
    record(1001);
    let again = ids(&get(&s, &next, &owner).text());
    assert_eq!(again, second);
    let p1 = ids(&get(&s, "/admin/audit?target_type=test", &owner).text());
    assert_eq!(p1[2], first[0]);

    // The last page: 20 entries and no further link.
    let p3 = get(&s, &next_link(&p2).unwrap(), &owner).text();
    assert_eq!(ids(&p3).len(), 20);
    assert!(next_link(&p3).is_none());
}

#[test]
fn customers_are_refused_and_anonymous_sent_to_sign_in() {
    let s = Store::empty();
    let anon = s.get("/admin/audit");
    assert_eq!(anon.status, 303);
    assert_eq!(
        anon.header("location"),
        Some("/account/sign-in?next=%2Fadmin%2Faudit")
    );
    let customer = sign_in(&s, "shopper%40example.com");
    assert_eq!(get(&s, "/admin/audit", &customer).status, 403);
}

#[test]
fn audit_sql_prepares_and_dates_parse_in_the_store_offset() {
    let s = Store::empty();
    let c = s.app().db.read().unwrap();
    for q in audit_list::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{e}: {q}"));
    }
    let utc = &Zone::utc();
    assert_eq!(
        audit_list::parse_local_date("1970-01-02", utc),
        Some(86_400)
    );
    assert_eq!(
        audit_list::parse_local_date("2026-11-22", &Zone::fixed_minutes(330)),
        Some(1_795_305_600 - 330 * 60)
    );
    assert_eq!(audit_list::parse_local_date("2026-13-01", utc), None);
    assert_eq!(audit_list::parse_local_date("2026-02-29", utc), None);
    assert_eq!(
        audit_list::parse_local_date("2024-02-29", utc),
        Some(1_709_164_800)
    );
    // A named zone follows daylight saving: Paris is UTC+1 in winter, UTC+2 in summer.
    let paris = &Zone::parse("Europe/Paris").unwrap();
    assert_eq!(
        audit_list::parse_local_date("2026-01-15", paris),
        audit_list::parse_local_date("2026-01-15", utc).map(|t| t - 3600)
    );
    assert_eq!(
        audit_list::parse_local_date("2026-07-15", paris),
        audit_list::parse_local_date("2026-07-15", utc).map(|t| t - 7200)
    );
}
