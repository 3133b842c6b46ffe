//! The JSON API for carts, checkout, orders and payment proofs (DESIGN §4, §5, §7), over
//! HTTP against the real server with a real SQLite file and real proof files. Each test
//! builds a small catalog of its own on an empty store, so every expected total is worked
//! out here from store.toml's defaults (INR: shipping ₹99 under ₹1,499, COD fee ₹49, COD
//! up to ₹20,000) rather than read back from the server. The races (one idempotency key
//! sent 20 times at once, 200 shoppers for 25 units, 50 shoppers for a coupon of 10)
//! release all their threads from a barrier so the requests really overlap.

use crate::common;
use crate::common::ledger_balanced;
use common::stock;

use boutique::shop::cart::coupons::{self, NewCoupon};
use boutique::shop::catalog;
use common::{BASE_CONFIG, Page, Store, send};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Barrier;

// Money in paise, from store.toml's defaults.
const SHIPPING: i64 = 9_900;
const FREE_OVER: i64 = 149_900;
const COD_FEE: i64 = 4_900;

/// A product with one variant; returns the variant id.
fn product(s: &Store, slug: &str, price: i64, stock: i64) -> i64 {
    let now = boutique::db::now();
    let title = format!("Test {slug}");
    let sku = slug.to_uppercase();
    s.app()
        .db
        .write_tx(|tx| catalog::create_simple_product(tx, slug, &title, &sku, price, stock, now))
        .expect("product")
        .1
}

fn coupon(s: &Store, c: NewCoupon) {
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| coupons::create(tx, &c, now))
        .expect("coupon");
}

fn count(s: &Store, sql: &str) -> i64 {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// A JSON request to /api/v1.
fn api(s: &Store, method: &str, path: &str, body: Option<&Value>) -> Page {
    api_with(s, method, path, &[], body)
}

fn api_with(
    s: &Store,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Page {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    send(
        method,
        &format!("{}/api/v1{path}", s.url),
        &h,
        body.map(|b| serde_json::to_vec(b).unwrap()),
    )
}

fn raw(s: &Store, method: &str, path: &str, ctype: &str, body: &[u8]) -> Page {
    send(
        method,
        &format!("{}/api/v1{path}", s.url),
        &[("Content-Type", ctype)],
        Some(body.to_vec()),
    )
}

/// The error envelope of DESIGN §7, with this status and code; returns `error`.
fn assert_error(p: &Page, status: u16, code: &str) -> Value {
    assert_eq!(p.status, status, "{}", p.text());
    let j = p.json();
    let e = &j["error"];
    assert_eq!(e["code"], code, "{j}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{j}");
    assert!(
        e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{j}"
    );
    e.clone()
}

fn new_cart(s: &Store) -> String {
    let p = api(s, "POST", "/carts", None);
    assert_eq!(p.status, 201, "{}", p.text());
    let token = p.json()["token"].as_str().unwrap().to_string();
    assert_eq!(
        p.header("location"),
        Some(format!("/api/v1/carts/{token}").as_str())
    );
    token
}

fn add(s: &Store, cart: &str, variant: i64, qty: i64) -> Page {
    api(
        s,
        "POST",
        &format!("/carts/{cart}/items"),
        Some(&json!({"variant_id": variant, "quantity": qty})),
    )
}

fn get_cart(s: &Store, cart: &str) -> Value {
    let p = api(s, "GET", &format!("/carts/{cart}"), None);
    assert_eq!(p.status, 200, "{}", p.text());
    p.json()
}

/// A cart holding `qty` of `variant`.
fn cart_with(s: &Store, variant: i64, qty: i64) -> String {
    let cart = new_cart(s);
    let p = add(s, &cart, variant, qty);
    assert_eq!(p.status, 200, "{}", p.text());
    cart
}

/// A checkout body that ships to `country`.
fn buyer_in(email: &str, method: &str, country: &str) -> Value {
    json!({
        "email": email,
        "name": "Asha Rao",
        "phone": "+91 98765 43210",
        "address": {
            "line1": "12 MG Road", "line2": "Flat 4", "city": "Bengaluru",
            "region": "Karnataka", "postal_code": "560001", "country": country,
        },
        "payment_method": method,
    })
}

fn buyer(email: &str, method: &str) -> Value {
    buyer_in(email, method, "IN")
}

fn checkout(s: &Store, cart: &str, key: &str, body: &Value) -> Page {
    api_with(
        s,
        "POST",
        &format!("/carts/{cart}/checkout"),
        &[("Idempotency-Key", key)],
        Some(body),
    )
}

/// Checks out and expects the order; returns it.
fn place(s: &Store, cart: &str, key: &str, body: &Value) -> Value {
    let p = checkout(s, cart, key, body);
    assert_eq!(p.status, 201, "{}", p.text());
    p.json()["order"].clone()
}

fn get_order(s: &Store, number: &str, auth: Option<&str>) -> Page {
    let h: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
    send(
        "GET",
        &format!("{}/api/v1/orders/{number}", s.url),
        &h,
        None,
    )
}

fn bearer(order: &Value) -> String {
    format!("Bearer {}", order["access_token"].as_str().unwrap())
}

/// A real PNG, drawn by the `image` crate.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([30, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A real PNG of noise, which does not compress: about 3 bytes a pixel.
fn noisy_png(w: u32, h: u32) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xFF) as u8
        };
        image::Rgb([next(), next(), next()])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn upload_as(
    s: &Store,
    number: &str,
    auth: Option<&str>,
    field: &str,
    filename: &str,
    bytes: &[u8],
) -> Page {
    let boundary = "----boutiqueTestBoundary7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ctype = format!("multipart/form-data; boundary={boundary}");
    let mut h = vec![("Content-Type", ctype.as_str())];
    if let Some(a) = auth {
        h.push(("Authorization", a));
    }
    send(
        "POST",
        &format!("{}/api/v1/orders/{number}/payment-proof", s.url),
        &h,
        Some(body),
    )
}

fn upload(s: &Store, order: &Value, filename: &str, bytes: &[u8]) -> Page {
    upload_as(
        s,
        order["number"].as_str().unwrap(),
        Some(&bearer(order)),
        "proof",
        filename,
        bytes,
    )
}

