//! The wishlist as a canonical write plus a projection (issue 13): a heart saves without
//! JavaScript (the page confirms), the projector builds the view by event id (a replayed
//! event changes nothing), `boutique rebuild wishlist` repairs a corrupted view and says
//! what differed, and a guest's wishlist joins the account at sign-in.

use crate::common::{self, Store, count, form, post_form};
use boutique::db::Tx;
use boutique::shop::catalog;
use std::time::{Duration, Instant};

fn product(s: &Store, slug: &str) -> i64 {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            catalog::create_simple_product(
                tx,
                slug,
                &format!("Item {slug}"),
                &slug.to_uppercase(),
                30_000,
                5,
                now,
            )
            .map(|(p, _)| p)
        })
        .unwrap()
}

fn wait_projected(s: &Store) {
    let start = Instant::now();
    while count(
        s,
        "SELECT count(*) FROM outbox WHERE kind = 'wishlist.project' AND status <> 'sent'",
    ) > 0
    {
        assert!(start.elapsed() < Duration::from_secs(10), "projected");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Saves through the heart's link and the confirmation form, as a browser without
/// JavaScript does. Returns the session cookie.
fn save(s: &Store, cookie: Option<&str>, id: i64) -> String {
    let page = common::get_as(s, &format!("/wishlist?save={id}"), cookie);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("to your wishlist?"));
    let cookie = cookie
        .map(str::to_string)
        .or_else(|| common::session_cookie(&page))
        .unwrap();
    let r = post_form(
        s,
        "/wishlist/add",
        Some(&cookie),
        &form(&[
            ("csrf_token", &common::csrf(&page.text())),
            ("product", &id.to_string()),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    cookie
}

#[test]
fn saving_projects_once_per_event_and_a_rebuild_repairs_the_view() {
    let s = Store::empty();
    let a = product(&s, "wish-a");
    let b = product(&s, "wish-b");
    // The heart is on the product page and links the confirmation.
    assert!(
        s.get("/p/wish-a")
            .text()
            .contains(&format!("/wishlist?save={a}"))
    );
    let me = save(&s, None, a);
    save(&s, Some(&me), b);
    wait_projected(&s);
    let page = common::get_as(&s, "/wishlist", Some(&me)).text();
    assert!(
        page.contains("Item wish-a") && page.contains("Item wish-b") && page.contains("₹300.00"),
        "{page}"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM wishlist_view"), 2);
    // Saving again changes nothing.
    let again = common::get_as(&s, &format!("/wishlist?save={a}"), Some(&me)).text();
    assert!(
        !again.contains("to your wishlist?"),
        "already saved: no confirmation"
    );
    // A replayed event (the same job run again) changes nothing.
    let events = count(&s, "SELECT count(*) FROM projected_events");
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute("UPDATE wishlist_view SET price = 1", [])?;
            Ok(())
        })
        .unwrap();
    s.app().db.write_tx(|tx: &Tx| {
        tx.execute("UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE kind = 'wishlist.project'", [])?;
        Ok(())
    }).unwrap();
    s.app().mail_wake().notify();
    wait_projected(&s);
    assert_eq!(count(&s, "SELECT count(*) FROM projected_events"), events);
    assert_eq!(
        count(&s, "SELECT count(*) FROM wishlist_view WHERE price = 1"),
        2,
        "replays wrote nothing"
    );
    // Corrupt it some more, rebuild, compare with the truth.
    s.app().db.write_tx(|tx: &Tx| {
        tx.execute("DELETE FROM wishlist_view WHERE product_id = ?1", [b])?;
        tx.execute("INSERT INTO wishlist_view (owner, product_id, slug, title, price, in_stock, added_at) VALUES ('c:999', ?1, 'x', 'ghost', 5, 1, 0)", [a])?;
        Ok(())
    }).unwrap();
    let r = boutique::ops::rebuild_wishlist(&s.app().db).unwrap();
    assert_eq!((r.rows, r.missing, r.stale, r.extra), (2, 1, 1, 1), "{r:?}");
    assert_eq!(
        count(&s, "SELECT count(*) FROM wishlist_view WHERE price = 30000"),
        2
    );
    let r = boutique::ops::rebuild_wishlist(&s.app().db).unwrap();
    assert_eq!(
        (r.missing, r.stale, r.extra),
        (0, 0, 0),
        "a second rebuild finds nothing"
    );
    // Removing.
    let page = common::get_as(&s, "/wishlist", Some(&me));
    let gone = post_form(
        &s,
        "/wishlist/remove",
        Some(&me),
        &form(&[
            ("csrf_token", &common::csrf(&page.text())),
            ("product", &a.to_string()),
        ]),
    );
    assert_eq!(gone.status, 303);
    wait_projected(&s);
    assert!(
        !common::get_as(&s, "/wishlist", Some(&me))
            .text()
            .contains("Item wish-a")
    );
    // Bad input: no such product, a word, no token.
    let csrf = common::csrf(&page.text());
    assert_eq!(
        post_form(
            &s,
            "/wishlist/add",
            Some(&me),
            &form(&[("csrf_token", &csrf), ("product", "424242")])
        )
        .status,
        404
    );
    assert_eq!(
        post_form(
            &s,
            "/wishlist/add",
            Some(&me),
            &form(&[("csrf_token", &csrf), ("product", "x")])
        )
        .status,
        400
    );
    assert_eq!(
        post_form(
            &s,
            "/wishlist/add",
            Some(&me),
            &form(&[("product", &b.to_string())])
        )
        .status,
        403
    );
    assert_eq!(
        common::get_as(&s, "/wishlist?save=nope", Some(&me)).status,
        400
    );
}

#[test]
fn a_guests_wishlist_joins_the_account_at_sign_in_and_stays_private() {
    let s = Store::empty();
    let a = product(&s, "guest-a");
    let guest = save(&s, None, a);
    wait_projected(&s);
    // Another visitor sees nothing of it.
    let other = common::get_as(&s, "/wishlist", None).text();
    assert!(!other.contains("Item guest-a"));
    // Signing in (in the same browser) brings it along.
    let before = common::mail_count(&s);
    let p = common::get_as(&s, "/account/sign-in", Some(&guest));
    let r = post_form(
        &s,
        "/account/sign-in",
        Some(&guest),
        &format!(
            "csrf_token={}&email=wisher@example.com",
            common::csrf(&p.text())
        ),
    );
    assert_eq!(r.status, 200);
    let (code, _, _) = common::mail(&s, before + 1);
    let r = post_form(
        &s,
        "/account/sign-in/code",
        Some(&guest),
        &format!("csrf_token={}&code={code}", common::csrf(&r.text())),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let signed = common::session_cookie(&r).unwrap();
    wait_projected(&s);
    let mine = common::get_as(&s, "/wishlist", Some(&signed)).text();
    assert!(mine.contains("Item guest-a"), "{mine}");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM wishlist_items WHERE customer_id IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM wishlist_items WHERE session_id IS NOT NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM wishlist_view WHERE owner LIKE 's:%'"
        ),
        0,
        "the guest view row went with it"
    );
}

#[test]
fn the_rebuild_command_reports_what_it_fixed() {
    let s = Store::empty();
    let a = product(&s, "cli-a");
    save(&s, None, a);
    wait_projected(&s);
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute("DELETE FROM wishlist_view", [])?;
            Ok(())
        })
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_boutique"))
        .args(["rebuild", "wishlist", "--config"])
        .arg(s.data_dir().parent().unwrap().join("store.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("1 rows; 1 missing, 0 stale, 0 left over"),
        "{text}"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM wishlist_view"), 1);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_boutique"))
        .args(["rebuild", "everything", "--config"])
        .arg(s.data_dir().parent().unwrap().join("store.toml"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn wishlist_sql_prepares_against_the_schema() {
    let s = common::shared();
    let c = s.app().db.read().unwrap();
    for q in boutique::shop::wishlist::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}
