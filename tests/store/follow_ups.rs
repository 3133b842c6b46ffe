//! The mails that bring shoppers back (issue 13, third part): back-in-stock alerts
//! confirmed by link and sent once; price drops to wishers who agreed; an abandoned
//! checkout reminded once with the bag restored by link and the order credited to the
//! mail; reorder reminders after delivery of consumable products; the one-click
//! unsubscribe (RFC 8058 headers, honoured at once); the account's mail preferences and
//! coupons; the admin's record of what each flow sent and brought back; bad links and
//! bad input answered with a clear page and nothing written. Sweeps run at an injected
//! time, as the sweeper thread would run them later.

use crate::common::{self, BASE_CONFIG, Store, count, form, post_form};
use crate::orders_html::{address, checkout, placed, shopper};
use boutique::db::Tx;
use boutique::service::follow_ups::{Swept, sweep};
use boutique::shop::catalog;
use serde_json::Value;

/// A one-variant product with `stock` units at `price`; returns (product, variant).
fn product(s: &Store, slug: &str, price: i64, stock: i64) -> (i64, i64) {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            catalog::create_simple_product(
                tx,
                slug,
                &format!("Item {slug}"),
                &slug.to_uppercase(),
                price,
                stock,
                now,
            )
        })
        .unwrap()
}

fn restock(s: &Store, variant: i64, delta: i64) {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            catalog::adjust_stock(
                tx,
                variant,
                delta,
                if delta > 0 { "received" } else { "correction" },
                "owner",
                "",
                now,
            )
            .map(|_| ())
        })
        .unwrap();
}

fn set_price(s: &Store, variant: i64, price: i64) {
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute(
                "UPDATE variants SET price = ?2 WHERE id = ?1",
                [variant, price],
            )?;
            Ok(())
        })
        .unwrap();
}

/// The text part of the newest queued mail made by `template` to `to`.
fn mail_text(s: &Store, template: &str, to: &str) -> String {
    let c = s.app().db.read().unwrap();
    let payload: String = c
        .query_row(
            "SELECT payload FROM outbox WHERE template = ?1 AND recipient = ?2 ORDER BY id DESC LIMIT 1",
            [template, to],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| panic!("no {template} mail to {to}"));
    serde_json::from_str::<Value>(&payload).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string()
}

fn mails(s: &Store, template: &str) -> i64 {
    count(
        s,
        &format!("SELECT count(*) FROM outbox WHERE template = '{template}'"),
    )
}

/// The store-relative path of the first `{prefix}…` link in `text`.
fn link(text: &str, prefix: &str) -> String {
    let i = text
        .find(&format!("http://shop.test{prefix}"))
        .unwrap_or_else(|| panic!("no {prefix} link in {text}"))
        + "http://shop.test".len();
    text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_.".contains(*c))
        .collect()
}

fn swept(s: &Store, at: i64) -> Swept {
    sweep(s.app(), at).unwrap()
}