/// The names of the files under data/proofs (none when it does not exist yet).
fn proof_files(s: &Store) -> Vec<String> {
    std::fs::read_dir(s.data_dir().join("proofs"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `dir`, recursively.
fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Runs `f(i)` on `n` threads released together from a barrier.
fn race<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(n);
    std::thread::scope(|sc| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (f, barrier) = (&f, &barrier);
                sc.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn cart_lifecycle_create_add_patch_delete() {
    let s = Store::empty();
    let tee = product(&s, "tee", 59_900, 20);
    let cart = new_cart(&s);

    let j = get_cart(&s, &cart);
    assert_eq!(j["lines"], json!([]));
    assert_eq!(
        (j["subtotal"].as_i64(), j["currency"].as_str()),
        (Some(0), Some("INR"))
    );

    let p = add(&s, &cart, tee, 2);
    assert_eq!(p.status, 200, "{}", p.text());
    let j = p.json();
    assert_eq!(j["lines"][0]["variant_id"], tee);
    assert_eq!(j["lines"][0]["sku"], "TEE");
    assert_eq!(j["lines"][0]["quantity"], 2);
    assert_eq!(j["subtotal"], 2 * 59_900);
    // Adding again adds to the line; quantity defaults to 1.
    let p = api(
        &s,
        "POST",
        &format!("/carts/{cart}/items"),
        Some(&json!({"variant_id": tee})),
    );
    assert_eq!(p.json()["lines"][0]["quantity"], 3);

    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{cart}/items/{tee}"),
        Some(&json!({"quantity": 5})),
    );
    assert_eq!(p.status, 200, "{}", p.text());
    assert_eq!(p.json()["lines"][0]["quantity"], 5);
    assert_eq!(p.json()["units"], 5);
    assert_eq!(get_cart(&s, &cart)["subtotal"], 5 * 59_900);

    let p = api(&s, "DELETE", &format!("/carts/{cart}/items/{tee}"), None);
    assert_eq!(p.status, 200, "{}", p.text());
    assert_eq!(p.json()["lines"], json!([]));
    assert_eq!(get_cart(&s, &cart)["lines"], json!([]));
    // Nothing in carts changes the catalog.
    assert_eq!(stock(&s, tee), 20);
}

#[test]
fn unknown_carts_and_malformed_requests_get_the_error_envelope() {
    let s = Store::empty();
    let tee = product(&s, "tee", 59_900, 20);
    let cart = cart_with(&s, tee, 1);

    // A made-up token reaches no cart, whatever the method.
    let fake = "x".repeat(43);
    assert_error(
        &api(&s, "GET", &format!("/carts/{fake}"), None),
        404,
        "not_found",
    );
    assert_error(&add(&s, &fake, tee, 1), 404, "not_found");
    assert_error(
        &checkout(&s, &fake, "k-1", &buyer("a@shop.test", "cod")),
        404,
        "not_found",
    );
    // An unknown variant, or a path segment that is not one.
    assert_error(&add(&s, &cart, 999_999, 1), 404, "not_found");
    assert_error(
        &api(&s, "DELETE", &format!("/carts/{cart}/items/abc"), None),
        404,
        "not_found",
    );

    let items = format!("/carts/{cart}/items");
    // Not JSON, not an object, wrong types: 400 with the envelope, nothing changed.
    for body in [
        &b"{\"variant_id\": 1,"[..],
        b"not json at all",
        b"[1, 2]",
        b"\"variant\"",
        b"{}",
    ] {
        let p = raw(&s, "POST", &items, "application/json", body);
        assert_error(&p, 400, "bad_request");
    }
    for body in [
        json!({"variant_id": tee.to_string(), "quantity": 1}),
        json!({"variant_id": tee, "quantity": "2"}),
        json!({"variant_id": tee, "quantity": 1.5}),
        json!({"variant_id": tee, "quantity": null}),
        json!({"variant_id": null}),
        json!({"variant_id": tee, "quantity": 0}),
        json!({"variant_id": tee, "quantity": -3}),
    ] {
        let p = api(&s, "POST", &items, Some(&body));
        assert_error(&p, 400, "bad_request");
    }
    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{cart}/items/{tee}"),
        Some(&json!({"quantity": "5"})),
    );
    assert_error(&p, 400, "bad_request");
    // A body that does not say it is JSON is refused as such.
    let p = raw(
        &s,
        "POST",
        &items,
        "text/plain",
        format!("{{\"variant_id\": {tee}}}").as_bytes(),
    );
    assert_error(&p, 415, "unsupported_media_type");
    // A method the address does not take.
    assert_error(
        &api(&s, "PUT", &items, Some(&json!({}))),
        405,
        "method_not_allowed",
    );

    let j = get_cart(&s, &cart);
    assert_eq!(j["lines"].as_array().unwrap().len(), 1);
    assert_eq!(j["lines"][0]["quantity"], 1);
}

#[test]
fn cart_caps_stock_and_withdrawn_items_are_refused_and_change_nothing() {
    let s = Store::empty();
    let tee = product(&s, "tee", 59_900, 50);
    let few = product(&s, "few", 10_000, 3);
    let cart = cart_with(&s, tee, 4);

    // Over the per-line cap of 10, by adding or by setting: 400, the line stays at 4.
    let e = assert_error(&add(&s, &cart, tee, 7), 400, "bad_request");
    assert!(e["message"].as_str().unwrap().contains("10"), "{e}");
    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{cart}/items/{tee}"),
        Some(&json!({"quantity": 11})),
    );
    assert_error(&p, 400, "bad_request");
    assert_error(&add(&s, &cart, tee, 100_000_000), 400, "bad_request");
    assert_eq!(get_cart(&s, &cart)["lines"][0]["quantity"], 4);

    // Over the stock: 409 with what is available.
    let e = assert_error(&add(&s, &cart, few, 4), 409, "conflict");
    assert_eq!(e["details"]["variant_id"], few);
    assert_eq!(e["details"]["available"], 3);
    assert_eq!(get_cart(&s, &cart)["lines"].as_array().unwrap().len(), 1);

    // A draft product and an archived variant cannot be added.
    let draft = product(&s, "draft", 10_000, 5);
    let archived = product(&s, "archived", 10_000, 5);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "UPDATE products SET status = 'draft' WHERE id = (SELECT product_id FROM variants WHERE id = ?1)",
                [draft],
            )?;
            tx.execute("UPDATE variants SET archived = 1 WHERE id = ?1", [archived])?;
            Ok(())
        })
        .unwrap();
    assert_error(&add(&s, &cart, draft, 1), 409, "conflict");
    assert_error(&add(&s, &cart, archived, 1), 409, "conflict");
    assert_eq!(get_cart(&s, &cart)["lines"].as_array().unwrap().len(), 1);

    // More than 10 distinct lines: the 11th is refused, the 10 stay.
    let cart = new_cart(&s);
    let mut ids = Vec::new();
    for i in 0..11 {
        ids.push(product(&s, &format!("line-{i}"), 1_000, 5));
    }
    for id in &ids[..10] {
        assert_eq!(add(&s, &cart, *id, 1).status, 200);
    }
    let e = assert_error(&add(&s, &cart, ids[10], 1), 400, "bad_request");
    assert!(e["message"].as_str().unwrap().contains("10"), "{e}");
    let j = get_cart(&s, &cart);
    assert_eq!(j["lines"].as_array().unwrap().len(), 10);
    assert!(
        j["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["variant_id"] != ids[10])
    );
}

