//! Text at the HTTP edge, through the real server: a product saved unchanged from its
//! edit page (the textarea sent with CRLF, as browsers do) shows the same storefront page
//! afterwards; a database that already holds CRLF is fixed by migration 3 on start; the
//! form decoder keeps every field of a 20-variant edit form; and control characters in
//! single-line fields are refused with a 400 naming the field (admin forms, CSV import,
//! the checkout form and the API checkout), writing nothing.

use crate::common;
use common::get_as as get;

use boutique::app::{self, Options};
use boutique::shop::{accounts, catalog};
use common::{
    BASE_CONFIG, Page, Store, count, csrf, form, post_form, send, session_cookie, sign_in,
};
use serde_json::json;

const DESCRIPTION: &str = "Hand-woven in Kutch from **undyed** cotton.\n\nGood for:\n\n- summer evenings\n- the beach\n- *gifts*\n\nWash cold.";

fn now() -> i64 {
    boutique::db::now()
}

fn person(s: &Store, email: &str, role: &str) -> String {
    s.app()
        .db
        .write_tx(|tx| {
            let c = accounts::find_or_create(tx, email, now())?;
            accounts::set_role(tx, c.id, role)
        })
        .unwrap();
    sign_in(s, email)
}

fn text_of(s: &Store, sql: &str) -> String {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in one tag's text (`<input … name="x" …>`).
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(unescape(&tag[i..i + tag[i..].find('"')?]))
}

fn has_flag(tag: &str, flag: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .any(|w| w == flag)
}

/// What a browser submits for the form whose action is `action`: every named input
/// (checkboxes only when checked), each select's selected option (or its first), and each
/// textarea's text with its line breaks sent as CRLF (the HTML form-submission rule).
fn browser_form(html: &str, action: &str) -> Vec<(String, String)> {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let start = html[..at].rfind("<form").unwrap();
    let body = &html[start..at + html[at..].find("</form>").unwrap()];
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap() + 1;
        let tag = &rest[..end];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                let kind = attr(tag, "type").unwrap_or_default();
                if kind == "file" || (kind == "checkbox" && !has_flag(tag, "checked")) {
                } else {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let close = rest.find("</textarea>").unwrap();
            let mut text = unescape(&rest[end..close]);
            // The HTML parser drops one newline right after the start tag.
            if text.starts_with('\n') {
                text.remove(0);
            }
            out.push((attr(tag, "name").unwrap(), text.replace('\n', "\r\n")));
        } else if tag.starts_with("<select") {
            let close = rest.find("</select>").unwrap();
            let inner = &rest[end..close];
            let options: Vec<&str> = inner.split("<option").skip(1).collect();
            let chosen = options
                .iter()
                .find(|o| has_flag(o.split('>').next().unwrap(), "selected"))
                .or(options.first())
                .unwrap();
            let head = format!("<option{}", chosen.split('>').next().unwrap());
            out.push((attr(tag, "name").unwrap(), attr(&head, "value").unwrap()));
        }
        rest = &rest[end..];
    }
    out
}

fn submit(s: &Store, cookie: &str, action: &str, fields: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_form(s, action, Some(cookie), &form(&pairs))
}

/// The storefront product page with what legitimately differs between two requests
/// (the request id, per-session tokens) masked out.
fn product_page(s: &Store, slug: &str) -> String {
    let p = s.get(&format!("/p/{slug}"));
    assert_eq!(p.status, 200, "{}", p.text());
    let mut html = p.text();
    for key in ["name=\"csrf_token\" value=\"", "data-request-id=\""] {
        let mut from = 0;
        while let Some(i) = html[from..].find(key) {
            let a = from + i + key.len();
            let b = a + html[a..].find('"').unwrap();
            html.replace_range(a..b, "…");
            from = a;
        }
    }
    html
}

