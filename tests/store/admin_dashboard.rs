//! The admin dashboard: every figure equals the value computed by hand on a fixture of
//! orders inserted with known totals, dates (relative to the store's local midnight),
//! statuses and lines; the page shows them; owner and staff get in, a customer gets 403,
//! an anonymous visitor goes to sign-in. The dashboard's SQL prepares against the schema
//! and its queries use the report indexes.

use crate::common;
use crate::common::staff;

use boutique::admin_data::reports::{self, DAY};
use boutique::db::Tx;
use boutique::shop::catalog;
use boutique::views::format::Money;
use common::{Store, count, sign_in};

#[allow(clippy::too_many_arguments)]
fn order(
    tx: &Tx,
    n: i64,
    at: i64,
    status: &str,
    payment: &str,
    method: &str,
    total: i64,
    refunded: i64,
    lines: &[(i64, i64, i64, i64, i64)],
) {
    tx.execute(
        "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_status, payment_method, currency, subtotal, total, refunded, created_at, updated_at) VALUES (?1, ?2, ?1, x'00', 'fixture@example.com', 'Fixture', '1', 'Line 1', 'City', '560001', 'IN', ?3, ?4, ?5, 'INR', ?6, ?6, ?7, ?8, ?8)",
        rusqlite::params![format!("T{n}"), n.to_be_bytes().to_vec(), status, payment, method, total, refunded, at],
    )
    .unwrap();
    let oid = tx.last_insert_rowid();
    for &(pid, vid, price, qty, returned) in lines {
        tx.execute(
            "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity, returned) VALUES (?1, ?2, ?3, 'snapshot', 'sku', ?4, ?5, ?6)",
            rusqlite::params![oid, vid, pid, price, qty, returned],
        )
        .unwrap();
    }
}

struct Fixture {
    p1: i64,
    p2: i64,
    p3: i64,
}

/// Products (two categories, low stock by the store default and by a variant's own
/// threshold, a draft that must not count) and orders around `now`.
fn fixture(s: &Store, now: i64) -> Fixture {
    let offset = &s.app().cfg().store.zone.clone();
    let m = reports::local_midnight(now, offset);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute("INSERT INTO categories (id, slug, name, created_at) VALUES (1, 'dresses', 'Dresses', 0), (2, 'scarves', 'Scarves', 0)", [])?;
            let (p1, v1) = catalog::create_simple_product(tx, "p-one", "Linen Dress", "P1", 4000, 100, now)?;
            let (p2, v2) = catalog::create_simple_product(tx, "p-two", "Silk Dress", "P2", 6000, 2, now)?;
            let (p3, v3) = catalog::create_simple_product(tx, "p-three", "Wool Scarf", "P3", 1000, 10, now)?;
            let (p4, _) = catalog::create_simple_product(tx, "p-four", "Draft Thing", "P4", 1000, 0, now)?;
            tx.execute("UPDATE products SET category_id = 1 WHERE id IN (?1, ?2)", [p1, p2])?;
            tx.execute("UPDATE products SET category_id = 2 WHERE id = ?1", [p3])?;
            tx.execute("UPDATE products SET status = 'draft' WHERE id = ?1", [p4])?;
            tx.execute("UPDATE variants SET low_stock_threshold = 12 WHERE id = ?1", [v3])?;

            let today = m + (now - m) / 2;
            let yesterday_early = today - DAY;
            let yesterday_late = m - 1;
            // A: today, paid COD. B: today, unpaid transfer. C: today, cancelled.
            order(tx, 1, today, "confirmed", "paid", "cod", 10000, 0, &[(p1, v1, 4000, 2, 0)]);
            order(tx, 2, today, "pending_payment", "unpaid", "bank_transfer", 5000, 0, &[(p2, v2, 5000, 1, 0)]);
            order(tx, 3, today, "cancelled", "unpaid", "bank_transfer", 7000, 0, &[(p2, v2, 7000, 1, 0)]);
            // D: yesterday before now's time of day; E: yesterday's last second, part refunded.
            order(tx, 4, yesterday_early, "delivered", "paid", "cod", 6000, 0, &[(p2, v2, 6000, 1, 0)]);
            order(tx, 5, yesterday_late, "delivered", "partially_refunded", "bank_transfer", 8000, 3000, &[(p1, v1, 4000, 2, 1)]);
            // K: COD not yet collected. L: proof waiting. F: shipped.
            order(tx, 11, m - 2 * DAY + 100, "confirmed", "unpaid", "cod", 2500, 0, &[(p3, v3, 1000, 2, 0)]);
            order(tx, 12, m - 3 * DAY + 100, "awaiting_verification", "unpaid", "bank_transfer", 1500, 0, &[(p3, v3, 1000, 1, 0)]);
            order(tx, 6, m - 5 * DAY + 100, "shipped", "paid", "bank_transfer", 3000, 0, &[(p3, v3, 1000, 3, 0)]);
            // G: 10 days ago, fully refunded. H: 40 days ago. I: 70 days ago.
            order(tx, 7, m - 10 * DAY + 100, "returned", "refunded", "bank_transfer", 4000, 4000, &[(p1, v1, 4000, 1, 1)]);
            order(tx, 8, m - 40 * DAY + 100, "delivered", "paid", "cod", 9000, 0, &[(p1, v1, 4000, 2, 0)]);
            order(tx, 9, m - 70 * DAY + 100, "delivered", "paid", "cod", 1000, 0, &[(p3, v3, 1000, 1, 0)]);

            for (kind, subject, at) in [
                ("checkout_started", "cart/1", today),
                ("checkout_started", "cart/2", today),
                ("checkout_started", "cart/3", m - 3 * DAY),
                ("checkout_started", "cart/4", m - 20 * DAY),
                ("checkout_started", "cart/0", m - 40 * DAY),
                ("order_placed", "T1", today),
                ("order_placed", "T2", today),
                ("order_placed", "T6", m - 5 * DAY + 100),
                ("order_paid", "T1", today),
                ("order_paid", "T6", m - 4 * DAY),
                ("signin_link_sent", "T2", today),
                ("signin_link_sent", "T6", m - 5 * DAY + 100),
                ("signin_link_used", "T6", m - 4 * DAY),
                ("signin_link_used", "T6", m - 3 * DAY),
            ] {
                tx.execute(
                    "INSERT INTO funnel_events (kind, subject, at) VALUES (?1, ?2, ?3)",
                    rusqlite::params![kind, subject, at],
                )?;
            }
            Ok(Fixture { p1, p2, p3 })
        })
        .unwrap()
}