#[test]
fn cod_checkout_totals_are_computed_by_the_server_and_price_tampering_is_ignored() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let cart = cart_with(&s, tee, 2);

    // Everything a client might say about money, at the top, in the address and in lines.
    let mut body = buyer("asha@shop.test", "cod");
    for (k, v) in [
        ("price", json!(1)),
        ("unit_price", json!(1)),
        ("total", json!(1)),
        ("subtotal", json!(1)),
        ("discount", json!(99_999)),
        ("shipping", json!(0)),
        ("cod_fee", json!(0)),
        (
            "totals",
            json!({"total": 1, "subtotal": 1, "discount": 99_999}),
        ),
        (
            "lines",
            json!([{"variant_id": tee, "quantity": 2, "price": 1, "unit_price": 1,
                    "total": 1, "subtotal": 1, "discount": 99_999, "line_total": 2}]),
        ),
    ] {
        body[k] = v;
    }
    body["address"]["price"] = json!(1);
    let o = place(&s, &cart, "tamper-1", &body);

    // 2 × ₹500 = ₹1,000: under ₹1,499, so shipping ₹99; COD fee ₹49.
    assert_eq!(o["status"], "confirmed");
    assert_eq!(o["payment_status"], "unpaid");
    assert_eq!(o["payment_method"], "cod");
    assert_eq!(o["currency"], "INR");
    let t = &o["totals"];
    assert_eq!(t["subtotal"], 100_000);
    assert_eq!(t["discount"], 0);
    assert_eq!(t["shipping"], SHIPPING);
    assert_eq!(t["cod_fee"], COD_FEE);
    assert_eq!(t["total"], 100_000 + SHIPPING + COD_FEE);
    assert_eq!(o["lines"].as_array().unwrap().len(), 1);
    assert_eq!(o["lines"][0]["unit_price"], 50_000);
    assert_eq!(o["lines"][0]["quantity"], 2);
    assert_eq!(o["lines"][0]["line_total"], 100_000);
    assert_eq!(o["address"]["country"], "IN");
    assert!(o["pay_by"].is_null(), "COD has no payment window");
    assert!(o["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert!(o.get("bank_transfer").is_none());
    // The stored order agrees with the response.
    let number = o["number"].as_str().unwrap().to_string();
    assert_eq!(
        count(
            &s,
            &format!("SELECT total FROM orders WHERE number = '{number}'")
        ),
        100_000 + SHIPPING + COD_FEE
    );
    assert_eq!(stock(&s, tee), 18);
    // The cart is empty after checkout.
    assert_eq!(get_cart(&s, &cart)["lines"], json!([]));
    ledger_balanced(&s);

    // Over the threshold shipping is free; the COD fee stays. The price is the one of
    // the moment the order is written: raised after the cart was filled, the order
    // pays the new one.
    let cart = cart_with(&s, tee, 3);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute("UPDATE variants SET price = 55000 WHERE id = ?1", [tee])?;
            Ok(())
        })
        .unwrap();
    let o2 = place(&s, &cart, "tamper-2", &body);
    assert_eq!(o2["lines"][0]["unit_price"], 55_000);
    const { assert!(3 * 55_000 >= FREE_OVER) };
    assert_eq!(o2["totals"]["subtotal"], 165_000);
    assert_eq!(o2["totals"]["shipping"], 0);
    assert_eq!(o2["totals"]["total"], 165_000 + COD_FEE);
    assert_ne!(o2["number"], o["number"]);
}

#[test]
fn an_order_is_read_only_with_its_own_bearer_token() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let mine = place(
        &s,
        &cart_with(&s, tee, 1),
        "idor-1",
        &buyer("asha@shop.test", "cod"),
    );
    let theirs = place(
        &s,
        &cart_with(&s, tee, 1),
        "idor-2",
        &buyer("ravi@shop.test", "cod"),
    );
    let number = mine["number"].as_str().unwrap();

    let p = get_order(&s, number, Some(&bearer(&mine)));
    assert_eq!(p.status, 200, "{}", p.text());
    let j = p.json();
    assert_eq!(j["order"]["number"], number);
    assert_eq!(j["order"]["totals"], mine["totals"]);
    assert_eq!(j["order"]["email"], "asha@shop.test");
    // The token is handed out once, at checkout.
    assert!(j["order"].get("access_token").is_none());
    assert!(
        j["order"]["events"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );

    // The scheme is case-insensitive (RFC 9110 §11.1).
    let lower = format!("bearer {}", mine["access_token"].as_str().unwrap());
    assert_eq!(get_order(&s, number, Some(&lower)).status, 200);

    // No token, or not a bearer token: 401.
    let p = get_order(&s, number, None);
    assert_error(&p, 401, "unauthorized");
    assert_eq!(p.header("www-authenticate"), Some("Bearer"));
    let basic = format!("Basic {}", mine["access_token"].as_str().unwrap());
    for auth in [basic.as_str(), "Bearer", "Bearer "] {
        assert_error(&get_order(&s, number, Some(auth)), 401, "unauthorized");
    }
    // Another order's token or a made-up one: 404, the same answer as an order that does
    // not exist, so numbers cannot be probed.
    for auth in [
        bearer(&theirs),
        "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
    ] {
        let e = assert_error(&get_order(&s, number, Some(&auth)), 404, "not_found");
        assert!(!e.to_string().contains("asha"), "{e}");
    }
    assert_error(
        &get_order(&s, "BQ-99999", Some(&bearer(&mine))),
        404,
        "not_found",
    );
    // The other order's token works for the other order only.
    let p = get_order(
        &s,
        theirs["number"].as_str().unwrap(),
        Some(&bearer(&theirs)),
    );
    assert_eq!(p.status, 200);
    assert_eq!(p.json()["order"]["email"], "ravi@shop.test");
}

