//! Verified reviews (issue 13, first part): a delivered order's mail carries one
//! single-use link per item; the review waits for the owner (or is published at once when
//! configured), shows on the product page with "verified purchase", the average and the
//! breakdown (and in JSON-LD); reused, expired and forged links get a clear page and
//! write nothing; a draft that needs fixing comes back with the message and the text.

use crate::common::{self, BASE_CONFIG, Store, count, form, post_form, send};
use boutique::db::Tx;
use boutique::shop::catalog;
use serde_json::{Value, json};

fn api(s: &Store, path: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    let p = send(
        "POST",
        &format!("{}/api/v1{path}", s.url),
        &h,
        Some(body.to_string().into_bytes()),
    );
    assert!(p.status < 300, "{path}: {} {}", p.status, p.text());
    p.json()
}

/// Two products, one COD order of both, shipped and delivered by the owner. Returns the
/// order number and the two product slugs.
pub fn delivered(s: &Store, owner: &str, tag: &str) -> (String, [String; 2]) {
    let now = boutique::db::now();
    let slugs = [format!("shawl-{tag}"), format!("soap-{tag}")];
    let vs: Vec<i64> = slugs
        .iter()
        .map(|slug| {
            s.app()
                .db
                .write_tx(|tx: &Tx| {
                    catalog::create_simple_product(
                        tx,
                        slug,
                        &format!("Item {slug}"),
                        &slug.to_uppercase(),
                        40_000,
                        10,
                        now,
                    )
                    .map(|(_, v)| v)
                })
                .unwrap()
        })
        .collect();
    let number = deliver_order(
        s,
        owner,
        &vs,
        ("asha@example.com", "Asha Rao"),
        &format!("rev-{tag}"),
    );
    (number, slugs)
}

/// A COD order of one unit of each variant in `vs` placed by (email, name), shipped and
/// delivered by the owner. Returns its number.
pub fn deliver_order(s: &Store, owner: &str, vs: &[i64], who: (&str, &str), key: &str) -> String {
    let cart = api(s, "/carts", &[], json!({}))["token"]
        .as_str()
        .unwrap()
        .to_string();
    for v in vs {
        api(
            s,
            &format!("/carts/{cart}/items"),
            &[],
            json!({"variant_id": v, "quantity": 1}),
        );
    }
    let o = api(
        s,
        &format!("/carts/{cart}/checkout"),
        &[("Idempotency-Key", key)],
        json!({"email": who.0, "name": who.1, "phone": "+91 98765 43210",
               "address": {"line1": "12 MG Road", "city": "Pune", "postal_code": "411001", "country": "IN"},
               "payment_method": "cod"}),
    )["order"]
        .clone();
    let number = o["number"].as_str().unwrap().to_string();
    let page = common::get_signed_in(s, &format!("/admin/orders/{number}"), owner);
    let csrf = common::csrf(&page.text());
    for (action, fields) in [
        (
            "ship",
            vec![
                ("carrier", "DTDC"),
                ("tracking_number", ""),
                ("tracking_url", ""),
            ],
        ),
        ("deliver", vec![]),
    ] {
        let mut f = vec![("csrf_token", csrf.as_str())];
        f.extend(fields);
        let r = post_form(
            s,
            &format!("/admin/orders/{number}/{action}"),
            Some(owner),
            &form(&f),
        );
        assert_eq!(r.status, 303, "{action}: {}", r.text());
    }
    number
}

