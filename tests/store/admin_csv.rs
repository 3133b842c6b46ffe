//! CSV through the real admin: the products export (one row per variant) imports back as
//! a no-op; an edited file previews its creates and updates, then applies them in one
//! transaction (stock through the ledger, an audit entry); a file with one bad row changes
//! nothing and names the row; the orders export covers its date range; access rules.

use crate::common;
use common::count;
use common::get_signed_in as get;

use boutique::shop::accounts;
use common::{Page, Store, csrf, send, sign_in};

fn person(s: &Store, email: &str, role: &str) -> String {
    s.app()
        .db
        .write_tx(|tx| {
            let c = accounts::find_or_create(tx, email, boutique::db::now())?;
            accounts::set_role(tx, c.id, role)
        })
        .unwrap();
    sign_in(s, &email.replace('@', "%40"))
}

/// Posts `file` to the import with `mode`, using the import page's CSRF token unless
/// `token` overrides it.
fn import(s: &Store, cookie: &str, file: &str, mode: &str, token: Option<&str>) -> Page {
    let page_token = csrf(&get(s, "/admin/imports/products", cookie).text());
    let token = token.unwrap_or(&page_token);
    let b = "XbOuNdArY42";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{b}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n{mode}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"products.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{b}--\r\n"
    );
    send(
        "POST",
        &format!("{}/admin/imports/products", s.url),
        &[
            ("Cookie", cookie),
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={b}"),
            ),
        ],
        Some(body.into_bytes()),
    )
}

fn snapshot(s: &Store) -> (i64, i64, i64, i64) {
    (
        count(s, "SELECT count(*) FROM products"),
        count(s, "SELECT count(*) FROM variants"),
        count(s, "SELECT count(*) FROM stock_ledger"),
        count(
            s,
            "SELECT coalesce(sum(price * 7 + stock), 0) FROM variants",
        ),
    )
}

