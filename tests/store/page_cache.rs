//! The page cache invalidates only what changed (issue 14): a sale that leaves a product in
//! stock re-renders that product's page and API document and nothing else; a change a
//! card shows (sold out, back in stock, a new title, the lowest price) re-renders the
//! listings too; a price change of a variant that is not the lowest leaves the listings
//! cached; signed-in shoppers are served the same cached pages without one visitor's data
//! reaching another. `X-Cache` says whether an answer came from the cache.

use crate::common::{self, Store, send};
use boutique::db::Tx;
use boutique::shop::catalog;
use serde_json::{Value, json};

fn cache_of(s: &Store, path: &str, cookie: Option<&str>) -> (String, String) {
    let p = common::get_as(s, path, cookie);
    assert_eq!(p.status, 200, "{path}: {}", p.text());
    assert!(
        p.header("set-cookie").is_none(),
        "a cacheable page never sets a cookie: {path}"
    );
    (p.header("x-cache").unwrap_or("").to_string(), p.text())
}

fn state(s: &Store, path: &str) -> String {
    cache_of(s, path, None).0
}

/// Every page twice, so each is in the cache.
fn warm(s: &Store, pages: &[&str]) {
    for p in pages {
        state(s, p);
        assert_eq!(state(s, p), "hit", "{p} cached");
    }
}

fn variant_of(s: &Store, sku: &str) -> i64 {
    common::count(s, &format!("SELECT id FROM variants WHERE sku = '{sku}'"))
}

fn write(s: &Store, sql: &str) {
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            tx.execute_batch(sql)?;
            Ok(())
        })
        .unwrap();
}

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

/// A real order of one unit of `variant` through the API (cart, items, checkout).
fn buy(s: &Store, variant: i64, key: &str) {
    let cart = api(s, "/carts", &[], json!({}))["token"]
        .as_str()
        .unwrap()
        .to_string();
    api(
        s,
        &format!("/carts/{cart}/items"),
        &[],
        json!({"variant_id": variant, "quantity": 1}),
    );
    api(
        s,
        &format!("/carts/{cart}/checkout"),
        &[("Idempotency-Key", key)],
        json!({"email": "asha@example.com", "name": "Asha Rao", "phone": "+91 98765 43210",
               "address": {"line1": "12 MG Road", "city": "Pune", "postal_code": "411001", "country": "IN"},
               "payment_method": "cod"}),
    );
}

const TEE: &str = "/p/handloom-cotton-tee";
const SHIRT: &str = "/p/indigo-linen-shirt";
const HONEY: &str = "/p/wild-forest-honey";
const TOPS: &str = "/c/tops";
const PANTRY: &str = "/c/pantry";
const HOME: &str = "/";
const SEARCH: &str = "/search?q=cotton";
const API_TEE: &str = "/api/v1/products/handloom-cotton-tee";
const API_LIST: &str = "/api/v1/products";

#[test]
fn a_sale_re_renders_only_its_products_pages_and_card_changes_reach_the_listings() {
    let s = Store::demo();
    let all = [
        TEE, SHIRT, HONEY, TOPS, PANTRY, HOME, SEARCH, API_TEE, API_LIST,
    ];
    warm(&s, &all);

    // A sale that leaves the tee in stock: its page and API document, nothing else.
    let tee_s = variant_of(&s, "SL-HCT-S");
    let before = common::stock(&s, tee_s);
    buy(&s, tee_s, "cache-sale-1");
    assert_eq!(common::stock(&s, tee_s), before - 1);
    for p in [TEE, API_TEE] {
        assert_eq!(state(&s, p), "miss", "{p} re-rendered");
    }
    for p in [SHIRT, HONEY, TOPS, PANTRY, HOME, SEARCH, API_LIST] {
        assert_eq!(state(&s, p), "hit", "{p} untouched by the sale");
    }
    let api_tee: Value = serde_json::from_str(&cache_of(&s, API_TEE, None).1).unwrap();
    let available = api_tee["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "SL-HCT-S")
        .unwrap()["available"]
        .as_i64()
        .unwrap();
    assert_eq!(available, before - 1, "the new stock is served");

    // A variant price that is not the lowest: the product's pages only.
    warm(&s, &all);
    let tee_xl = variant_of(&s, "SL-HCT-XL");
    write(
        &s,
        &format!("UPDATE variants SET price = price + 10000 WHERE id = {tee_xl}"),
    );
    assert_eq!(state(&s, TEE), "miss");
    assert_eq!(
        state(&s, TOPS),
        "hit",
        "the card's lowest price is unchanged"
    );

    // The honey's last in-stock jars go: its card says sold out, so listings re-render.
    warm(&s, &all);
    let jar = variant_of(&s, "SL-WFH-250G");
    let left = common::stock(&s, jar);
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx: &Tx| {
            catalog::adjust_stock(tx, jar, -left, "correction", "owner", "", now).map(|_| ())
        })
        .unwrap();
    assert_eq!(state(&s, HONEY), "miss");
    let (st, pantry) = cache_of(&s, PANTRY, None);
    assert_eq!(st, "miss", "the pantry listing shows the card change");
    let card = &pantry[pantry
        .find("Wild Forest Honey")
        .unwrap()
        .saturating_sub(1500)..];
    assert!(card.contains("Sold out"), "sold-out tag on the card");

    // An edit of the shirt's title: its page and every listing that may show it.
    warm(&s, &all);
    write(
        &s,
        "UPDATE products SET title = 'Indigo Linen Shirt, Sky' WHERE slug = 'indigo-linen-shirt'",
    );
    let (st, page) = cache_of(&s, SHIRT, None);
    assert_eq!(st, "miss");
    assert!(page.contains("Indigo Linen Shirt, Sky"));
    let (st, tops) = cache_of(&s, TOPS, None);
    assert_eq!(st, "miss");
    assert!(tops.contains("Indigo Linen Shirt, Sky"));

    // Writes the storefront does not show (an order's status, mail) change nothing.
    warm(&s, &all);
    write(
        &s,
        "UPDATE orders SET status = 'processing' WHERE status = 'confirmed'",
    );
    for p in all {
        assert_eq!(state(&s, p), "hit", "{p}");
    }
}