#[test]
fn bank_transfer_order_takes_a_real_png_proof_and_awaits_verification() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let before = boutique::db::now();
    let o = place(
        &s,
        &cart_with(&s, tee, 1),
        "bank-1",
        &buyer("asha@shop.test", "bank_transfer"),
    );
    assert_eq!(o["status"], "pending_payment");
    assert_eq!(o["payment_status"], "unpaid");
    assert_eq!(o["payment_method"], "bank_transfer");
    assert_eq!(o["totals"]["cod_fee"], 0);
    assert_eq!(o["totals"]["total"], 50_000 + SHIPPING);
    // 48 hours to pay, and where to pay, quoting the order number.
    let pay_by = o["pay_by"].as_i64().expect("pay_by");
    assert!((before + 48 * 3600..=boutique::db::now() + 48 * 3600).contains(&pay_by));
    let lines: Vec<&str> = o["bank_transfer"]
        .as_array()
        .expect("bank_transfer instructions")
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let text = lines.join("\n");
    assert!(text.contains("Account number: 50200012345678"), "{text}");
    assert!(text.contains(o["number"].as_str().unwrap()), "{text}");

    // The shopper's file name is hostile; the server must not use it.
    let p = upload(&s, &o, "../../etc/passwd.png", &png(32, 24));
    assert_eq!(p.status, 201, "{}", p.text());
    let j = p.json();
    assert_eq!(j["order"]["status"], "awaiting_verification");
    assert_eq!(j["order"]["proofs"].as_array().unwrap().len(), 1);
    let again = get_order(&s, o["number"].as_str().unwrap(), Some(&bearer(&o)));
    assert_eq!(again.json()["order"]["status"], "awaiting_verification");

    let names = proof_files(&s);
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    assert!(
        name.ends_with(".png") && !name.contains("passwd") && name.len() > 20,
        "{name}"
    );
    assert!(
        name.trim_end_matches(".png")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{name}"
    );
    let stored: String = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT file FROM payment_proofs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(&stored, name);
    assert_eq!(
        std::fs::read(s.data_dir().join("proofs").join(name)).unwrap(),
        png(32, 24)
    );
    // Nothing landed anywhere else under the store's directory.
    let mut files = Vec::new();
    all_files(s.dir.path(), &mut files);
    assert!(
        files
            .iter()
            .all(|f| !f.to_string_lossy().contains("passwd")),
        "{files:?}"
    );
    assert!(!s.dir.path().join("etc").exists() && !s.data_dir().join("etc").exists());
}

#[test]
fn every_bad_proof_file_is_refused_and_nothing_is_stored() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let o = place(
        &s,
        &cart_with(&s, tee, 1),
        "bank-bad",
        &buyer("asha@shop.test", "bank_transfer"),
    );
    let good = png(16, 16);
    let mut polyglot = good.clone();
    polyglot
        .extend_from_slice(b"<html><body><script>alert(document.cookie)</script></body></html>");
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("renamed text", "receipt.png", b"Paid 500 rupees on 3 March, ref 123456".to_vec()),
        ("HTML", "receipt.png", b"<!doctype html><html><script>alert(1)</script></html>".to_vec()),
        (
            "SVG",
            "receipt.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(1)</script></svg>".to_vec(),
        ),
        ("PNG with HTML appended", "receipt.png", polyglot),
        ("truncated PNG", "receipt.png", good[..good.len() / 2].to_vec()),
        ("empty file", "receipt.png", Vec::new()),
    ];
    for (what, filename, bytes) in &cases {
        let p = upload(&s, &o, filename, bytes);
        assert!(
            matches!(p.status, 400 | 415),
            "{what}: {} {}",
            p.status,
            p.text()
        );
        assert!(p.json()["error"]["message"].is_string(), "{what}");
        assert!(
            proof_files(&s).is_empty(),
            "{what} left {:?}",
            proof_files(&s)
        );
    }
    // The wrong field name, or no multipart at all.
    let number = o["number"].as_str().unwrap();
    let p = upload_as(&s, number, Some(&bearer(&o)), "file", "r.png", &good);
    assert_eq!(p.status, 400, "{}", p.text());
    let p = send(
        "POST",
        &format!("{}/api/v1/orders/{number}/payment-proof", s.url),
        &[
            ("Authorization", &bearer(&o)),
            ("Content-Type", "image/png"),
        ],
        Some(good.clone()),
    );
    assert_error(&p, 415, "unsupported_media_type");
    // Without the order's token, a good file is not taken either.
    assert_error(
        &upload_as(&s, number, None, "proof", "r.png", &good),
        401,
        "unauthorized",
    );
    assert_error(
        &upload_as(&s, number, Some("Bearer nope"), "proof", "r.png", &good),
        404,
        "not_found",
    );

    assert!(proof_files(&s).is_empty(), "{:?}", proof_files(&s));
    assert_eq!(count(&s, "SELECT count(*) FROM payment_proofs"), 0);
    let j = get_order(&s, number, Some(&bearer(&o))).json();
    assert_eq!(j["order"]["status"], "pending_payment");
    assert_eq!(j["order"]["proofs"], json!([]));
}

#[test]
fn an_oversize_proof_is_413_and_nothing_is_stored() {
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[payments]\nproof_max_mb = 1\n"),
        false,
    );
    let tee = product(&s, "tee", 50_000, 20);
    let o = place(
        &s,
        &cart_with(&s, tee, 1),
        "big-1",
        &buyer("asha@shop.test", "bank_transfer"),
    );
    // A genuine PNG just over 1 MB (within the HTTP layer's allowance for multipart
    // framing, so the proof check itself must refuse it) and one well past it (refused
    // before the body is buffered).
    let big = noisy_png(600, 600);
    assert!(
        big.len() > 1024 * 1024 && big.len() < 1024 * 1024 + 60 * 1024,
        "{}",
        big.len()
    );
    let p = upload(&s, &o, "big.png", &big);
    assert_error(&p, 413, "payload_too_large");
    let huge = noisy_png(800, 800);
    assert!(huge.len() > 1024 * 1024 + 64 * 1024);
    let p = upload(&s, &o, "huge.png", &huge);
    assert_eq!(p.status, 413, "{}", p.text());
    assert!(proof_files(&s).is_empty(), "{:?}", proof_files(&s));
    assert_eq!(count(&s, "SELECT count(*) FROM payment_proofs"), 0);
    // The same store still takes a proof under the limit.
    let p = upload(&s, &o, "small.png", &png(8, 8));
    assert_eq!(p.status, 201, "{}", p.text());
    assert_eq!(proof_files(&s).len(), 1);
}