#[test]
fn export_then_import_is_a_no_op() {
    let s = Store::demo();
    let me = person(&s, "owner@example.com", "owner");
    // Text a spreadsheet would run as a formula (OWASP's list) or that starts with the
    // guard itself, in titles, option names and values: guarded out, restored in.
    let tricky = [
        "=HYPERLINK(\"http://x\")",
        "+91 shirt",
        "-Red",
        "@home",
        "'=already quoted",
    ];
    {
        let c = s.app().db.read().unwrap();
        let ids: Vec<i64> = c
            .prepare("SELECT id FROM products ORDER BY id LIMIT 5")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        drop(c);
        assert_eq!(ids.len(), 5);
        s.app()
            .db
            .write_tx(|tx| {
                for (id, t) in ids.iter().zip(tricky) {
                    tx.execute("UPDATE products SET title = ?1 WHERE id = ?2", rusqlite::params![t, id])?;
                }
                tx.execute(
                    "UPDATE products SET option1_name = '-Size' WHERE option1_name IS NOT NULL AND id = (SELECT min(id) FROM products WHERE option1_name IS NOT NULL)",
                    [],
                )?;
                tx.execute(
                    "UPDATE variants SET option1 = '@' || option1 WHERE option1 IS NOT NULL AND product_id = (SELECT min(id) FROM products WHERE option1_name IS NOT NULL)",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
    }
    let titles = |s: &Store| -> String {
        let c = s.app().db.read().unwrap();
        c.query_row(
            "SELECT group_concat(title || '|' || coalesce(option1_name, ''), '/') FROM (SELECT title, option1_name FROM products ORDER BY id)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let options = |s: &Store| -> String {
        let c = s.app().db.read().unwrap();
        c.query_row(
            "SELECT group_concat(coalesce(option1, ''), '/') FROM (SELECT option1 FROM variants ORDER BY id)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (titles_before, options_before) = (titles(&s), options(&s));
    let p = get(&s, "/admin/exports/products.csv", &me);
    assert_eq!(p.status, 200);
    assert!(p.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        p.header("content-disposition")
            .unwrap()
            .contains("products.csv")
    );
    let text = p.text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "handle,title,status,category,option1_name,option1_value,option2_name,option2_value,option3_name,option3_value,sku,price,compare_at_price,stock"
    );
    assert_eq!(
        lines.count() as i64,
        count(&s, "SELECT count(*) FROM variants"),
        "one row per variant"
    );
    let before = snapshot(&s);
    let preview = import(&s, &me, &text, "preview", None);
    assert_eq!(preview.status, 200, "{}", preview.text());
    assert!(
        preview.text().contains("0 to create · 0 to update"),
        "{}",
        preview.text()
    );
    let done = import(&s, &me, &text, "apply", None);
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Imported."));
    assert_eq!(snapshot(&s), before, "the round trip changed nothing");
    assert_eq!(
        titles(&s),
        titles_before,
        "guarded titles came back as they were"
    );
    assert_eq!(
        options(&s),
        options_before,
        "guarded option values came back as they were"
    );
    for t in tricky {
        assert!(
            !text.contains(&format!(",{t},")),
            "{t} left unguarded: {text}"
        );
    }
    assert!(
        text.contains(",'-Red,")
            && text.contains(",'@home,")
            && text.contains(",''=already quoted,"),
        "{text}"
    );
    // A leading TAB or CR (stored before control characters were refused) is guarded too.
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE products SET title = '\t=1+1' WHERE id = (SELECT min(id) FROM products)",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let again = get(&s, "/admin/exports/products.csv", &me).text();
    assert!(
        again.contains(",'\t=1+1,") || again.contains(",\"'\t=1+1\","),
        "{again}"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM audit_log WHERE action = 'import'"),
        1
    );
}

#[test]
fn an_edited_file_previews_then_applies_in_one_go() {
    let s = Store::empty();
    let me = person(&s, "staff@example.com", "staff");
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            boutique::shop::catalog::create_simple_product(
                tx,
                "jar",
                "Honey Jar",
                "JAR-1",
                45_000,
                5,
                now,
            )
        })
        .unwrap();
    let text = get(&s, "/admin/exports/products.csv", &me).text();
    // Price 450.00 → 499.50, stock 5 → 12, and a new product with two variants; a title
    // that a spreadsheet would run as a formula comes back guarded and is restored.
    let edited = text.replace("450.00,,5", "499.50,,12")
        + "shawl,=Pashmina Shawl,active,,Colour,Rust,,,,,SHAWL-R,2500,3000,4\n"
        + "shawl,=Pashmina Shawl,active,,Colour,Teal,,,,,SHAWL-T,2500,,0\n";
    let before = snapshot(&s);
    let p = import(&s, &me, &edited, "preview", None);
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    assert!(html.contains("2 to create · 1 to update"), "{html}");
    assert!(html.contains("price"), "{html}");
    assert!(html.contains("stock 5 → 12"), "{html}");
    assert_eq!(snapshot(&s), before, "a preview writes nothing");
    let p = import(&s, &me, &edited, "apply", None);
    assert_eq!(p.status, 200, "{}", p.text());
    assert_eq!(
        count(&s, "SELECT price FROM variants WHERE sku = 'JAR-1'"),
        49_950
    );
    assert_eq!(
        count(&s, "SELECT stock FROM variants WHERE sku = 'JAR-1'"),
        12
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM stock_ledger WHERE reason = 'import' AND delta = 7"
        ),
        1
    );
    assert!(
        boutique::shop::catalog::ledger_mismatches(&s.app().db.read().unwrap())
            .unwrap()
            .is_empty()
    );
    let page = s.get("/p/shawl").text();
    assert!(
        page.contains("=Pashmina Shawl"),
        "the formula guard is taken off"
    );
    assert!(page.contains("Rust") && page.contains("Teal"));
    // Exporting again gives the same file as what was imported (modulo the guard).
    let again = get(&s, "/admin/exports/products.csv", &me).text();
    assert!(again.contains("'=Pashmina Shawl"), "{again}");
    let p = import(&s, &me, &again, "preview", None);
    assert!(
        p.text().contains("0 to create · 0 to update"),
        "{}",
        p.text()
    );
}

#[test]
fn a_file_with_a_bad_row_changes_nothing_and_names_the_row() {
    let s = Store::demo();
    let me = person(&s, "owner@example.com", "owner");
    let text = get(&s, "/admin/exports/products.csv", &me).text();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 2 gets a good price change, line 4 a price that is not a number.
    lines[1] = lines[1].replacen(",active,", ",draft,", 1);
    let cells: Vec<&str> = lines[3].split(',').collect();
    let mut bad: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    let n = bad.len();
    bad[n - 3] = "abc".into();
    lines[3] = bad.join(",");
    let file = lines.join("\n") + "\n";
    let before = snapshot(&s);
    let drafts = count(&s, "SELECT count(*) FROM products WHERE status = 'draft'");
    let p = import(&s, &me, &file, "apply", None);
    assert_eq!(p.status, 400, "{}", p.text());
    let html = p.text();
    assert!(html.contains("nothing was imported"), "{html}");
    assert!(
        html.contains("price &quot;abc&quot;") || html.contains("price \"abc\""),
        "{html}"
    );
    assert!(html.contains("<td>4</td>"), "the bad line is named: {html}");
    assert_eq!(snapshot(&s), before);
    assert_eq!(
        count(&s, "SELECT count(*) FROM products WHERE status = 'draft'"),
        drafts,
        "the good row was not applied either"
    );
    // A wrong header, an empty file, a duplicate SKU: clear 400s.
    let p = import(&s, &me, "name,price\nx,1\n", "preview", None);
    assert_eq!(p.status, 400);
    assert!(p.text().contains("Missing: handle"), "{}", p.text());
    let header = text.lines().next().unwrap();
    let p = import(&s, &me, &format!("{header}\n"), "preview", None);
    assert_eq!(p.status, 400);
    let dup = format!("{header}\n{}\n{}\n", lines[1], lines[1]);
    let p = import(&s, &me, &dup, "apply", None);
    assert_eq!(p.status, 400);
    assert!(p.text().contains("is also on line 2"), "{}", p.text());
    assert_eq!(snapshot(&s), before);
}

#[test]
fn orders_export_covers_its_dates_and_access_is_checked() {
    let s = Store::empty();
    let me = person(&s, "owner@example.com", "owner");
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES ('BQ-10001', x'01', 'k1', x'00', 'a@example.com', '@Asha', '98765 43210', 'l1', 'Pune', '411001', 'IN', 'confirmed', 'cod', 'INR', 100000, 114800, ?1, ?1), ('BQ-10002', x'02', 'k2', x'00', 'b@example.com', 'Old', '98765 43210', 'l1', 'Pune', '411001', 'IN', 'confirmed', 'cod', 'INR', 100, 100, ?2, ?2)",
                rusqlite::params![now, now - 90 * 86_400],
            )?;
            Ok(())
        })
        .unwrap();
    let p = get(&s, "/admin/exports/orders.csv", &me);
    assert_eq!(p.status, 200);
    let text = p.text();
    assert!(text.starts_with("number,placed_at,email"));
    assert!(
        text.contains("BQ-10001") && text.contains("1148.00"),
        "{text}"
    );
    assert!(
        text.contains("'@Asha"),
        "formula-like cells are guarded: {text}"
    );
    assert!(!text.contains("BQ-10002"), "older than the default 30 days");
    let p = get(
        &s,
        "/admin/exports/orders.csv?from=2020-01-01&to=2099-12-31",
        &me,
    );
    assert!(p.text().contains("BQ-10002"));
    assert_eq!(
        get(&s, "/admin/exports/orders.csv?from=yesterday", &me).status,
        400
    );
    // A customer: 403 on every CSV address; no CSRF token: 403 and nothing written.
    let shopper = sign_in(&s, "shopper%40example.com");
    assert_eq!(get(&s, "/admin/exports/products.csv", &shopper).status, 403);
    assert_eq!(get(&s, "/admin/exports/orders.csv", &shopper).status, 403);
    let header = get(&s, "/admin/exports/products.csv", &me).text();
    let file = format!("{}x,X,active,,,,,,,,X-1,1,,1\n", header);
    assert_eq!(import(&s, &me, &file, "apply", Some("wrong")).status, 403);
    assert_eq!(count(&s, "SELECT count(*) FROM products"), 0);
}