/// Waits past the first few minutes of a local day, so "earlier today" exists.
fn not_just_after_midnight(s: &Store) -> i64 {
    let offset = &s.app().cfg().store.zone.clone();
    let now = boutique::db::now();
    let since = now - reports::local_midnight(now, offset);
    if since < 300 {
        std::thread::sleep(std::time::Duration::from_secs((300 - since) as u64));
    }
    boutique::db::now()
}

#[test]
fn figures_equal_the_hand_computed_values() {
    let s = Store::empty();
    let now = not_just_after_midnight(&s);
    let f = fixture(&s, now);
    let d = boutique::service::reports::dashboard(s.app(), now).unwrap();
    let cfg = s.app().cfg();

    // Today: A (10000 paid) + B (unpaid); C cancelled. Before: D, not E (later in the day).
    let t = &d.periods[0];
    assert_eq!(
        (t.days, t.revenue, t.orders, t.paid_orders),
        (1, 10000, 2, 1)
    );
    assert_eq!(
        (t.prev_revenue, t.prev_orders, t.prev_paid_orders),
        (6000, 1, 1)
    );
    assert_eq!(t.change_pct(), Some(66));
    assert_eq!(t.aov(), Some(10000));
    // 7 days: A, B, D, E (8000 - 3000), F, K, L; before: G (refunded in full).
    let w = &d.periods[1];
    assert_eq!((w.revenue, w.orders, w.paid_orders), (24000, 7, 4));
    assert_eq!(
        (w.prev_revenue, w.prev_orders, w.prev_paid_orders),
        (0, 1, 1)
    );
    assert_eq!(w.change_pct(), None);
    assert_eq!(w.aov(), Some(6000));
    // 30 days: + G; before: H. I is older than both.
    let mo = &d.periods[2];
    assert_eq!((mo.revenue, mo.orders, mo.paid_orders), (24000, 8, 5));
    assert_eq!(
        (mo.prev_revenue, mo.prev_orders, mo.prev_paid_orders),
        (9000, 1, 1)
    );
    assert_eq!(mo.change_pct(), Some(166));
    assert_eq!(mo.aov(), Some(4800));

    // The series: 30 days, today last, yesterday = D + E.
    assert_eq!(d.daily.len(), 30);
    assert_eq!(d.daily[29].1, 10000);
    assert_eq!(d.daily[28].1, 6000 + 5000);
    assert_eq!(d.daily[24].1, 3000);
    assert_eq!(d.daily.iter().map(|x| x.1).sum::<i64>(), 24000);

    let status = |name: &str| {
        d.by_status
            .iter()
            .find(|(s, _)| s == name)
            .map(|x| x.1)
            .unwrap_or(0)
    };
    assert_eq!(status("delivered"), 2);
    assert_eq!(status("confirmed"), 2);
    assert_eq!(status("cancelled"), 1);
    assert_eq!(status("returned"), 1);
    assert_eq!(status("pending_payment"), 1);
    assert_eq!(status("awaiting_verification"), 1);
    assert_eq!(status("shipped"), 1);
    assert_eq!(d.by_status.iter().map(|x| x.1).sum::<i64>(), 9);

    assert_eq!(d.proofs_waiting, 1);
    assert_eq!(d.to_ship, 2);
    assert_eq!((d.cod_count, d.cod_amount), (1, 2500));

    // Low stock: P2 (2 ≤ default 5) and P3 (10 ≤ its own 12); not P1, not the draft P4.
    assert_eq!(d.low_stock_count, 2);
    let skus: Vec<_> = d.low_stock.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["P2", "P3"]);
    assert_eq!(d.low_stock[1].threshold, 12);

    // Product revenue (paid, 30 days): P1 2×4000 + (2-1)×4000 + (1-1)×4000; P2 6000; P3 3×1000.
    let top: Vec<_> = d
        .top_products
        .iter()
        .map(|p| (p.product_id, p.title.as_str(), p.units, p.revenue))
        .collect();
    assert_eq!(
        top,
        [
            (Some(f.p1), "Linen Dress", 3, 12000),
            (Some(f.p2), "Silk Dress", 1, 6000),
            (Some(f.p3), "Wool Scarf", 3, 3000),
        ]
    );
    assert_eq!(
        d.by_category,
        [
            ("Dresses".to_string(), 18000),
            ("Scarves".to_string(), 3000)
        ]
    );

    assert_eq!(d.funnel.started, 4);
    assert_eq!(d.funnel.placed, 3);
    assert_eq!(d.funnel.paid, 2);
    assert_eq!(d.funnel.links_sent, 2);
    assert_eq!(d.funnel.links_used, 1);

    // The page shows them, in the store's money, with the SVG charts.
    let owner = staff(&s, "owner@example.com", "owner");
    let p = s.get_with("/admin", &[("Cookie", &owner)]);
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    let money = Money::of(&cfg.store);
    for amount in [10000, 24000, 9000, 4800, 2500, 12000, 18000] {
        assert!(
            html.contains(&money.format(amount)),
            "{} missing",
            money.format(amount)
        );
    }
    assert!(html.contains("▲ 66%"));
    assert!(html.contains("▲ 166%"));
    assert_eq!(html.matches("<svg").count(), 5, "4 charts + the funnel");
    assert!(html.contains("Linen Dress"));
    assert!(html.contains("Wool Scarf"));
    assert!(html.contains("1</strong> of 2"));
    assert!(!html.contains("style="), "the CSP forbids inline styles");
}