#[test]
fn a_proof_for_a_cash_on_delivery_order_is_refused() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let o = place(
        &s,
        &cart_with(&s, tee, 1),
        "cod-proof",
        &buyer("asha@shop.test", "cod"),
    );
    let e = assert_error(&upload(&s, &o, "r.png", &png(8, 8)), 409, "conflict");
    assert!(
        e["message"].as_str().unwrap().contains("bank transfer"),
        "{e}"
    );
    // The file was judged and written before the order refused it: it must be gone.
    assert!(proof_files(&s).is_empty(), "{:?}", proof_files(&s));
    assert_eq!(count(&s, "SELECT count(*) FROM payment_proofs"), 0);
    let j = get_order(&s, o["number"].as_str().unwrap(), Some(&bearer(&o))).json();
    assert_eq!(j["order"]["status"], "confirmed");
}

#[test]
fn the_same_idempotency_key_replays_the_order_and_a_changed_body_is_422() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let cart = cart_with(&s, tee, 2);
    let body = buyer("asha@shop.test", "cod");

    // Without a key there is no checkout.
    let p = api(&s, "POST", &format!("/carts/{cart}/checkout"), Some(&body));
    assert_error(&p, 400, "bad_request");
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);

    let first = checkout(&s, &cart, "key-replay", &body);
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("idempotent-replayed"), None);
    let o = first.json()["order"].clone();

    // The retry: same order, same token, marked as a replay; the cart is empty by now,
    // which must not matter.
    let again = checkout(&s, &cart, "key-replay", &body);
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let o2 = again.json()["order"].clone();
    assert_eq!(o2["number"], o["number"]);
    assert_eq!(o2["access_token"], o["access_token"]);
    assert_eq!(o2["totals"], o["totals"]);
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 1);
    assert_eq!(stock(&s, tee), 18);

    // The same key with another body is refused, and writes nothing.
    let mut other = body.clone();
    other["name"] = json!("Someone Else");
    let e = assert_error(
        &checkout(&s, &cart, "key-replay", &other),
        422,
        "idempotency_key_reused",
    );
    assert!(
        e["message"].as_str().unwrap().contains("idempotency key"),
        "{e}"
    );
    let mut other = body.clone();
    other["payment_method"] = json!("bank_transfer");
    assert_error(
        &checkout(&s, &cart, "key-replay", &other),
        422,
        "idempotency_key_reused",
    );
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 1);
    assert_eq!(stock(&s, tee), 18);
    ledger_balanced(&s);
}

#[test]
fn twenty_concurrent_requests_with_one_key_make_one_order() {
    let s = Store::empty();
    let tee = product(&s, "tee", 50_000, 20);
    let cart = cart_with(&s, tee, 3);
    let body = buyer("asha@shop.test", "cod");

    let results = race(20, |_| {
        let p = checkout(&s, &cart, "double-click", &body);
        let replayed = p.header("idempotent-replayed") == Some("true");
        (p.status, p.json(), replayed)
    });
    let statuses: Vec<u16> = results.iter().map(|r| r.0).collect();
    assert!(statuses.iter().all(|st| *st == 201), "{statuses:?}");
    let first = &results[0].1["order"];
    for (_, j, _) in &results {
        assert_eq!(j["order"]["number"], first["number"]);
        assert_eq!(j["order"]["access_token"], first["access_token"]);
    }
    // Exactly one of them placed it; the 19 others were answered as replays.
    assert_eq!(results.iter().filter(|r| !r.2).count(), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 1);
    assert_eq!(count(&s, "SELECT count(*) FROM order_lines"), 1);
    assert_eq!(stock(&s, tee), 17);
    assert_eq!(
        count(
            &s,
            &format!(
                "SELECT count(*) FROM stock_ledger WHERE variant_id = {tee} AND reason = 'sale'"
            )
        ),
        1
    );
    ledger_balanced(&s);
}