#[test]
fn saving_an_unchanged_product_from_its_edit_page_keeps_its_formatting() {
    let s = Store::empty();
    let owner = person(&s, "owner@example.com", "owner");
    let (pid, _) = s
        .app()
        .db
        .write_tx(|tx| {
            let ids = catalog::create_simple_product(
                tx,
                "kutch-stole",
                "Kutch Stole",
                "KS-1",
                180_000,
                5,
                now(),
            )?;
            tx.execute(
                "UPDATE products SET description = ?1, seo_description = ?2 WHERE id = ?3",
                rusqlite::params![DESCRIPTION, "Soft.\nUndyed.", ids.0],
            )?;
            Ok(ids)
        })
        .unwrap();
    let before = product_page(&s, "kutch-stole");
    assert!(before.contains("<li>"), "the bullet list renders: {before}");
    assert_eq!(
        before,
        product_page(&s, "kutch-stole"),
        "the page is stable"
    );

    let base = format!("/admin/products/{pid}");
    let edit = get(&s, &base, Some(&owner)).text();
    let fields = browser_form(&edit, &base);
    let sent = &fields.iter().find(|(k, _)| k == "description").unwrap().1;
    assert!(
        sent.contains("\r\n\r\n- summer"),
        "sent as a browser does: {sent:?}"
    );
    let r = submit(&s, &owner, &base, &fields);
    assert_eq!(r.status, 303, "{}", r.text());

    assert_eq!(
        text_of(
            &s,
            &format!("SELECT description FROM products WHERE id = {pid}")
        ),
        DESCRIPTION
    );
    assert_eq!(
        text_of(
            &s,
            &format!("SELECT seo_description FROM products WHERE id = {pid}")
        ),
        "Soft.\nUndyed."
    );
    let after = product_page(&s, "kutch-stole");
    assert_eq!(
        before, after,
        "the storefront page changed on an unchanged save"
    );
    // Search still finds it by a word of the description.
    let found = s.get("/search?q=undyed").text();
    assert!(found.contains("/p/kutch-stole"), "{found}");
}