#[test]
fn back_in_stock_is_confirmed_by_link_sent_once_and_one_click_unsubscribe_is_honoured() {
    let s = Store::empty();
    let (p, v) = product(&s, "saffron-tin", 45_000, 0);
    let (_, other) = product(&s, "honey-jar", 30_000, 4);
    let page = s.get("/p/saffron-tin").text();
    assert!(page.contains(&format!("/alerts?product={p}")), "{page}");
    assert!(!s.get("/p/honey-jar").text().contains("/alerts?"));

    let form_page = common::get_as(&s, &format!("/alerts?product={p}"), None);
    assert_eq!(form_page.status, 200, "{}", form_page.text());
    let cookie = common::session_cookie(&form_page).unwrap();
    let csrf = common::csrf(&form_page.text());
    let ask = |email: &str, variant: i64| {
        post_form(
            &s,
            "/alerts",
            Some(&cookie),
            &form(&[
                ("csrf_token", &csrf),
                ("variant", &variant.to_string()),
                ("email", email),
            ]),
        )
    };
    // A bad address: the form again with the message, nothing written.
    let bad = ask("not-an-email", v);
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("valid email"), "{}", bad.text());
    assert!(bad.text().contains("Email me when it is back"));
    // An in-stock variant cannot be asked for.
    assert_eq!(ask("meera@example.com", other).status, 409);
    assert_eq!(count(&s, "SELECT count(*) FROM stock_alerts"), 0);

    let ok = ask("Meera@Example.com", v);
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("Check your inbox"));
    let text = mail_text(&s, "back-in-stock-confirm", "meera@example.com");
    let confirm = link(&text, "/alerts/confirm/");
    // Forged: a clear 404. Opening the real link shows a button and confirms nothing.
    assert_eq!(
        common::get_as(&s, "/alerts/confirm/forged", None).status,
        404
    );
    let opened = common::get_as(&s, &confirm, None);
    assert_eq!(opened.status, 200);
    assert!(opened.text().contains("Yes, tell me"));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM stock_alerts WHERE confirmed_at IS NOT NULL"
        ),
        0
    );
    let c2 = common::session_cookie(&opened).unwrap();
    let r = post_form(
        &s,
        &confirm,
        Some(&c2),
        &form(&[("csrf_token", &common::csrf(&opened.text()))]),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("You are on the list"));
    // Asking again is "already on the list", with no second confirmation mail.
    assert!(
        ask("meera@example.com", v)
            .text()
            .contains("already on the list")
    );
    assert_eq!(mails(&s, "back-in-stock-confirm"), 1);

    // Still sold out: nothing to send.
    let now = boutique::db::now();
    assert_eq!(swept(&s, now).back_in_stock, 0);
    restock(&s, v, 3);
    assert_eq!(swept(&s, now).back_in_stock, 1);
    assert_eq!(swept(&s, now + 60).back_in_stock, 0, "told once");
    restock(&s, v, -3);
    restock(&s, v, 2);
    assert_eq!(swept(&s, now + 120).back_in_stock, 0, "once per request");
    assert_eq!(mails(&s, "back-in-stock"), 1);

    // The mail went out with the RFC 8058 headers and a visible unsubscribe line.
    let eml = wait_eml(&s, "Subject: Item saffron-tin is back in stock");
    assert!(
        eml.contains("List-Unsubscribe: <http://shop.test/unsubscribe/"),
        "{eml}"
    );
    assert!(eml.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let text = mail_text(&s, "back-in-stock", "meera@example.com");
    assert!(text.contains("To stop these mails"));

    // Its button: the click is counted, then one button puts it in the bag.
    let go = link(&text, "/go/");
    let shown = common::get_as(&s, &go, None);
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert!(shown.text().contains("Item saffron-tin"));
    let buyer = common::session_cookie(&shown).unwrap();
    let r = post_form(
        &s,
        &go,
        Some(&buyer),
        &form(&[("csrf_token", &common::csrf(&shown.text()))]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let bag = common::get_as(&s, "/cart", Some(&buyer)).text();
    assert!(bag.contains("Item saffron-tin"), "{bag}");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM flow_sends WHERE clicked_at IS NOT NULL"
        ),
        1
    );

    // One-click unsubscribe: a POST with no cookie, as a mail client sends it.
    let unsub = link(&text, "/unsubscribe/");
    assert_eq!(
        common::send(
            "POST",
            &format!("{}/unsubscribe/1.00ff", s.url),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(b"List-Unsubscribe=One-Click".to_vec()),
        )
        .status,
        404,
        "a forged token"
    );
    // RFC 8058 lets the client send it as multipart/form-data too.
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
    let r = common::send(
        "POST",
        &format!("{}{unsub}", s.url),
        &[("Content-Type", "multipart/form-data; boundary=XyZ")],
        Some(body.to_vec()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM mail_prefs WHERE email = 'meera@example.com' AND unsubscribed_at IS NOT NULL"
        ),
        1
    );
    // The page says so; a POST without the one-click body needs the page's CSRF token.
    let p = common::get_as(&s, &unsub, None);
    assert!(p.text().contains("You are unsubscribed"), "{}", p.text());
    let r = common::send(
        "POST",
        &format!("{}{unsub}", s.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"x=1".to_vec()),
    );
    assert_eq!(r.status, 403);
}