#[test]
fn two_hundred_shoppers_race_for_twenty_five_units() {
    let s = Store::empty();
    let last = product(&s, "last-units", 120_000, 25);
    // Every shopper fills a cart first (all 200 can: each wants 1 of 25), then all check
    // out at once, so the race is decided where it matters: in the order transaction.
    let carts: Vec<String> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..200)
            .map(|_| sc.spawn(|| cart_with(&s, last, 1)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let results = race(200, |i| {
        let p = checkout(
            &s,
            &carts[i],
            &format!("race-{i}"),
            &buyer(&format!("shopper{i}@shop.test"), "cod"),
        );
        (p.status, p.json())
    });
    let won = results.iter().filter(|r| r.0 == 201).count();
    let server_errors: Vec<_> = results.iter().filter(|r| r.0 >= 500).collect();
    assert!(server_errors.is_empty(), "{server_errors:?}");
    assert_eq!(won, 25);
    for (status, j) in results.iter().filter(|r| r.0 != 201) {
        assert_eq!(*status, 409, "{j}");
        assert_eq!(j["error"]["code"], "conflict");
        let short = j["error"]["details"]["short"].as_array().expect("short");
        assert_eq!(short.len(), 1, "{j}");
        assert_eq!(short[0]["variant_id"], last);
        assert_eq!(short[0]["sku"], "LAST-UNITS");
        assert_eq!(short[0]["requested"], 1);
        assert_eq!(short[0]["available"], 0);
    }
    let numbers: std::collections::HashSet<_> = results
        .iter()
        .filter(|r| r.0 == 201)
        .map(|r| r.1["order"]["number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(numbers.len(), 25);
    assert_eq!(stock(&s, last), 0);
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 25);
    assert_eq!(count(&s, "SELECT sum(quantity) FROM order_lines"), 25);
    ledger_balanced(&s);
}

#[test]
fn a_coupon_limit_holds_under_a_race_and_per_email() {
    let s = Store::empty();
    let tee = product(&s, "tee", 100_000, 100);
    coupon(
        &s,
        NewCoupon {
            code: "RACE10".into(),
            kind: "percent".into(),
            value: 10,
            max_redemptions: Some(10),
            ..Default::default()
        },
    );
    let carts: Vec<String> = (0..50).map(|_| cart_with(&s, tee, 1)).collect();
    let results = race(50, |i| {
        let mut body = buyer(&format!("c{i}@shop.test"), "cod");
        body["coupon"] = json!("RACE10");
        let p = checkout(&s, &carts[i], &format!("coupon-{i}"), &body);
        (p.status, p.json())
    });
    let won: Vec<&Value> = results
        .iter()
        .filter(|r| r.0 == 201)
        .map(|r| &r.1["order"])
        .collect();
    assert_eq!(won.len(), 10);
    for o in &won {
        assert_eq!(o["coupon"], "RACE10");
        assert_eq!(o["totals"]["discount"], 10_000);
        assert_eq!(o["totals"]["total"], 100_000 - 10_000 + SHIPPING + COD_FEE);
    }
    // The others are told the code is used up (400 when it shows at pricing, 409 when it
    // is taken under the write lock) and nothing of theirs is written.
    for (status, j) in results.iter().filter(|r| r.0 != 201) {
        assert!(matches!(status, 400 | 409), "{status} {j}");
        assert!(
            j["error"]["message"].as_str().unwrap().contains("RACE10"),
            "{j}"
        );
    }
    assert_eq!(
        count(&s, "SELECT redeemed FROM coupons WHERE code = 'RACE10'"),
        10
    );
    assert_eq!(count(&s, "SELECT count(*) FROM coupon_redemptions"), 10);
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 10);
    assert_eq!(stock(&s, tee), 90);
    ledger_balanced(&s);

    // Once per email: the second use by the same address (in any case) is refused.
    coupon(
        &s,
        NewCoupon {
            code: "ONCE".into(),
            kind: "fixed".into(),
            value: 5_000,
            per_customer: Some(1),
            ..Default::default()
        },
    );
    let mut body = buyer("repeat@shop.test", "cod");
    body["coupon"] = json!("ONCE");
    let o = place(&s, &cart_with(&s, tee, 1), "once-1", &body);
    assert_eq!(o["totals"]["discount"], 5_000);
    body["email"] = json!("Repeat@Shop.test");
    let cart = cart_with(&s, tee, 1);
    let e = assert_error(&checkout(&s, &cart, "once-2", &body), 400, "bad_request");
    assert!(e["message"].as_str().unwrap().contains("ONCE"), "{e}");
    assert_eq!(
        count(&s, "SELECT redeemed FROM coupons WHERE code = 'ONCE'"),
        1
    );
    // Another address may still use it; a code typed in lower case is the same code.
    body["email"] = json!("someone.else@shop.test");
    body["coupon"] = json!("once");
    let o = place(&s, &cart, "once-3", &body);
    assert_eq!(o["coupon"], "ONCE");
    assert_eq!(o["totals"]["discount"], 5_000);
}

#[test]
fn short_stock_names_every_short_variant_and_writes_nothing() {
    let s = Store::empty();
    let a = product(&s, "scarf", 30_000, 3);
    let b = product(&s, "stole", 40_000, 3);
    let c = product(&s, "plenty", 10_000, 50);
    let cart = new_cart(&s);
    for (v, q) in [(a, 3), (b, 3), (c, 1)] {
        assert_eq!(add(&s, &cart, v, q).status, 200);
    }
    // Stock falls after the cart was filled: one to 1, one to 0.
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            catalog::adjust_stock(tx, a, -2, "damaged", "test", "", now)?;
            catalog::adjust_stock(tx, b, -3, "damaged", "test", "", now)
        })
        .unwrap();

    let e = assert_error(
        &checkout(&s, &cart, "short-1", &buyer("asha@shop.test", "cod")),
        409,
        "conflict",
    );
    let short = e["details"]["short"].as_array().expect("details.short");
    assert_eq!(short.len(), 2, "{e}");
    let find = |v: i64| short.iter().find(|x| x["variant_id"] == v).cloned();
    assert_eq!(
        find(a),
        Some(json!({"variant_id": a, "sku": "SCARF", "requested": 3, "available": 1}))
    );
    assert_eq!(
        find(b),
        Some(json!({"variant_id": b, "sku": "STOLE", "requested": 3, "available": 0}))
    );
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("Test scarf") && msg.contains("Test stole"),
        "{msg}"
    );
    // Nothing written: no order, stock as it was (the line that had enough too), the
    // cart intact for the shopper to fix.
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);
    assert_eq!((stock(&s, a), stock(&s, b), stock(&s, c)), (1, 0, 50));
    assert_eq!(get_cart(&s, &cart)["lines"].as_array().unwrap().len(), 3);
    ledger_balanced(&s);

    // An item withdrawn since it was added is named too (409), nothing written.
    let cart = cart_with(&s, c, 1);
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute("UPDATE variants SET archived = 1 WHERE id = ?1", [c])?;
            Ok(())
        })
        .unwrap();
    let e = assert_error(
        &checkout(&s, &cart, "gone-1", &buyer("asha@shop.test", "cod")),
        409,
        "conflict",
    );
    assert_eq!(e["details"]["unavailable"], json!([c]));
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);
    assert_eq!(stock(&s, c), 50);
}

#[test]
fn zones_and_cod_limits_refuse_with_the_reason() {
    let zones = r#"
[[shipping.zones]]
name = "India"
countries = ["IN"]

[[shipping.zones]]
name = "UK"
countries = ["GB"]
cod = false
"#;
    let s = Store::with_config(&format!("{BASE_CONFIG}{zones}"), false);
    let tee = product(&s, "tee", 50_000, 20);
    let gold = product(&s, "gold", 1_500_000, 5);
    let cart = cart_with(&s, tee, 1);

    // A country no zone covers.
    let e = assert_error(
        &checkout(&s, &cart, "zone-us", &buyer_in("a@shop.test", "cod", "US")),
        400,
        "bad_request",
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("do not deliver to US"),
        "{e}"
    );
    let e = assert_error(
        &checkout(
            &s,
            &cart,
            "zone-us-bank",
            &buyer_in("a@shop.test", "bank_transfer", "US"),
        ),
        400,
        "bad_request",
    );
    assert!(
        e["message"].as_str().unwrap().contains("do not deliver"),
        "{e}"
    );
    // A zone without cash on delivery.
    let e = assert_error(
        &checkout(&s, &cart, "zone-gb", &buyer_in("a@shop.test", "cod", "GB")),
        400,
        "bad_request",
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("Cash on delivery is not available"),
        "{e}"
    );
    // A method the store does not take.
    for m in ["cheque", "upi"] {
        assert_error(
            &checkout(&s, &cart, &format!("m-{m}"), &buyer("a@shop.test", m)),
            400,
            "bad_request",
        );
    }
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);
    assert_eq!(stock(&s, tee), 20);

    // COD over ₹20,000: refused with the limit; bank transfer for the same cart is fine.
    let cart = cart_with(&s, gold, 2);
    let e = assert_error(
        &checkout(&s, &cart, "cod-max", &buyer("a@shop.test", "cod")),
        400,
        "bad_request",
    );
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("Cash on delivery is available for orders up to"),
        "{msg}"
    );
    assert!(msg.contains("20,000"), "{msg}");
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);
    assert_eq!(stock(&s, gold), 5);
    let o = place(
        &s,
        &cart,
        "cod-max-bank",
        &buyer("a@shop.test", "bank_transfer"),
    );
    assert_eq!(o["totals"]["total"], 3_000_000);
    assert_eq!(stock(&s, gold), 3);
    // And the covered places work, with the zone's own rules.
    let o = place(
        &s,
        &cart_with(&s, tee, 1),
        "gb-bank",
        &buyer_in("b@shop.test", "bank_transfer", "GB"),
    );
    assert_eq!(o["address"]["country"], "GB");
    assert_eq!(o["totals"]["shipping"], SHIPPING);
}