#[test]
fn migration_3_rewrites_stored_crlf_and_keeps_search_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("store.toml");
    std::fs::write(&config, BASE_CONFIG).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    {
        // A store as the previous release left it: schema 1, CRLF and lone CR stored.
        let c = rusqlite::Connection::open(data.join("store.db")).unwrap();
        c.execute_batch(boutique::db::MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.execute(
            "INSERT INTO categories (slug, name, description, position, created_at) VALUES ('wraps', 'Wraps', 'Warm.\r\n\r\nLight.', 0, 1)",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO products (category_id, slug, title, description, status, created_at, updated_at) VALUES (1, 'old-stole', 'Old Stole', ?1, 'active', 1, 1)",
            [DESCRIPTION.replace('\n', "\r\n").replacen("\r\n", "\r", 1)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO variants (product_id, sku, price, stock, position, created_at) VALUES (1, 'OS-1', 5000, 3, 0, 1)",
            [],
        )
        .unwrap();
        let indexed: String = c
            .query_row(
                "SELECT description FROM product_search WHERE rowid = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(indexed.contains('\r'), "the old index holds the CRs too");
    }
    let running = app::start(Options {
        config_path: Some(config.clone()),
        listen: Some("127.0.0.1:0".into()),
        demo: false,
        server: None,
        access_log: false,
        mail_tick: None,
    })
    .expect("store starts on the old database");
    let s = Store {
        url: running.url.clone(),
        dir,
        config,
        running: Some(running),
    };
    assert_eq!(
        count(&s, "PRAGMA user_version") as usize,
        boutique::db::MIGRATIONS.len()
    );
    assert_eq!(
        text_of(&s, "SELECT description FROM products WHERE id = 1"),
        DESCRIPTION
    );
    assert_eq!(
        text_of(&s, "SELECT description FROM categories WHERE id = 1"),
        "Warm.\n\nLight."
    );
    assert_eq!(
        text_of(&s, "SELECT description FROM product_search WHERE rowid = 1"),
        DESCRIPTION,
        "the search index follows"
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM product_search WHERE product_search MATCH 'beach'"
        ),
        1
    );
    let page = s.get("/p/old-stole").text();
    assert!(page.contains("<li>the beach</li>"), "{page}");
}

#[test]
fn an_edit_form_with_twenty_variants_saves_every_one() {
    let s = Store::empty();
    let owner = person(&s, "owner@example.com", "owner");
    let p = get(&s, "/admin/products/new", Some(&owner));
    assert_eq!(p.status, 200, "{}", p.text());
    let r = post_form(
        &s,
        "/admin/products",
        Some(&owner),
        &form(&[
            ("csrf_token", &csrf(&p.text())),
            ("title", "Kurta"),
            ("slug", "kurta"),
            ("description", ""),
            ("category", ""),
            ("status", "active"),
            ("option1_name", "Size"),
            ("option1_values", "XS, S, M, L, XL"),
            ("option2_name", "Colour"),
            ("option2_values", "Red, Blue, Green, Black"),
            ("sku_prefix", "KU"),
            ("price", "1000"),
            ("stock", "1"),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let pid = count(&s, "SELECT id FROM products WHERE slug = 'kurta'");
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM variants WHERE product_id = {pid}")
        ),
        20
    );

    let base = format!("/admin/products/{pid}");
    let action = format!("{base}/variants");
    let mut fields = browser_form(&get(&s, &base, Some(&owner)).text(), &action);
    assert!(fields.len() > 100, "{} fields", fields.len());
    // Every variant gets its own price and stock: 1001.00…, 11, 12, …
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "variant")
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(ids.len(), 20);
    for (n, id) in ids.iter().enumerate() {
        for (k, v) in fields.iter_mut() {
            if *k == format!("price_{id}") {
                *v = format!("{}.00", 1001 + n);
            } else if *k == format!("stock_{id}") {
                *v = (11 + n).to_string();
            }
        }
    }
    let r = submit(&s, &owner, &action, &fields);
    assert_eq!(r.status, 303, "{}", r.text());
    for (n, id) in ids.iter().enumerate() {
        let (price, stock): (i64, i64) = s
            .app()
            .db
            .read()
            .unwrap()
            .query_row(
                "SELECT price, stock FROM variants WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (price, stock),
            ((1001 + n as i64) * 100, 11 + n as i64),
            "variant {id}"
        );
    }
    assert!(
        catalog::ledger_mismatches(&s.app().db.read().unwrap())
            .unwrap()
            .is_empty()
    );
}

/// A count of every row an admin or shopper write could add, to prove a refusal wrote
/// nothing.
fn writes(s: &Store) -> Vec<i64> {
    [
        "SELECT count(*) FROM products",
        "SELECT count(*) FROM variants",
        "SELECT count(*) FROM categories",
        "SELECT count(*) FROM orders",
        "SELECT count(*) FROM stock_ledger",
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM addresses",
        "SELECT count(*) FROM customers",
        "SELECT coalesce(sum(length(title)), 0) FROM products",
    ]
    .iter()
    .map(|q| count(s, q))
    .collect()
}

#[test]
fn control_characters_in_single_line_fields_are_refused_naming_the_field() {
    let s = Store::empty();
    let owner = person(&s, "owner@example.com", "owner");
    let (pid, vid) = s
        .app()
        .db
        .write_tx(|tx| catalog::create_simple_product(tx, "cap", "Cap", "CAP-1", 50_000, 9, now()))
        .unwrap();
    let before = writes(&s);

    // The product's details form: a title with NUL, LF, CR, TAB or DEL.
    let base = format!("/admin/products/{pid}");
    let fields = browser_form(&get(&s, &base, Some(&owner)).text(), &base);
    for bad in ["Cap\0", "Cap\nX", "Cap\rX", "Cap\tX", "Cap\u{7f}"] {
        let mut f = fields.clone();
        f.iter_mut().find(|(k, _)| k == "title").unwrap().1 = bad.to_string();
        let r = submit(&s, &owner, &base, &f);
        assert_eq!(r.status, 400, "{bad:?}: {}", r.text());
        assert!(
            r.text().contains("Title must be one line"),
            "{bad:?}: {}",
            r.text()
        );
    }
    // A variant's SKU in the variant table.
    let action = format!("{base}/variants");
    let mut f = browser_form(&get(&s, &base, Some(&owner)).text(), &action);
    f.iter_mut()
        .find(|(k, _)| *k == format!("sku_{vid}"))
        .unwrap()
        .1 = "CAP\r\n1".into();
    let r = submit(&s, &owner, &action, &f);
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("SKU must be one line"), "{}", r.text());
    // A new product's option value.
    let p = get(&s, "/admin/products/new", Some(&owner)).text();
    let r = post_form(
        &s,
        "/admin/products",
        Some(&owner),
        &form(&[
            ("csrf_token", &csrf(&p)),
            ("title", "Tee"),
            ("status", "active"),
            ("option1_name", "Size"),
            ("option1_values", "S, M\0L"),
            ("price", "10"),
        ]),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("Option value must be one line"),
        "{}",
        r.text()
    );
    assert_eq!(writes(&s), before, "admin refusals wrote nothing");

    // CSV import: a title cell with a line break inside its quotes.
    let file = format!(
        "{}\"Cap\r\nX\",",
        "handle,title,status,category,option1_name,option1_value,option2_name,option2_value,option3_name,option3_value,sku,price,compare_at_price,stock\ncap,"
    ) + "active,,,,,,,,CAP-1,500.00,,9\n";
    let page = get(&s, "/admin/imports/products", Some(&owner)).text();
    let b = "TextInputBoundary7";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n--{b}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\napply\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{b}--\r\n",
        csrf(&page)
    );
    let r = send(
        "POST",
        &format!("{}/admin/imports/products", s.url),
        &[
            ("Cookie", owner.as_str()),
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={b}"),
            ),
        ],
        Some(body.into_bytes()),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("title must be one line"), "{}", r.text());
    assert_eq!(writes(&s), before, "the import wrote nothing");
    assert_eq!(
        text_of(&s, "SELECT title FROM products WHERE slug = 'cap'"),
        "Cap"
    );

    // The checkout form: a tab in the name, a NUL in the city.
    for (field, bad, label) in [
        ("name", "Asha\tRao", "Name must be one line"),
        ("city", "Bengaluru\0", "The city must be one line"),
        ("phone", "98765\n43210", "The phone number must be one line"),
    ] {
        let t = get(&s, "/cart/token", None);
        let cookie = session_cookie(&t).unwrap();
        let token = t.json()["csrf"].as_str().unwrap().to_string();
        let add = post_form(
            &s,
            "/cart/add",
            Some(&cookie),
            &form(&[
                ("csrf_token", &token),
                ("variant", &vid.to_string()),
                ("qty", "1"),
            ]),
        );
        assert_eq!(add.status, 303);
        let co = get(&s, "/checkout", Some(&cookie)).text();
        let key_at = co.find("name=\"idempotency_key\" value=\"").unwrap() + 30;
        let key = &co[key_at..key_at + co[key_at..].find('"').unwrap()];
        let mut f = vec![
            ("csrf_token", token.as_str()),
            ("idempotency_key", key),
            ("email", "asha@example.com"),
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
        ];
        f.iter_mut().find(|(k, _)| *k == field).unwrap().1 = bad;
        let r = post_form(&s, "/checkout", Some(&cookie), &form(&f));
        assert!(
            matches!(r.status, 400 | 422),
            "{field}: {} {}",
            r.status,
            r.text()
        );
        assert!(r.text().contains(label), "{field}: {}", r.text());
    }
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);

    // The API checkout: a NUL in an address line, an LF in the name.
    for (body, label) in [
        (
            json!({"email": "a@example.com", "name": "Asha", "phone": "9876543210",
                   "address": {"line1": "12 MG\u{0} Road", "city": "Bengaluru", "region": "KA",
                               "postal_code": "560001", "country": "IN"},
                   "payment_method": "cod"}),
            "The address must be one line",
        ),
        (
            json!({"email": "a@example.com", "name": "Asha\nRao", "phone": "9876543210",
                   "address": {"line1": "12 MG Road", "city": "Bengaluru", "region": "KA",
                               "postal_code": "560001", "country": "IN"},
                   "payment_method": "cod"}),
            "Name must be one line",
        ),
    ] {
        let cart = send(
            "POST",
            &format!("{}/api/v1/carts", s.url),
            &[("Content-Type", "application/json")],
            None,
        );
        assert_eq!(cart.status, 201, "{}", cart.text());
        let token = cart.json()["token"].as_str().unwrap().to_string();
        let add = send(
            "POST",
            &format!("{}/api/v1/carts/{token}/items", s.url),
            &[("Content-Type", "application/json")],
            Some(serde_json::to_vec(&json!({"variant_id": vid, "quantity": 1})).unwrap()),
        );
        assert_eq!(add.status, 200, "{}", add.text());
        let r = send(
            "POST",
            &format!("{}/api/v1/carts/{token}/checkout", s.url),
            &[
                ("Content-Type", "application/json"),
                ("Idempotency-Key", &format!("k-{token}")),
            ],
            Some(serde_json::to_vec(&body).unwrap()),
        );
        assert!(matches!(r.status, 400 | 422), "{} {}", r.status, r.text());
        let e = &r.json()["error"];
        assert!(e["message"].as_str().unwrap().contains(label), "{e}");
        assert!(
            e["request_id"].as_str().is_some_and(|v| !v.is_empty()),
            "{e}"
        );
    }
    assert_eq!(
        writes(&s),
        before,
        "no order, address or customer row was written"
    );
}