#[test]
fn owner_and_staff_see_it_customers_do_not() {
    let s = Store::demo();
    let anon = s.get("/admin");
    assert_eq!(anon.status, 303);
    assert_eq!(
        anon.header("location"),
        Some("/account/sign-in?next=%2Fadmin")
    );
    let customer = sign_in(&s, "shopper%40example.com");
    assert_eq!(s.get_with("/admin", &[("Cookie", &customer)]).status, 403);
    for (email, role) in [
        ("owner@example.com", "owner"),
        ("help@example.com", "staff"),
    ] {
        let c = staff(&s, email, role);
        let p = s.get_with("/admin", &[("Cookie", &c)]);
        assert_eq!(p.status, 200, "{role}");
        let html = p.text();
        assert!(html.contains("Dashboard"));
        assert!(html.contains(&format!("{email} ({role})")));
        assert!(html.contains("Revenue per day"));
        // The demo store has low stock (variants of 50 units or fewer, some sold out).
        assert!(html.contains("low-stock"));
    }
}

#[test]
fn dashboard_sql_prepares_and_uses_the_report_indexes() {
    let s = Store::empty();
    let c = s.app().db.read().unwrap();
    for q in reports::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{e}: {q}"));
    }
    let plan = |q: &str| -> String {
        let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {q}")).unwrap();
        let n = st.parameter_count();
        let args: Vec<i64> = vec![0; n];
        st.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .map(|r| r.unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let p = plan(reports::sql::ORDER_DAYS);
    assert!(p.contains("SEARCH order_days USING PRIMARY KEY"), "{p}");
    let p = plan(reports::sql::PART_OF_DAY);
    assert!(p.contains("COVERING INDEX orders_report"), "{p}");
    let p = plan(reports::sql::PRODUCT_DAYS);
    assert!(p.contains("SEARCH product_days USING PRIMARY KEY"), "{p}");
    let p = plan(reports::sql::COD_DUE);
    assert!(p.contains("COVERING INDEX orders_cod_due"), "{p}");
    let p = plan(reports::sql::FUNNEL_DAYS);
    assert!(p.contains("SEARCH funnel_days USING PRIMARY KEY"), "{p}");
}

/// The daily sums the triggers keep equal the sums rebuilt from scratch, after orders,
/// lines and funnel events are added once the day table exists and then changed in every
/// way the sums depend on: paid, cancelled, refunded, a line returned or repriced, an
/// order moved to another day, a product deleted, an order deleted.
#[test]
fn daily_sums_kept_by_the_triggers_equal_a_rebuild() {
    let s = Store::empty();
    let now = boutique::db::now();
    // The first view writes the day table (no orders yet).
    boutique::service::reports::dashboard(s.app(), now).unwrap();
    assert!(count(&s, "SELECT count(*) FROM report_days") > 400);
    let f = fixture(&s, now);
    let sums = |s: &Store| -> Vec<String> {
        let c = s.app().db.read().unwrap();
        let mut out = Vec::new();
        for q in [
            "SELECT 'o', day, status, counted, orders, revenue FROM order_days WHERE orders <> 0 OR revenue <> 0 ORDER BY 2, 3, 4",
            "SELECT 'p', day, product_id, units, revenue, 0 FROM product_days WHERE units <> 0 OR revenue <> 0 ORDER BY 2, 3",
            "SELECT 'f', day, kind, n, 0, 0 FROM funnel_days WHERE n <> 0 ORDER BY 2, 3",
        ] {
            let mut st = c.prepare(q).unwrap();
            let rows = st
                .query_map([], |r| {
                    Ok(format!(
                        "{:?}",
                        (0..6)
                            .map(|i| r.get::<_, rusqlite::types::Value>(i).unwrap())
                            .collect::<Vec<_>>()
                    ))
                })
                .unwrap();
            out.extend(rows.map(|r| r.unwrap()));
        }
        out
    };
    let m = reports::local_midnight(now, &s.app().cfg().store.zone);
    s.app()
        .db
        .write_tx(|tx| {
            let run = |q: &str| tx.execute(q, []).map(|_| ());
            run("UPDATE orders SET payment_status = 'paid' WHERE number = 'T2'")?;
            run("UPDATE orders SET status = 'cancelled' WHERE number = 'T1'")?;
            run("UPDATE orders SET refunded = 1000, payment_status = 'partially_refunded' WHERE number = 'T4'")?;
            run("UPDATE order_lines SET returned = 1 WHERE order_id = (SELECT id FROM orders WHERE number = 'T8')")?;
            run("UPDATE order_lines SET unit_price = unit_price + 7 WHERE order_id = (SELECT id FROM orders WHERE number = 'T6')")?;
            tx.execute(
                "UPDATE orders SET created_at = ?1 WHERE number = 'T5'",
                [m - 12 * DAY + 5],
            )?;
            tx.execute(
                "INSERT INTO order_lines (order_id, product_id, title, sku, unit_price, quantity) SELECT id, ?1, 'added', 'sku', 250, 3 FROM orders WHERE number = 'T6'",
                [f.p2],
            )?;
            run("DELETE FROM order_lines WHERE order_id = (SELECT id FROM orders WHERE number = 'T7')")?;
            tx.execute("DELETE FROM products WHERE id = ?1", [f.p3])?;
            run("DELETE FROM orders WHERE number = 'T9'")?;
            run("DELETE FROM funnel_events WHERE subject = 'cart/1'")?;
            tx.execute(
                "INSERT INTO funnel_events (kind, subject, at) VALUES ('order_paid', 'T2', ?1)",
                [now],
            )?;
            Ok(())
        })
        .unwrap();
    let kept = sums(&s);
    assert!(kept.len() > 10, "{kept:?}");
    s.app()
        .db
        .write_tx(|tx| Ok(tx.execute_batch(reports::sql::REBUILD)?))
        .unwrap();
    assert_eq!(kept, sums(&s));
    // And the dashboard reads them: T2 (5000) is now paid today, T1 cancelled.
    let d = boutique::service::reports::dashboard(s.app(), now).unwrap();
    assert_eq!((d.periods[0].revenue, d.periods[0].paid_orders), (5000, 1));
}