#[test]
fn openapi_describes_every_cart_and_order_endpoint() {
    let s = Store::empty();
    let p = s.get("/api/v1/openapi.json");
    assert_eq!(p.status, 200);
    let doc = p.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = &doc["paths"];
    for (path, methods) in [
        ("/carts", &["post"][..]),
        ("/carts/{token}", &["get"]),
        ("/carts/{token}/items", &["post"]),
        ("/carts/{token}/items/{variant_id}", &["patch", "delete"]),
        ("/carts/{token}/checkout", &["post"]),
        ("/orders/{number}", &["get"]),
        ("/orders/{number}/payment-proof", &["post"]),
        ("/products", &["get"]),
        ("/products/{slug}", &["get"]),
        ("/categories", &["get"]),
        ("/openapi.json", &["get"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} missing");
        }
    }
    let co = &paths["/carts/{token}/checkout"]["post"];
    assert!(
        co["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key"
                && p["in"] == "header"
                && p["required"] == true)
    );
    for status in ["201", "400", "409", "422"] {
        assert!(co["responses"][status].is_object(), "checkout {status}");
    }
    let methods =
        &doc["components"]["schemas"]["CheckoutRequest"]["properties"]["payment_method"]["enum"];
    assert_eq!(
        *methods,
        json!(["cod", "bank_transfer", "razorpay", "stripe"])
    );
    for op in [
        &paths["/orders/{number}"]["get"],
        &paths["/orders/{number}/payment-proof"]["post"],
    ] {
        assert_eq!(op["security"], json!([{"orderToken": []}]));
        assert!(op["responses"]["401"].is_object());
    }
    assert!(
        paths["/orders/{number}/payment-proof"]["post"]["requestBody"]["content"]["multipart/form-data"]
            ["schema"]["properties"]["proof"]
            .is_object()
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["orderToken"]["scheme"],
        "bearer"
    );
    let schemas = &doc["components"]["schemas"];
    for name in ["Cart", "Order", "Error", "CheckoutRequest", "ShortVariant"] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    assert!(schemas["Error"]["properties"]["error"]["properties"]["details"].is_object());
    // Every $ref points at something the document defines.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for r in all {
        let ptr = r.strip_prefix('#').expect("local ref");
        assert!(doc.pointer(ptr).is_some(), "dangling {r}");
    }
}

/// Checkout attempts per cart and proof uploads per order are rate limited: a clear 429
/// with Retry-After, nothing written, other carts unaffected. And a used key sent from
/// another cart never returns the first cart's order.
#[test]
fn checkout_attempts_and_uploads_are_rate_limited_and_keys_stay_with_their_cart() {
    let s = Store::empty();
    let v = product(&s, "limit-jar", 50_000, 1_000);
    let cart = cart_with(&s, v, 1);
    // Bad attempts (no email) count too: that is what a script probing would send.
    let mut body = buyer("limit@example.com", "cod");
    body["email"] = json!("");
    for i in 0..30 {
        let p = checkout(&s, &cart, &format!("bad-{i}"), &body);
        assert_eq!(p.status, 400, "{}", p.text());
    }
    let p = checkout(&s, &cart, "one-more", &buyer("limit@example.com", "cod"));
    assert_error(&p, 429, "rate_limited");
    assert!(p.header("retry-after").is_some());
    assert_eq!(count(&s, "SELECT count(*) FROM orders"), 0);
    // Another cart is not affected; its key cannot fetch another cart's order.
    let other = cart_with(&s, v, 1);
    let order = place(
        &s,
        &other,
        "shared-key",
        &buyer("limit@example.com", "bank_transfer"),
    );
    let third = cart_with(&s, v, 1);
    let p = checkout(
        &s,
        &third,
        "shared-key",
        &buyer("limit@example.com", "bank_transfer"),
    );
    assert_error(&p, 422, "idempotency_key_reused");
    assert!(!p.text().contains(order["access_token"].as_str().unwrap()));
    // Ten uploads an hour per order, then 429.
    let picture = png(8, 8);
    for _ in 0..10 {
        let p = upload(&s, &order, "t.png", &picture);
        assert_eq!(p.status, 201, "{}", p.text());
    }
    let p = upload(&s, &order, "t.png", &picture);
    assert_error(&p, 429, "rate_limited");
    assert_eq!(
        count(&s, "SELECT count(*) FROM payment_proofs"),
        10,
        "the refused upload stored nothing"
    );
}