/// The .eml whose subject contains `subject`, once the worker has written it.
fn wait_eml(s: &Store, subject: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        for e in std::fs::read_dir(s.data_dir().join("mail"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
            if raw.contains(subject) {
                return raw;
            }
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "no mail {subject:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn price_drops_reach_wishers_who_agreed_once_per_drop_under_the_daily_throttle() {
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[follow_ups]\nmails_per_address_per_day = 1\n"),
        false,
    );
    let (p, v) = product(&s, "linen-throw", 30_000, 5);
    let save = |cookie: &str| {
        let page = common::get_as(&s, &format!("/wishlist?save={p}"), Some(cookie));
        let r = post_form(
            &s,
            "/wishlist/add",
            Some(cookie),
            &form(&[
                ("csrf_token", &common::csrf(&page.text())),
                ("product", &p.to_string()),
            ]),
        );
        assert_eq!(r.status, 303);
    };
    let asha = common::sign_in(&s, "asha@example.com");
    let ravi = common::sign_in(&s, "ravi@example.com");
    // Asha agrees in her account; Ravi does not.
    let prefs = common::get_signed_in(&s, "/account/mail", &asha);
    assert_eq!(prefs.status, 200);
    assert!(!prefs.text().contains("checked"));
    let r = post_form(
        &s,
        "/account/mail",
        Some(&asha),
        &form(&[
            ("csrf_token", &common::csrf(&prefs.text())),
            ("marketing", "1"),
        ]),
    );
    assert_eq!(r.status, 303);
    assert!(
        common::get_signed_in(&s, "/account/mail?saved=1", &asha)
            .text()
            .contains("checked")
    );
    save(&asha);
    save(&ravi);
    let now = boutique::db::now();
    assert_eq!(swept(&s, now).price_drops, 0, "no drop yet");

    set_price(&s, v, 25_000);
    let out = swept(&s, now);
    assert_eq!(out.price_drops, 1);
    assert!(out.wishlist_products >= 1, "the view follows the price");
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM wishlist_view WHERE product_id = {p} AND price = 25000")
        ),
        2
    );
    let text = mail_text(&s, "price-drop", "asha@example.com");
    assert!(text.contains("₹250"), "{text}");
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM flow_sends WHERE email = 'ravi@example.com' AND status = 'skipped' AND reason = 'no consent'"
        ),
        1
    );
    assert_eq!(swept(&s, now + 60).price_drops, 0, "once per drop");
    // A rise and a fall back to the price she was told of is not news.
    set_price(&s, v, 28_000);
    set_price(&s, v, 25_000);
    assert_eq!(swept(&s, now + 120).price_drops, 0);
    // A further drop waits for the daily throttle, then goes.
    set_price(&s, v, 20_000);
    assert_eq!(swept(&s, now + 180).price_drops, 0, "throttled");
    assert_eq!(swept(&s, now + 86_500).price_drops, 1);
    assert_eq!(mails(&s, "price-drop"), 2);
}