#[test]
fn signed_in_shoppers_share_the_cached_pages_and_nothing_of_theirs_leaks() {
    let s = Store::demo();
    let asha = common::sign_in(&s, "asha@example.com");
    let ravi = common::sign_in(&s, "ravi@example.com");
    let (_, anon) = cache_of(&s, TEE, None);
    let (a_state, a_page) = cache_of(&s, TEE, Some(&asha));
    let (r_state, r_page) = cache_of(&s, TEE, Some(&ravi));
    assert_eq!((a_state.as_str(), r_state.as_str()), ("hit", "hit"));
    assert_eq!(a_page, anon);
    assert_eq!(r_page, anon);
    for page in [&a_page, &r_page] {
        assert!(!page.contains("asha@example.com") && !page.contains("ravi@example.com"));
        assert!(
            !page.contains("csrf_token\" value"),
            "no form token in a shared page"
        );
    }
    // Each one's own parts come from their session: the form token and the bag.
    let token = |cookie: &str| {
        common::get_as(&s, "/cart/token", Some(cookie)).json()["csrf"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ta, tr) = (token(&asha), token(&ravi));
    assert_ne!(ta, tr);
    let tee_s = variant_of(&s, "SL-HCT-S");
    let add = common::post_form(
        &s,
        "/cart/add",
        Some(&asha),
        &common::form(&[
            ("csrf_token", &ta),
            ("variant", &tee_s.to_string()),
            ("qty", "2"),
        ]),
    );
    assert_eq!(add.status, 303);
    assert!(
        add.header("set-cookie")
            .is_some_and(|c| c.contains("bq_cart=2"))
    );
    assert!(
        common::get_as(&s, "/cart", Some(&asha))
            .text()
            .contains("Handloom Cotton Tee")
    );
    assert!(
        !common::get_as(&s, "/cart", Some(&ravi))
            .text()
            .contains("Handloom Cotton Tee"),
        "Ravi's bag is his own"
    );
    // The shared page after Asha's add is still the one everybody gets.
    assert_eq!(cache_of(&s, TEE, Some(&ravi)).1, anon);
}

#[test]
fn the_change_log_is_pruned_and_keeps_counting() {
    let s = Store::demo();
    let variants = common::count(&s, "SELECT count(*) FROM variants");
    // Well over the prune step of changes (each write touches every variant); a write
    // prunes what memory already holds.
    let writes = 6000 / variants + 1;
    for _ in 0..writes {
        write(&s, "UPDATE variants SET weight_grams = weight_grams + 1");
    }
    let made = writes * variants;
    let rows = common::count(&s, "SELECT count(*) FROM product_changes");
    // Unpruned, all `made` rows would be there; pruned, at most one prune step (4,096)
    // and a write's worth are.
    assert!(
        made > 4096 + 2 * variants && rows <= 4096 + 2 * variants,
        "pruned: {rows} of {made} left"
    );
    assert!(rows >= 1, "the newest row stays");
    warm(&s, &[SHIRT, TEE]);
    let tee_s = variant_of(&s, "SL-HCT-S");
    buy(&s, tee_s, "cache-after-prune");
    assert_eq!(state(&s, TEE), "miss", "still invalidated after the prune");
    assert_eq!(state(&s, SHIRT), "hit");
}

/// 24 requests at once for a page a sale just made stale: one renders it, the others get
/// the page as it was (or, arriving after the render, the new one) — never a second
/// render, never an error; the next request is a plain hit of the new page.
#[test]
fn a_stale_hot_page_is_rendered_once_while_the_others_get_the_last_one() {
    let s = Store::demo();
    warm(&s, &[TEE]);
    let tee_s = variant_of(&s, "SL-HCT-S");
    buy(&s, tee_s, "cache-herd");
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(24));
    let answers: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..24)
            .map(|_| {
                let b = barrier.clone();
                let s = &s;
                sc.spawn(move || {
                    b.wait();
                    state(s, TEE)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let misses = answers.iter().filter(|a| *a == "miss").count();
    assert_eq!(misses, 1, "one render for 24 requests: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|a| ["miss", "hit", "stale"].contains(&a.as_str())),
        "{answers:?}"
    );
    assert_eq!(state(&s, TEE), "hit");
}