/// The limits written in the OpenAPI are the ones the server enforces: each constraint is
/// read from the document and a value just past it is sent; the server refuses it with the
/// envelope and nothing changes. And what the document says a missing line answers (404)
/// is what PATCH and DELETE of a line the cart does not hold answer.
#[test]
fn openapi_constraints_are_the_limits_the_server_enforces() {
    let s = Store::empty();
    let tee = product(&s, "tee", 59_900, 50);
    let other = product(&s, "other", 10_000, 50);
    let doc = s.get("/api/v1/openapi.json").json();
    let paths = &doc["paths"];
    let schemas = &doc["components"]["schemas"];

    // The per-line cap is store.toml's [cart] max_line_quantity (10), in both bodies.
    let add_q = &paths["/carts/{token}/items"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["quantity"];
    let set_q = &paths["/carts/{token}/items/{variant_id}"]["patch"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["quantity"];
    assert_eq!(add_q["maximum"], 10);
    assert_eq!(set_q["maximum"], 10);
    let cart = new_cart(&s);
    let max = add_q["maximum"].as_i64().unwrap();
    assert_error(&add(&s, &cart, tee, max + 1), 400, "bad_request");
    assert_eq!(add(&s, &cart, tee, max).status, 200);
    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{cart}/items/{tee}"),
        Some(&json!({"quantity": max + 1})),
    );
    assert_error(&p, 400, "bad_request");

    // PATCH and DELETE reach only a line the cart holds: 404, and no line is made.
    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{cart}/items/{other}"),
        Some(&json!({"quantity": 2})),
    );
    assert_error(&p, 404, "not_found");
    let line = &paths["/carts/{token}/items/{variant_id}"];
    assert!(
        line["patch"]["responses"]["404"]["description"]
            .as_str()
            .unwrap()
            .contains("holds no line")
    );
    assert_eq!(
        api(&s, "DELETE", &format!("/carts/{cart}/items/{tee}"), None).status,
        200
    );
    let p = api(&s, "DELETE", &format!("/carts/{cart}/items/{tee}"), None);
    assert_error(&p, 404, "not_found");
    assert_eq!(get_cart(&s, &cart)["lines"], json!([]));

    // Search: `q` longer than maxLength is a 400, at maxLength it is a search.
    let q = &paths["/products"]["get"]["parameters"][0];
    assert_eq!(q["name"], "q");
    let n = q["schema"]["maxLength"].as_u64().unwrap() as usize;
    let p = s.get(&format!("/api/v1/products?q={}", "a".repeat(n + 1)));
    assert_error(&p, 400, "bad_request");
    assert_eq!(
        s.get(&format!("/api/v1/products?q={}", "a".repeat(n)))
            .status,
        200
    );
    // in_stock takes only the values of its enum.
    let in_stock = &paths["/products"]["get"]["parameters"][3];
    assert_eq!(in_stock["name"], "in_stock");
    for v in in_stock["schema"]["enum"].as_array().unwrap() {
        let p = s.get(&format!(
            "/api/v1/products?in_stock={}",
            v.as_str().unwrap()
        ));
        assert_eq!(p.status, 200, "in_stock={v}");
    }
    assert_error(
        &s.get("/api/v1/products?in_stock=maybe"),
        400,
        "bad_request",
    );

    // Checkout fields: one past maxLength, blank where minLength/pattern say "not blank".
    let req = &schemas["CheckoutRequest"]["properties"];
    assert_eq!(req["name"]["maxLength"], 80);
    assert_eq!(req["name"]["minLength"], 1);
    assert_eq!(req["email"]["maxLength"], 254);
    let cart = cart_with(&s, tee, 1);
    let long = |field: &str| "a".repeat(req[field]["maxLength"].as_u64().unwrap() as usize + 1);
    let mut bad = Vec::new();
    for (field, value) in [
        ("name", json!(long("name"))),
        ("name", json!("   ")),
        ("phone", json!(long("phone"))),
        ("email", json!(format!("{}@shop.test", long("email")))),
        ("note", json!(long("note"))),
    ] {
        let mut b = buyer("limits@shop.test", "cod");
        b[field] = value;
        bad.push(b);
    }
    let addr = &schemas["Address"]["properties"];
    for (field, value) in [
        (
            "line1",
            "a".repeat(addr["line1"]["maxLength"].as_u64().unwrap() as usize + 1),
        ),
        ("city", " ".to_string()),
        (
            "postal_code",
            "1".repeat(addr["postal_code"]["maxLength"].as_u64().unwrap() as usize + 1),
        ),
        ("country", "IND".to_string()),
    ] {
        let mut b = buyer("limits@shop.test", "cod");
        b["address"][field] = json!(value);
        bad.push(b);
    }
    for (i, b) in bad.iter().enumerate() {
        let p = checkout(&s, &cart, &format!("limits-{i}"), b);
        assert_error(&p, 400, "bad_request");
    }
    assert_eq!(count(&s, "SELECT COUNT(*) FROM orders"), 0);

    // 429 and its Retry-After are written where they can happen.
    let co = &paths["/carts/{token}/checkout"]["post"]["responses"]["429"];
    assert_eq!(co["headers"]["Retry-After"]["required"], true);
    let up = &paths["/orders/{number}/payment-proof"]["post"]["responses"]["503"];
    assert_eq!(up["headers"]["Retry-After"]["required"], true);
}

#[test]
fn a_new_cart_writes_nothing_until_its_first_item_and_made_up_tokens_are_404() {
    let s = Store::empty();
    let v = product(&s, "lazy-cart", 10_000, 5);
    let carts = |s: &Store| count(s, "SELECT count(*) FROM carts");
    let before = carts(&s);
    let token = new_cart(&s);
    assert_eq!(carts(&s), before, "creating a cart writes no row");
    let empty = get_cart(&s, &token);
    assert_eq!(empty["lines"], json!([]));
    // Checking out, or changing a line it does not hold, writes nothing either.
    let p = checkout(&s, &token, "lazy-1", &buyer("a@b.test", "cod"));
    assert_eq!(p.status, 400, "{}", p.text());
    let p = api(
        &s,
        "PATCH",
        &format!("/carts/{token}/items/{v}"),
        Some(&json!({"quantity": 2})),
    );
    assert_eq!(p.status, 404, "{}", p.text());
    assert_eq!(carts(&s), before);
    // A made-up token (or one with its tag changed) is no cart.
    let (random, tag) = token.split_once('.').unwrap();
    let forged = format!(
        "{random}.{}",
        if tag.starts_with('0') { "1" } else { "0" }.repeat(tag.len())
    );
    for t in [forged.as_str(), random, "not-a-token"] {
        assert_eq!(
            api(&s, "GET", &format!("/carts/{t}"), None).status,
            404,
            "{t}"
        );
        assert_eq!(add(&s, t, v, 1).status, 404, "{t}");
    }
    assert_eq!(carts(&s), before);
    // The first item makes the row; the cart then works as before.
    assert_eq!(add(&s, &token, v, 2).status, 200);
    assert_eq!(carts(&s), before + 1);
    assert_eq!(get_cart(&s, &token)["lines"][0]["quantity"], 2);
    place(&s, &token, "lazy-2", &buyer("a@b.test", "cod"));
}

#[test]
fn a_sold_out_bag_is_refused_without_queueing_for_the_writer_and_a_replay_still_answers() {
    let s = Store::empty();
    let v = product(&s, "last-one", 10_000, 1);
    let first = cart_with(&s, v, 1);
    let late = cart_with(&s, v, 1);
    let order = place(&s, &first, "drop-1", &buyer("a@b.test", "cod"));
    // The mail worker writes in the background (the first order's mails), so a try may
    // see its write; a refusal made inside a write transaction would never see none.
    let mut quiet = false;
    for i in 0..20 {
        let writes = s.app().db.transactions();
        let p = checkout(&s, &late, &format!("drop-2-{i}"), &buyer("c@d.test", "cod"));
        let e = assert_error(&p, 409, "conflict");
        assert!(
            e["message"].as_str().unwrap().contains("is sold out"),
            "{e}"
        );
        assert_eq!(e["details"]["short"][0]["available"], 0);
        if s.app().db.transactions() == writes {
            quiet = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(quiet, "refused from a reader, without a write transaction");
    // The first buyer's retry with the same key still gets their order, not the refusal.
    let again = checkout(&s, &first, "drop-1", &buyer("a@b.test", "cod"));
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["order"]["number"], order["number"]);
    assert_eq!(stock(&s, v), 0);
}
