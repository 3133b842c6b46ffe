//! The owner's product screens through the real pages (`/admin/products`): create with a
//! generated variant matrix, images, the inline price/stock edit, variant edits, status,
//! hard delete (refused while an order points at the product), the list's search, filters
//! and cursor, and who may do any of it. Each write is checked against what the database
//! holds afterwards: the audit log, the stock ledger, images — so a refusal is proven to
//! have written nothing.

use crate::common;
use crate::common::{ledger_balanced, png, staff};
use common::form;
use common::{get_as as get, post_from};

use boutique::shop::catalog;
use common::{Page, Store, csrf, post_form, send, sign_in};

/// Where a form sent the browser, without the `done` notice it carries (tested below).
fn location(p: &Page) -> String {
    let l = p
        .header("location")
        .unwrap_or_else(|| panic!("no Location ({}): {}", p.status, p.text()));
    l.split("?done=").next().unwrap_or(l).to_string()
}

fn now() -> i64 {
    boutique::db::now()
}

fn scalar<T: rusqlite::types::FromSql>(s: &Store, sql: &str, p: impl rusqlite::Params) -> T {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(sql, p, |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn count(s: &Store, sql: &str) -> i64 {
    scalar(s, sql, [])
}

fn audits(s: &Store) -> i64 {
    count(s, "SELECT count(*) FROM audit_log")
}

fn product(s: &Store, slug: &str, title: &str, price: i64, stock: i64) -> (i64, i64) {
    let sku = slug.to_uppercase();
    s.app()
        .db
        .write_tx(|tx| catalog::create_simple_product(tx, slug, title, &sku, price, stock, now()))
        .unwrap()
}

/// Posts the edit page's multipart image upload with these files.
fn upload(s: &Store, cookie: &str, pid: i64, token: Option<&str>, files: &[&[u8]]) -> Page {
    let b = "----adminProductsBoundary42";
    let mut body = Vec::new();
    if let Some(t) = token {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{t}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nFront view\r\n")
            .as_bytes(),
    );
    for f in files {
        body.extend(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"../x.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(f);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    send(
        "POST",
        &format!("{}/admin/products/{pid}/images", s.url),
        &[("Content-Type", ct.as_str()), ("Cookie", cookie)],
        Some(body),
    )
}

fn edit_token(s: &Store, cookie: &str, pid: i64) -> String {
    csrf(&get(s, &format!("/admin/products/{pid}"), Some(cookie)).text())
}

fn images_of(s: &Store, pid: i64) -> i64 {
    scalar(
        s,
        "SELECT count(*) FROM product_images WHERE product_id = ?1",
        [pid],
    )
}

#[test]
fn owner_creates_a_product_with_a_variant_matrix_and_images_and_shoppers_see_it() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let before = audits(&s);
    let r = post_from(
        &s,
        &owner,
        "/admin/products/new",
        "/admin/products",
        &[
            ("title", "Linen Shirt"),
            ("slug", ""),
            ("description", "Breathable linen."),
            ("category", ""),
            ("status", "active"),
            ("option1_name", "Size"),
            ("option1_values", "S, M"),
            ("option2_name", ""),
            ("option2_values", ""),
            ("option3_name", ""),
            ("option3_values", ""),
            ("sku_prefix", "LIN"),
            ("price", "1,299.50"),
            ("compare_at", "1499"),
            ("stock", "4"),
            ("threshold", "2"),
            ("weight", "250"),
            ("seo_title", "Linen shirt for summer"),
            ("seo_description", "A shirt."),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let pid: i64 = location(&r)
        .strip_prefix("/admin/products/")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(audits(&s), before + 1);
    let skus: Vec<(String, i64, i64)> = {
        let c = s.app().db.read().unwrap();
        let mut st = c
            .prepare(
                "SELECT sku, price, stock FROM variants WHERE product_id = ?1 ORDER BY position",
            )
            .unwrap();
        st.query_map([pid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        skus,
        vec![
            ("LIN-S".to_string(), 129_950, 4),
            ("LIN-M".to_string(), 129_950, 4)
        ]
    );
    ledger_balanced(&s);

    // Two images in one upload, then reorder and caption them.
    let token = edit_token(&s, &owner, pid);
    let r = upload(
        &s,
        &owner,
        pid,
        Some(&token),
        &[&png(40, 30, 200), &png(30, 40, 20)],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(images_of(&s, pid), 2);
    assert_eq!(audits(&s), before + 2);
    let ids: Vec<i64> = {
        let c = s.app().db.read().unwrap();
        let mut st = c
            .prepare("SELECT image_id FROM product_images WHERE product_id = ?1 ORDER BY position")
            .unwrap();
        st.query_map([pid], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let (pa, pb) = (format!("position_{a}"), format!("position_{b}"));
    let alt_b = format!("alt_{b}");
    let edit = format!("/admin/products/{pid}");
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/images/update"),
        &[
            ("image", &a),
            (&pa, "5"),
            ("image", &b),
            (&pb, "1"),
            (&alt_b, "Back view"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let first: i64 = scalar(
        &s,
        "SELECT image_id FROM product_images WHERE product_id = ?1 ORDER BY position LIMIT 1",
        [pid],
    );
    assert_eq!(first, ids[1]);
    assert_eq!(audits(&s), before + 3);

    // The storefront shows it, its options and its picture; search finds it by title and SKU.
    let page = s.get("/p/linen-shirt");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Linen Shirt"));
    assert!(html.contains("Linen shirt for summer"), "SEO title");
    assert!(html.contains("/img/"), "the product's image");
    assert!(html.contains("Back view"));
    let found = s.get("/search?q=linen").text();
    assert!(found.contains("href=\"/p/linen-shirt\""), "{found}");
    let found = s.get("/search?q=LIN-M").text();
    assert!(found.contains("href=\"/p/linen-shirt\""));

    // Remove one image; draft takes it out of the shop; publish brings it back.
    let r = post_from(&s, &owner, &edit, &format!("{edit}/images/{a}/delete"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(images_of(&s, pid), 1);
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/status"),
        &[("status", "draft")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(s.get("/p/linen-shirt").status, 404);
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/status"),
        &[("status", "active")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(s.get("/p/linen-shirt").status, 200);
    assert_eq!(audits(&s), before + 6);

    // The details form: new title and address.
    let details = [
        ("title", "Linen Shirt II"),
        ("slug", "linen-shirt-2"),
        ("description", "Now softer."),
        ("category", ""),
        ("status", "active"),
        ("seo_title", ""),
        ("seo_description", ""),
    ];
    let r = post_from(&s, &owner, &edit, &edit, &details);
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(s.get("/p/linen-shirt-2").text().contains("Linen Shirt II"));
    assert_eq!(audits(&s), before + 7);
    let said: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT summary FROM audit_log WHERE action = 'product.update' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        said.starts_with("title Linen Shirt → Linen Shirt II, address linen-shirt → linen-shirt-2"),
        "{said}"
    );
    assert!(
        !said.contains("status"),
        "an unchanged field is not named: {said}"
    );
    // The same form saved again changes nothing and logs nothing.
    let r = post_from(&s, &owner, &edit, &edit, &details);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        audits(&s),
        before + 7,
        "a save that changed nothing is not logged"
    );
    // A bad address comes back to the page with the reason and writes nothing.
    let r = post_from(
        &s,
        &owner,
        &edit,
        &edit,
        &[("title", "X"), ("slug", "Bad Slug!"), ("status", "active")],
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not a valid address"));
    assert_eq!(audits(&s), before + 7);
}

#[test]
fn variant_table_and_inline_edit_write_stock_through_the_ledger() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let (pid, vid) = product(&s, "wool-scarf", "Wool Scarf", 90_000, 10);
    let before = audits(&s);

    // Inline, from the list: price and stock of one variant.
    let r = post_from(
        &s,
        &owner,
        "/admin/products",
        &format!("/admin/products/inline/{vid}"),
        &[("price", "850.00"), ("stock", "7")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), Some("/admin/products?done=saved"));
    assert!(
        get(&s, "/admin/products?done=saved", Some(&owner))
            .text()
            .contains("Saved.")
    );
    // From a searched list, the edit comes back to the same search; a `back` that is not
    // a plain query is dropped.
    let listed = get(&s, "/admin/products?q=wool&status=active", Some(&owner)).text();
    assert!(
        listed.contains("name=\"back\" value=\"q=wool&amp;status=active\""),
        "{listed}"
    );
    for (back, to) in [
        (
            "q=wool&status=active",
            "/admin/products?q=wool&status=active&done=saved",
        ),
        ("//evil.example/x", "/admin/products?done=saved"),
        ("q=a\r\nSet-Cookie:x", "/admin/products?done=saved"),
    ] {
        let r = post_from(
            &s,
            &owner,
            "/admin/products",
            &format!("/admin/products/inline/{vid}"),
            &[("price", "850.00"), ("stock", "7"), ("back", back)],
        );
        assert_eq!(r.header("location"), Some(to), "{back}");
    }
    let (price, stock): (i64, i64) = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT price, stock FROM variants WHERE id = ?1",
            [vid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((price, stock), (85_000, 7));
    let (delta, reason, after, actor): (i64, String, i64, String) = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT delta, reason, stock_after, actor FROM stock_ledger WHERE variant_id = ?1 ORDER BY id DESC LIMIT 1",
            [vid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (delta, reason.as_str(), after, actor.as_str()),
        (-3, "correction", 7, "owner@example.com")
    );
    ledger_balanced(&s);
    assert_eq!(audits(&s), before + 1);
    let list = get(&s, "/admin/products", Some(&owner)).text();
    assert!(list.contains("value=\"850.00\""), "{list}");
    // The same values again: nothing to log.
    let r = post_from(
        &s,
        &owner,
        "/admin/products",
        &format!("/admin/products/inline/{vid}"),
        &[("price", "850.00"), ("stock", "7")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        audits(&s),
        before + 1,
        "an inline save that changed nothing is not logged"
    );

    // Nonsense is refused with the reason; nothing changes.
    let ledger = count(&s, "SELECT count(*) FROM stock_ledger");
    for (price, stock) in [("abc", "3"), ("10", "-1"), ("10", "many")] {
        let r = post_from(
            &s,
            &owner,
            "/admin/products",
            &format!("/admin/products/inline/{vid}"),
            &[("price", price), ("stock", stock)],
        );
        assert_eq!(r.status, 400, "{price}/{stock}");
        assert!(r.text().contains("Please enter the"));
    }
    assert_eq!(count(&s, "SELECT count(*) FROM stock_ledger"), ledger);
    assert_eq!(audits(&s), before + 1);

    // The edit page's variant table: SKU, price, compare-at, stock, threshold, weight.
    let v = vid.to_string();
    let edit = format!("/admin/products/{pid}");
    let (sku, pr, cmp, st, th, w) = (
        format!("sku_{v}"),
        format!("price_{v}"),
        format!("compare_{v}"),
        format!("stock_{v}"),
        format!("threshold_{v}"),
        format!("weight_{v}"),
    );
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/variants"),
        &[
            ("variant", &v),
            (&sku, "SCARF-GREY"),
            (&pr, "800"),
            (&cmp, "1000"),
            (&st, "12"),
            (&th, "3"),
            (&w, "180"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let row: (String, i64, Option<i64>, i64, Option<i64>, i64) = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT sku, price, compare_at_price, stock, low_stock_threshold, weight_grams FROM variants WHERE id = ?1",
            [vid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        ("SCARF-GREY".into(), 80_000, Some(100_000), 12, Some(3), 180)
    );
    ledger_balanced(&s);
    assert_eq!(audits(&s), before + 2);

    // A taken SKU is refused as a whole (409), nothing written.
    product(&s, "other", "Other", 100, 1);
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/variants"),
        &[
            ("variant", &v),
            (&sku, "OTHER"),
            (&pr, "800"),
            (&cmp, ""),
            (&st, "1"),
            (&th, ""),
            (&w, "0"),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(
        scalar::<i64>(&s, "SELECT stock FROM variants WHERE id = ?1", [vid]),
        12
    );
    ledger_balanced(&s);
    assert_eq!(audits(&s), before + 2);
}

#[test]
fn list_searches_filters_and_pages_with_a_cursor() {
    let s = Store::empty();
    let owner = staff(&s, "staff@example.com", "staff");
    for i in 0..30 {
        product(&s, &format!("tee-{i}"), &format!("Tee number {i}"), 500, 20);
    }
    product(&s, "rare-mug", "Rare Mug", 700, 1);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE products SET status = 'draft' WHERE slug = 'tee-3'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let p = get(&s, "/admin/products", Some(&owner)).text();
    assert!(p.contains("Rare Mug"));
    let i = p.find("href=\"/admin/products?").expect("next page link");
    let next = p[i + 6..i + 6 + p[i + 6..].find('"').unwrap()].replace("&amp;", "&");
    let p2 = get(&s, &next, Some(&owner)).text();
    assert!(p2.contains("Tee number 0"));
    assert!(!p2.contains("Rare Mug"));

    let found = get(&s, "/admin/products?q=RARE-MUG", Some(&owner)).text();
    assert!(found.contains("Rare Mug") && !found.contains("Tee number"));
    let found = get(&s, "/admin/products?q=number+1", Some(&owner)).text();
    assert!(found.contains("Tee number 12") && !found.contains("Rare Mug"));
    // The store-wide threshold is 5: the mug (1 left) is low, the tees (20) are not, until
    // a variant's own threshold says otherwise.
    let low = get(&s, "/admin/products?low=1", Some(&owner)).text();
    assert!(low.contains("Rare Mug") && !low.contains("Tee number"));
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE variants SET low_stock_threshold = 25 WHERE sku = 'TEE-7'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let low = get(&s, "/admin/products?low=1", Some(&owner)).text();
    assert!(low.contains("Tee number 7") && !low.contains("Tee number 8"));
    let drafts = get(&s, "/admin/products?status=draft", Some(&owner)).text();
    assert!(drafts.contains("Tee number 3") && !drafts.contains("Tee number 4"));
}

#[test]
fn hard_delete_is_refused_while_an_order_references_the_product() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let (sold, vid) = product(&s, "sold-bag", "Sold Bag", 1000, 5);
    let (unsold, _) = product(&s, "unsold-bag", "Unsold Bag", 1000, 5);
    // An order line pointing at the first product (orders keep their own snapshot).
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, created_at, updated_at) \
                 VALUES ('T-1', x'01', 'k1', x'02', 'a@example.com', 'A', '9876543210', 'x', 'y', '1', 'IN', 'confirmed', 'cod', 'INR', 1000, 1000, 1, 1)",
                [],
            )?;
            tx.execute(
                "INSERT INTO order_lines (order_id, variant_id, product_id, title, sku, unit_price, quantity) VALUES (last_insert_rowid(), ?1, ?2, 'Sold Bag', 'SOLD-BAG', 1000, 1)",
                rusqlite::params![vid, sold],
            )?;
            Ok(())
        })
        .unwrap();
    let before = audits(&s);
    let edit = format!("/admin/products/{sold}");
    let page = get(&s, &edit, Some(&owner)).text();
    assert!(page.contains("cannot be deleted"));
    let r = post_from(&s, &owner, &edit, &format!("{edit}/delete"), &[]);
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("Archive it instead"));
    assert_eq!(
        count(&s, "SELECT count(*) FROM products WHERE slug = 'sold-bag'"),
        1
    );
    assert_eq!(audits(&s), before);
    // Archive is offered and works.
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/status"),
        &[("status", "archived")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(s.get("/p/sold-bag").status, 404);

    let edit = format!("/admin/products/{unsold}");
    let r = post_from(&s, &owner, &edit, &format!("{edit}/delete"), &[]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM products WHERE slug = 'unsold-bag'"
        ),
        0
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE action = 'product.delete' AND target = 'unsold-bag'"
        ),
        1
    );
    ledger_balanced(&s);
    assert_eq!(get(&s, &edit, Some(&owner)).status, 404);
}

#[test]
fn bad_or_huge_images_get_a_4xx_and_nothing_is_written() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let (pid, _) = product(&s, "lamp", "Lamp", 1000, 5);
    let images = count(&s, "SELECT count(*) FROM images");
    let before = audits(&s);
    let token = edit_token(&s, &owner, pid);
    let good = png(20, 20, 9);
    let mut truncated = png(64, 64, 1);
    truncated.truncate(truncated.len() / 2);
    let cases: Vec<(Vec<Vec<u8>>, u16)> = vec![
        (vec![b"<html>not an image</html>".to_vec()], 415),
        (vec![b"%PDF-1.4 a pdf".to_vec()], 415),
        (vec![truncated], 400),
        // One good and one bad file: the whole upload is refused.
        (vec![good.clone(), b"garbage".to_vec()], 415),
        // Declared dimensions over the decode limit.
        (vec![png(9000, 1, 3)], 413),
        (vec![], 400),
    ];
    for (files, status) in cases {
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let r = upload(&s, &owner, pid, Some(&token), &refs);
        assert_eq!(r.status, status, "{}", r.text());
        assert!(
            r.text().contains("role=\"alert\""),
            "a clear message on the page"
        );
    }
    // Over the 20 MB body cap: refused from the declared length, before the body is read.
    {
        use std::io::{Read, Write};
        let addr = s.url.trim_start_matches("http://");
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        write!(
            c,
            "POST /admin/products/{pid}/images HTTP/1.1\r\nHost: shop.test\r\nCookie: {owner}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 22000000\r\n\r\n"
        )
        .unwrap();
        let mut head = [0u8; 12];
        c.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 413");
    }
    // No token: 403, nothing written.
    let r = upload(&s, &owner, pid, None, &[&good]);
    assert_eq!(r.status, 403);
    assert_eq!(count(&s, "SELECT count(*) FROM images"), images);
    assert_eq!(images_of(&s, pid), 0);
    assert_eq!(audits(&s), before);
}

#[test]
fn only_staff_get_in_and_every_form_needs_its_token() {
    let s = Store::empty();
    let (pid, vid) = product(&s, "cap", "Cap", 1000, 5);
    // Anonymous: to sign-in, for pages and forms alike.
    for path in [
        "/admin/products",
        "/admin/products/new",
        &format!("/admin/products/{pid}"),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, 303);
        assert!(location(&r).starts_with("/account/sign-in?next="));
    }
    let r = post_form(&s, "/admin/products", None, "title=x");
    assert_eq!(r.status, 303);
    // A customer: 403.
    let customer = sign_in(&s, "shopper@example.com");
    for path in ["/admin/products", &format!("/admin/products/{pid}")] {
        assert_eq!(get(&s, path, Some(&customer)).status, 403);
    }
    let page = get(&s, "/cart/token", Some(&customer)).json();
    let token = page["csrf"].as_str().unwrap();
    let r = post_form(
        &s,
        &format!("/admin/products/inline/{vid}"),
        Some(&customer),
        &form(&[("csrf_token", token), ("price", "1"), ("stock", "0")]),
    );
    assert_eq!(r.status, 403);
    // Staff: allowed.
    let staff = staff(&s, "staff@example.com", "staff");
    assert_eq!(get(&s, "/admin/products", Some(&staff)).status, 200);
    assert_eq!(get(&s, "/admin/products/new", Some(&staff)).status, 200);
    let page = get(&s, &format!("/admin/products/{pid}"), Some(&staff));
    assert_eq!(page.status, 200);
    assert!(page.text().contains("href=\"/admin/products\""), "nav link");
    // Every form on the edit page carries the token, and without it nothing happens.
    let html = page.text();
    assert_eq!(
        html.matches("<form method=\"post\"").count(),
        html.matches("name=\"csrf_token\"").count()
    );
    let before = audits(&s);
    let edit = format!("/admin/products/{pid}");
    for (action, body) in [
        (format!("/admin/products/inline/{vid}"), "price=1&stock=0"),
        (format!("{edit}/delete"), ""),
        (format!("{edit}/status"), "status=archived"),
        (edit.clone(), "title=x&slug=x&status=active"),
        ("/admin/products".to_string(), "title=New&price=1"),
        (format!("{edit}/variants"), "variant=1"),
    ] {
        let r = post_form(&s, &action, Some(&staff), body);
        assert_eq!(r.status, 403, "{action}");
        let r = post_form(
            &s,
            &action,
            Some(&staff),
            &format!("csrf_token=wrong&{body}"),
        );
        assert_eq!(r.status, 403, "{action}");
    }
    assert_eq!(audits(&s), before);
    assert_eq!(
        scalar::<i64>(&s, "SELECT stock FROM variants WHERE id = ?1", [vid]),
        5
    );
}

#[test]
fn variants_are_added_by_hand_and_archived() {
    let s = Store::empty();
    let owner = staff(&s, "owner@example.com", "owner");
    let r = post_from(
        &s,
        &owner,
        "/admin/products/new",
        "/admin/products",
        &[
            ("title", "Cotton Tee"),
            ("status", "active"),
            ("option1_name", "Size"),
            ("option1_values", "S,M"),
            ("price", "500"),
            ("stock", "2"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let edit = location(&r);
    let pid: i64 = edit.trim_start_matches("/admin/products/").parse().unwrap();
    let variants = |s: &Store| {
        scalar::<i64>(
            s,
            "SELECT count(*) FROM variants WHERE product_id = ?1 AND archived = 0",
            [pid],
        )
    };
    assert_eq!(variants(&s), 2);
    let audits0 = audits(&s);
    let add = |opts: &[&str], sku: &str| {
        let mut f: Vec<(&str, &str)> = opts.iter().map(|o| ("option", *o)).collect();
        f.extend([
            ("sku", sku),
            ("price", "550"),
            ("stock", "3"),
            ("threshold", ""),
        ]);
        post_from(&s, &owner, &edit, &format!("{edit}/variants/add"), &f)
    };
    let r = add(&["XL"], "TEE-XL");
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(variants(&s), 3);
    assert_eq!(
        scalar::<i64>(
            &s,
            "SELECT stock_after FROM stock_ledger l JOIN variants v ON v.id = l.variant_id WHERE v.sku = 'TEE-XL' AND l.reason = 'initial'",
            []
        ),
        3
    );
    assert!(s.get("/p/cotton-tee").text().contains("XL"));
    // The same option values again, a missing value, a taken SKU: refused, nothing written.
    assert_eq!(add(&["XL"], "TEE-XL2").status, 409);
    assert_eq!(add(&[], "TEE-NONE").status, 400);
    assert_eq!(add(&["XXL"], "TEE-XL").status, 409);
    assert_eq!(variants(&s), 3);
    assert_eq!(audits(&s), audits0 + 1);

    // Archive: out of the shop, its ledger kept.
    let vid: i64 = scalar(&s, "SELECT id FROM variants WHERE sku = 'TEE-XL'", []);
    let r = post_from(
        &s,
        &owner,
        &edit,
        &format!("{edit}/variants/{vid}/archive"),
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(variants(&s), 2);
    assert!(!s.get("/p/cotton-tee").text().contains("XL"));
    assert_eq!(audits(&s), audits0 + 2);
    ledger_balanced(&s);
}