/// The review links of the order's mail, in line order.
pub fn links(s: &Store, number: &str) -> Vec<String> {
    let c = s.app().db.read().unwrap();
    let payload: String = c
        .query_row(
            "SELECT payload FROM outbox WHERE template = 'review-request' AND subject LIKE '%' || ?1 || '%'",
            [number],
            |r| r.get(0),
        )
        .unwrap();
    let text = serde_json::from_str::<Value>(&payload).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    let mut out: Vec<String> = Vec::new();
    for t in text
        .split_whitespace()
        .filter_map(|w| w.split("/reviews/").nth(1))
        .map(|t| t.trim_end_matches(['.', ',', ')']).to_string())
    {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn review_form(s: &Store, token: &str) -> (String, String) {
    let p = s.get(&format!("/reviews/{token}"));
    assert_eq!(p.status, 200, "{}", p.text());
    (common::session_cookie(&p).unwrap(), common::csrf(&p.text()))
}

fn send_review(s: &Store, token: &str, rating: &str, title: &str, body: &str) -> common::Page {
    let (cookie, csrf) = review_form(s, token);
    post_form(
        s,
        &format!("/reviews/{token}"),
        Some(&cookie),
        &form(&[
            ("csrf_token", &csrf),
            ("rating", rating),
            ("title", title),
            ("body", body),
        ]),
    )
}

#[test]
fn a_delivered_order_asks_for_reviews_and_the_owner_publishes_them_on_the_product_page() {
    let s = Store::empty();
    let owner = common::owner(&s);
    let (number, slugs) = delivered(&s, &owner, "a");
    let tokens = links(&s, &number);
    assert_eq!(tokens.len(), 2, "one link per item");
    assert_eq!(count(&s, "SELECT count(*) FROM review_invites"), 2);
    // Only hashes are stored.
    for t in &tokens {
        assert_eq!(
            count(
                &s,
                &format!(
                    "SELECT count(*) FROM review_invites WHERE token_hash = CAST('{t}' AS BLOB)"
                )
            ),
            0
        );
    }
    // A draft to fix comes back with the message and the text; nothing is written.
    let bad = send_review(&s, &tokens[0], "9", "Warm", "Soft <b>and</b> warm.");
    assert_eq!(bad.status, 400);
    assert!(
        bad.text().contains("rating from 1 to 5")
            && bad.text().contains("Soft &lt;b&gt;and&lt;/b&gt; warm.")
    );
    assert_eq!(count(&s, "SELECT count(*) FROM reviews"), 0);
    let empty = send_review(&s, &tokens[0], "4", "Warm", "   ");
    assert_eq!(empty.status, 400);
    assert!(empty.text().contains("Write a few words"));
    let long = send_review(&s, &tokens[0], "4", &"t".repeat(121), "ok");
    assert_eq!(long.status, 400);
    // A good one: thank you, waiting for the owner, not on the product page yet.
    let ok = send_review(
        &s,
        &tokens[0],
        "4",
        "Warm <script>x</script>",
        "Soft <b>and</b> warm.\n\nWorth it.",
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert!(ok.text().contains("Thank you for your review"));
    assert_eq!(
        count(&s, "SELECT count(*) FROM reviews WHERE status = 'pending'"),
        1
    );
    let product = format!("/p/{}", slugs[0]);
    assert!(s.get(&product).text().contains("No reviews yet"));
    // The link is spent: a clear page, nothing written.
    let again = s.get(&format!("/reviews/{}", tokens[0]));
    assert_eq!(again.status, 409);
    assert!(again.text().contains("already used"));
    let twice = post_form(
        &s,
        &format!("/reviews/{}", tokens[0]),
        None,
        "rating=5&title=x&body=y",
    );
    assert!(
        twice.status >= 400 && twice.status < 500,
        "{}",
        twice.status
    );
    assert_eq!(count(&s, "SELECT count(*) FROM reviews"), 1);
    // Forged: the same page as none.
    assert_eq!(s.get("/reviews/not-a-token").status, 404);
    assert_eq!(s.get(&format!("/reviews/{}x", tokens[1])).status, 404);
    // Expired.
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute(
                "UPDATE review_invites SET expires_at = 1 WHERE used_at IS NULL",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let old = s.get(&format!("/reviews/{}", tokens[1]));
    assert_eq!(old.status, 409);
    assert!(old.text().contains("expired"));
    // The owner publishes it and replies.
    let list = common::get_signed_in(&s, "/admin/reviews?status=pending", &owner);
    assert!(
        list.text().contains("Warm &lt;script&gt;"),
        "HTML shown as text"
    );
    let csrf = common::csrf(&list.text());
    let id = count(&s, "SELECT id FROM reviews");
    let r = post_form(
        &s,
        &format!("/admin/reviews/{id}/publish"),
        Some(&owner),
        &form(&[("csrf_token", &csrf)]),
    );
    assert_eq!(r.status, 303);
    let r = post_form(
        &s,
        &format!("/admin/reviews/{id}/reply"),
        Some(&owner),
        &form(&[("csrf_token", &csrf), ("reply", "Thank you, Asha!")]),
    );
    assert_eq!(r.status, 303);
    let page = s.get(&product).text();
    assert!(
        page.contains("Verified purchase") && page.contains("Asha R."),
        "{page}"
    );
    assert!(page.contains("data-average=\"4.0\"") && page.contains("data-count=\"1\""));
    assert!(page.contains("Soft &lt;b&gt;and&lt;/b&gt; warm.") && !page.contains("<b>and</b>"));
    assert!(page.contains("Thank you, Asha!"));
    assert!(
        page.contains("\"aggregateRating\"") && page.contains("\"reviewCount\":1"),
        "JSON-LD"
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE action IN ('review_published', 'review_replied')"
        ),
        2
    );
    // Hidden: gone from the page.
    let r = post_form(
        &s,
        &format!("/admin/reviews/{id}/hide"),
        Some(&owner),
        &form(&[("csrf_token", &csrf)]),
    );
    assert_eq!(r.status, 303);
    assert!(s.get(&product).text().contains("No reviews yet"));
    // Bad input to the owner's forms.
    assert_eq!(
        post_form(
            &s,
            "/admin/reviews/x/publish",
            Some(&owner),
            &form(&[("csrf_token", &csrf)])
        )
        .status,
        404
    );
    assert_eq!(
        post_form(
            &s,
            &format!("/admin/reviews/{id}/delete"),
            Some(&owner),
            &form(&[("csrf_token", &csrf)])
        )
        .status,
        404
    );
    assert_eq!(
        common::get_signed_in(&s, "/admin/reviews?status=nope", &owner).status,
        400
    );
}

#[test]
fn auto_publish_puts_a_review_on_the_page_at_once_and_the_average_counts_every_review() {
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[reviews]\nauto_publish = true\nlink_days = 7\n"),
        false,
    );
    let owner = common::owner(&s);
    let (first, slugs) = delivered(&s, &owner, "b");
    let t = links(&s, &first);
    let ok = send_review(&s, &t[0], "5", "Perfect", "Exactly as shown.");
    assert!(ok.text().contains("on the product page now"));
    // A second order of the same product: another verified review.
    let now = boutique::db::now();
    let expires: i64 = count(&s, "SELECT max(expires_at) FROM review_invites");
    assert!((expires - now - 7 * 86_400).abs() < 60, "link_days = 7");
    let v = count(
        &s,
        &format!(
            "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = '{}'",
            slugs[0]
        ),
    );
    let number = deliver_order(&s, &owner, &[v], ("ravi@example.com", "Ravi"), "rev-b2");
    let t2 = links(&s, &number);
    assert_eq!(t2.len(), 1);
    assert_eq!(
        send_review(&s, &t2[0], "2", "Smaller than I hoped", "Nice, but small.").status,
        200
    );
    let html = s.get(&format!("/p/{}", slugs[0])).text();
    assert!(
        html.contains("data-average=\"3.5\"") && html.contains("data-count=\"2\""),
        "{html}"
    );
    assert!(html.contains("Ravi") && html.contains("Asha R."));
}

#[test]
fn review_sql_prepares_against_the_schema() {
    let s = common::shared();
    let c = s.app().db.read().unwrap();
    for q in boutique::shop::reviews::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

#[test]
fn reviews_sort_and_page_and_show_on_cards_and_in_the_account() {
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[reviews]\nauto_publish = true\n"),
        false,
    );
    let owner = common::owner(&s);
    let (number, slugs) = delivered(&s, &owner, "c");
    let t = links(&s, &number);
    assert_eq!(
        send_review(&s, &t[0], "3", "Fine", "It is fine.").status,
        200
    );
    // Twenty-four more published reviews of the same product, written straight in (each
    // still tied to an order line of its own, as the schema requires one per line).
    let pid = count(
        &s,
        &format!("SELECT id FROM products WHERE slug = '{}'", slugs[0]),
    );
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            let line: i64 = tx.query_row("SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = ?1 AND l.product_id = ?2", rusqlite::params![number, pid], |r| r.get(0))?;
            let order: i64 = tx.query_row("SELECT order_id FROM order_lines WHERE id = ?1", [line], |r| r.get(0))?;
            for i in 0..24i64 {
                tx.execute(
                    "INSERT INTO reviews (order_line_id, order_id, product_id, product_title, author, email, rating, title, body, status, created_at, updated_at) VALUES (NULL, ?1, ?2, 'x', 'Someone', 'x@example.com', ?3, ?4, 'Body', 'published', ?5, ?5)",
                    rusqlite::params![order, pid, 1 + i % 5, format!("Review {i}"), 1_000 + i],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let url = format!("/p/{}", slugs[0]);
    let first = s.get(&url).text();
    assert!(first.contains("data-count=\"25\""));
    assert_eq!(first.matches("class=\"review\"").count(), 10, "one page");
    let next = first
        .split("id=\"more-reviews\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = s.get(&next).text();
    assert_eq!(second.matches("class=\"review\"").count(), 10);
    let third_url = second
        .split("id=\"more-reviews\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let third = s.get(&third_url).text();
    assert_eq!(third.matches("class=\"review\"").count(), 5);
    assert!(!third.contains("more-reviews"));
    // No review on two pages.
    let titles = |h: &str| -> Vec<String> {
        h.split("<strong>")
            .skip(1)
            .filter_map(|x| x.split("</strong>").next())
            .filter(|t| t.starts_with("Review ") || *t == "Fine")
            .map(str::to_string)
            .collect()
    };
    let mut all: Vec<String> = [titles(&first), titles(&second), titles(&third)].concat();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 25);
    // Highest and lowest first.
    let high = s.get(&format!("{url}?reviews=highest")).text();
    let ratings = |h: &str| -> Vec<i64> {
        h.split("data-rating=\"")
            .skip(1)
            .map(|x| x[..1].parse().unwrap())
            .collect()
    };
    let r = ratings(&high);
    assert!(r.windows(2).all(|w| w[0] >= w[1]) && r[0] == 5, "{r:?}");
    let low = ratings(&s.get(&format!("{url}?reviews=lowest")).text());
    assert!(
        low.windows(2).all(|w| w[0] <= w[1]) && low[0] == 1,
        "{low:?}"
    );
    assert_eq!(s.get(&format!("{url}?reviews=best")).status, 400);
    assert_eq!(s.get(&format!("{url}?after=nonsense")).status, 400);
    // Category and listing cards show the stars.
    let home = s.get("/search?q=shawl").text();
    assert!(home.contains("card-stars"), "stars on the card");
    // The shopper's account lists their review.
    let me = common::sign_in(&s, "asha@example.com");
    let mine = common::get_signed_in(&s, "/account/reviews", &me).text();
    assert!(
        mine.contains("Fine") && mine.contains("On the product page"),
        "{mine}"
    );
}

/// The review form as the browser sends it: multipart, with an optional photo.
fn send_with_photo(s: &Store, token: &str, fields: &[(&str, &str)], photo: &[u8]) -> common::Page {
    let (cookie, csrf) = review_form(s, token);
    let b = "----boutiqueReviewBoundary";
    let mut body = Vec::new();
    for (k, v) in [("csrf_token", csrf.as_str())].iter().chain(fields) {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"../x.html\"\r\nContent-Type: text/html\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(photo);
    body.extend(format!("\r\n--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    send(
        "POST",
        &format!("{}/reviews/{token}", s.url),
        &[("Content-Type", ct.as_str()), ("Cookie", cookie.as_str())],
        Some(body),
    )
}

#[test]
fn a_review_photo_is_judged_by_its_bytes_and_shown_as_a_webp_thumbnail() {
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[reviews]\nauto_publish = true\n"),
        false,
    );
    let owner = common::owner(&s);
    let (number, slugs) = delivered(&s, &owner, "d");
    let t = links(&s, &number);
    let fields = [
        ("rating", "5"),
        ("title", "Lovely colour"),
        ("body", "Line one.\r\n\r\nLine two."),
    ];
    // Not a picture, whatever its name says: the form again, nothing written.
    let bad = send_with_photo(&s, &t[0], &fields, b"<html>not an image</html>");
    assert_eq!(bad.status, 415, "{}", bad.text());
    assert!(
        bad.text().contains("Lovely colour"),
        "what was typed is kept"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM reviews"), 0);
    let ok = send_with_photo(&s, &t[0], &fields, &common::png(300, 200, 90));
    assert_eq!(ok.status, 200, "{}", ok.text());
    let hash = {
        let c = s.app().db.read().unwrap();
        c.query_row(
            "SELECT i.hash FROM reviews r JOIN images i ON i.id = r.image_id",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap()
    };
    let page = s.get(&format!("/p/{}", slugs[0])).text();
    assert!(page.contains(&format!("/img/{hash}-160.webp")), "{page}");
    assert!(
        page.contains("<p>Line one.</p><p>Line two.</p>"),
        "CRLF from the form became paragraphs"
    );
    let img = s.get(&format!("/img/{hash}-160.webp"));
    assert_eq!(img.status, 200);
    assert!(img.body.starts_with(b"RIFF"));
    // Without a photo, multipart works too.
    let plain = send_with_photo(
        &s,
        &t[1],
        &[("rating", "4"), ("title", "Good"), ("body", "Nice soap.")],
        b"",
    );
    assert_eq!(plain.status, 200, "{}", plain.text());
    assert_eq!(
        count(&s, "SELECT count(*) FROM reviews WHERE image_id IS NULL"),
        1
    );
}

#[test]
fn a_review_outlives_its_deleted_product_and_keeps_its_order_link() {
    let s = Store::empty();
    let owner = common::owner(&s);
    let (number, slugs) = delivered(&s, &owner, "gone");
    let t = links(&s, &number);
    let r = send_review(&s, &t[0], "4", "Soft <b>and</b> warm", "Lovely.");
    assert_eq!(r.status, 200, "{}", r.text());
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute("DELETE FROM products WHERE slug = ?1", [&slugs[0]])?;
            Ok(())
        })
        .unwrap();
    let page = common::get_signed_in(&s, "/admin/reviews", &owner).text();
    assert!(page.contains(&format!("/admin/orders/{number}")), "{page}");
    assert!(page.contains(&format!("Item {}", slugs[0])));
    // HTML typed into a review is shown as text.
    assert!(page.contains("Soft &lt;b&gt;and&lt;/b&gt; warm"));
    assert_eq!(
        count(&s, "SELECT count(*) FROM reviews WHERE product_id IS NULL"),
        1
    );
}