#[test]
fn an_abandoned_checkout_is_reminded_once_and_the_order_from_its_link_is_credited() {
    let s = Store::empty();
    let (_, v) = product(&s, "ghee-jar", 60_000, 8);
    let owner = common::owner(&s);
    // A guest who agreed at checkout, then left.
    let leaver = shopper(&s);
    assert_eq!(leaver.add(&s, v, 2).status, 303);
    assert!(
        leaver
            .get(&s, "/checkout")
            .text()
            .contains("name=\"marketing\"")
    );
    let r = leaver.post(
        &s,
        "/checkout/contact",
        &[("email", "kiran@example.com"), ("marketing", "1")],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // One who did not agree: remembered, never mailed.
    let quiet = shopper(&s);
    quiet.add(&s, v, 1);
    quiet.post(&s, "/checkout/contact", &[("email", "quiet@example.com")]);
    // One who ordered after giving the address: no reminder.
    let buyer = shopper(&s);
    buyer.add(&s, v, 1);
    buyer.post(
        &s,
        "/checkout/contact",
        &[("email", "done@example.com"), ("marketing", "1")],
    );
    placed(&checkout(
        &s,
        &buyer,
        &address("done@example.com", "+91 98765 43210", "cod"),
    ));
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM follow_ups WHERE flow = 'abandoned_checkout'"
        ),
        2
    );

    let now = boutique::db::now();
    assert_eq!(swept(&s, now + 3 * 3600).abandoned, 0, "not yet");
    assert_eq!(swept(&s, now + 4 * 3600 + 5).abandoned, 1);
    assert_eq!(swept(&s, now + 5 * 3600).abandoned, 0, "one reminder");
    assert_eq!(mails(&s, "abandoned-checkout"), 1);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM flow_sends WHERE email = 'quiet@example.com' AND reason = 'no consent'"
        ),
        1
    );

    // The link restores the bag on another device, and the order placed from it counts.
    let text = mail_text(&s, "abandoned-checkout", "kiran@example.com");
    assert!(text.contains("2 items"), "{text}");
    let go = link(&text, "/go/");
    let phone = shopper(&s);
    let shown = phone.get(&s, &go);
    assert_eq!(shown.status, 200);
    assert!(shown.text().contains("2 × "), "{}", shown.text());
    assert_eq!(phone.post(&s, &go, &[]).status, 303);
    assert!(phone.get(&s, "/cart").text().contains("Item ghee-jar"));
    let order = placed(&checkout(
        &s,
        &phone,
        &address("kiran@example.com", "+91 98765 43210", "cod"),
    ));
    assert_eq!(
        count(
            &s,
            &format!(
                "SELECT count(*) FROM flow_sends s JOIN orders o ON o.id = s.order_id WHERE o.number = '{}' AND s.flow = 'abandoned_checkout'",
                order.number
            )
        ),
        1
    );
    let admin = common::get_signed_in(&s, "/admin/flows", &owner);
    assert_eq!(admin.status, 200);
    let html = admin.text();
    let row = &html[html.find("data-flow=\"abandoned_checkout\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    // Sent 1, passed over 1, followed 1, orders 1, and the order's total (2 × ₹600 + shipping + COD fee).
    assert!(
        row.contains("<td>1</td><td>1</td><td>1</td><td>1</td>"),
        "{row}"
    );
    assert!(row.contains("₹1,348.00"), "{row}");
    assert!(html.contains(&order.number));
    assert_eq!(
        common::get_signed_in(&s, "/admin/flows?flow=nope", &owner).status,
        400
    );
}

#[test]
fn a_reorder_reminder_follows_delivery_of_consumable_products() {
    let s = Store::empty();
    let owner = common::owner(&s);
    let (p, v) = product(&s, "face-oil", 90_000, 10);
    let (_, scarf) = product(&s, "silk-scarf", 70_000, 10);
    // The owner marks it consumable in the product editor.
    let edit = common::get_signed_in(&s, &format!("/admin/products/{p}"), &owner);
    assert!(edit.text().contains("name=\"consumable\""));
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute("UPDATE products SET consumable = 1 WHERE id = ?1", [p])?;
            Ok(())
        })
        .unwrap();
    boutique::service::follow_ups::set_marketing(s.app(), "asha@example.com", true).unwrap();
    crate::reviews::deliver_order(
        &s,
        &owner,
        &[v, scarf],
        ("asha@example.com", "Asha Rao"),
        "reorder-1",
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM follow_ups WHERE flow = 'reorder'"),
        1
    );
    let now = boutique::db::now();
    assert_eq!(swept(&s, now + 29 * 86_400).reorders, 0);
    assert_eq!(swept(&s, now + 30 * 86_400 + 5).reorders, 1);
    assert_eq!(swept(&s, now + 31 * 86_400).reorders, 0);
    let text = mail_text(&s, "reorder", "asha@example.com");
    assert!(text.contains("Item face-oil"), "{text}");
    assert!(!text.contains("silk-scarf"), "only the consumable one");
    let go = link(&text, "/go/");
    let sh = shopper(&s);
    assert!(sh.get(&s, &go).text().contains("1 × "));
}

#[test]
fn the_account_lists_usable_coupons_and_bad_links_write_nothing() {
    let s = Store::empty();
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute_batch(&format!(
                "INSERT INTO coupons (code, kind, value, created_at) VALUES ('WELCOME10', 'percent', 10, {now});
                 INSERT INTO coupons (code, kind, value, ends_at, created_at) VALUES ('OLDDEAL', 'percent', 20, {}, {now});
                 INSERT INTO coupons (code, kind, value, max_redemptions, redeemed, created_at) VALUES ('GONE', 'fixed', 100, 1, 1, {now});",
                now - 10
            ))?;
            Ok(())
        })
        .unwrap();
    let me = common::sign_in(&s, "asha@example.com");
    let account = common::get_signed_in(&s, "/account", &me).text();
    assert!(account.contains("/account/coupons") && account.contains("/account/mail"));
    let page = common::get_signed_in(&s, "/account/coupons", &me).text();
    assert!(page.contains("WELCOME10"), "{page}");
    assert!(!page.contains("OLDDEAL") && !page.contains("GONE"));
    assert_eq!(common::get_as(&s, "/account/coupons", None).status, 303);

    for (path, status) in [
        ("/alerts?product=abc", 400),
        ("/alerts?variant=999999", 404),
        ("/alerts", 400),
        ("/go/forged-token", 404),
        ("/unsubscribe/garbage", 404),
        ("/unsubscribe/1.00", 404),
        ("/alerts/confirm/x", 404),
    ] {
        assert_eq!(common::get_as(&s, path, None).status, status, "{path}");
    }
    let r = common::send(
        "POST",
        &format!("{}/checkout/contact", s.url),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"email=a%40b.test".to_vec()),
    );
    assert_eq!(r.status, 403, "no CSRF");
    for table in ["stock_alerts", "flow_sends", "follow_ups"] {
        assert_eq!(
            count(&s, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
}
