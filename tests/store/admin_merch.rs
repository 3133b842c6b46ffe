//! Categories and banners through the real admin pages: create, edit, reorder, the
//! one-level nesting rule in words, banner images, links and schedules — and what the
//! storefront shows afterwards. Refusals are checked to have written nothing.

use crate::common;
use crate::common::{owner, png};
use common::count;
use common::{get_as as get, post_from};

use boutique::shop::catalog;
use common::{Page, Store, csrf, post_form, send, sign_in};

fn category_id(s: &Store, slug: &str) -> i64 {
    count(
        s,
        &format!("SELECT id FROM categories WHERE slug = '{slug}'"),
    )
}

/// Posts a banner form (multipart) with these text fields and an optional image.
fn banner_post(
    s: &Store,
    cookie: &str,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
    image: Option<&[u8]>,
) -> Page {
    let b = "----merchBoundary9";
    let mut body = Vec::new();
    let mut all = vec![("csrf_token", token)];
    all.extend_from_slice(fields);
    for (k, v) in all {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(img) = image {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(img);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    send(
        "POST",
        &format!("{}{path}", s.url),
        &[("Content-Type", ct.as_str()), ("Cookie", cookie)],
        Some(body),
    )
}

#[test]
fn categories_are_created_edited_and_reordered_one_level_deep() {
    let s = Store::empty();
    let o = owner(&s);
    let audits0 = count(&s, "SELECT count(*) FROM audit_log");
    let add = |name: &str, slug: &str, parent: &str| {
        post_from(
            &s,
            &o,
            "/admin/categories",
            "/admin/categories",
            &[
                ("name", name),
                ("slug", slug),
                ("parent", parent),
                ("position", "0"),
                ("description", ""),
            ],
        )
    };
    assert_eq!(add("Tops", "", "").status, 303);
    let tops = category_id(&s, "tops").to_string();
    assert_eq!(add("Shirts", "shirts", &tops).status, 303);
    assert_eq!(add("Shoes", "shoes", "").status, 303);
    let shirts = category_id(&s, "shirts");
    assert_eq!(
        count(
            &s,
            &format!("SELECT parent_id FROM categories WHERE id = {shirts}")
        ),
        category_id(&s, "tops")
    );
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 3);
    // The storefront shows them.
    assert_eq!(s.get("/c/shirts").status, 200);
    assert!(s.get("/").text().contains("href=\"/c/tops\""));

    // Two levels, self-parenting, a parent for a category with children, a taken address:
    // refused in words, nothing written.
    let before = count(&s, "SELECT count(*) FROM categories");
    let r = add("Linen", "linen", &shirts.to_string());
    assert_eq!(r.status, 400);
    assert!(r.text().contains("nest one level"), "{}", r.text());
    let shoes = category_id(&s, "shoes").to_string();
    let edit = |id: &str, fields: &[(&str, &str)]| {
        post_from(
            &s,
            &o,
            "/admin/categories",
            &format!("/admin/categories/{id}"),
            fields,
        )
    };
    let r = edit(
        &tops,
        &[
            ("name", "Tops"),
            ("slug", "tops"),
            ("parent", &shoes),
            ("position", "0"),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("nest one level"));
    let r = edit(
        &shoes,
        &[
            ("name", "Shoes"),
            ("slug", "shoes"),
            ("parent", &shoes),
            ("position", "0"),
        ],
    );
    assert_eq!(r.status, 400);
    let r = add("Again", "shoes", "");
    assert_eq!(r.status, 409);
    assert_eq!(count(&s, "SELECT count(*) FROM categories"), before);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 3);

    // Edit: rename and move Shoes under Tops (allowed: Shoes has no children).
    let r = edit(
        &shoes,
        &[
            ("name", "Sandals"),
            ("slug", "sandals"),
            ("parent", &tops),
            ("position", "4"),
            ("description", "Open shoes"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(s.get("/c/sandals").status, 200);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 4);

    // Reorder: Sandals (position 4) moves up above Shirts (0) among Tops' children.
    let order = |s: &Store| -> Vec<String> {
        catalog::categories(&s.app().db.read().unwrap())
            .unwrap()
            .into_iter()
            .map(|c| c.slug)
            .collect()
    };
    assert_eq!(order(&s), vec!["tops", "shirts", "sandals"]);
    let r = post_from(
        &s,
        &o,
        "/admin/categories",
        &format!("/admin/categories/{shoes}/up"),
        &[],
    );
    assert_eq!(r.status, 303);
    assert_eq!(order(&s), vec!["tops", "sandals", "shirts"]);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0 + 5);

    // Customers get 403; forms need the token.
    let customer = sign_in(&s, "shopper@example.com");
    assert_eq!(get(&s, "/admin/categories", Some(&customer)).status, 403);
    assert_eq!(
        post_form(&s, "/admin/categories", Some(&o), "name=X&slug=x").status,
        403
    );
    assert_eq!(s.get("/admin/categories").status, 303);
}

#[test]
fn banners_with_image_link_and_schedule() {
    let s = Store::empty();
    let o = owner(&s);
    let page = get(&s, "/admin/banners", Some(&o));
    assert_eq!(page.status, 200);
    assert!(page.text().contains("enctype=\"multipart/form-data\""));
    let token = csrf(&page.text());
    let audits0 = count(&s, "SELECT count(*) FROM audit_log");
    let images0 = count(&s, "SELECT count(*) FROM images");

    // Refusals: a script link, an end before the start, a bad image, no token.
    let base = [
        ("title", "Winter sale"),
        ("subtitle", "Up to 40% off"),
        ("link_label", "Shop the sale"),
        ("position", "0"),
        ("active", "1"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        &token,
        &with(&[("link", "javascript:alert(1)")]),
        None,
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("The link must be"));
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        &token,
        &with(&[
            ("link", "/c/sale"),
            ("starts", "2030-01-02T10:00"),
            ("ends", "2030-01-01T10:00"),
        ]),
        None,
    );
    assert_eq!(r.status, 400);
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        &token,
        &with(&[("link", "/c/sale"), ("starts", "tomorrow")]),
        None,
    );
    assert_eq!(r.status, 400);
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        &token,
        &with(&[("link", "/c/sale")]),
        Some(b"GIF89a nope"),
    );
    assert_eq!(r.status, 415);
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        "wrong",
        &with(&[("link", "/c/sale")]),
        Some(&png(64, 32, 90)),
    );
    assert_eq!(r.status, 403);
    assert_eq!(count(&s, "SELECT count(*) FROM banners"), 0);
    assert_eq!(count(&s, "SELECT count(*) FROM images"), images0);
    assert_eq!(count(&s, "SELECT count(*) FROM audit_log"), audits0);

    // Scheduled for the future: stored, not shown yet.
    let r = banner_post(
        &s,
        &o,
        "/admin/banners",
        &token,
        &with(&[
            ("link", "/c/sale"),
            ("starts", "2099-01-01T09:00"),
            ("ends", ""),
        ]),
        Some(&png(64, 32, 90)),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let loc = r.header("location").unwrap().to_string();
    assert!(loc.ends_with("?done=saved"), "{loc}");
    let loc = loc.trim_end_matches("?done=saved").to_string();
    assert!(loc.starts_with("/admin/banners/"));
    assert_eq!(count(&s, "SELECT count(*) FROM images"), images0 + 1);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM banners WHERE image_id IS NOT NULL AND starts_at IS NOT NULL"
        ),
        1
    );
    assert!(!s.get("/").text().contains("Winter sale"));
    let edit = get(&s, &loc, Some(&o)).text();
    assert!(
        edit.contains("value=\"2099-01-01T09:00\""),
        "schedule shown in the store's zone"
    );

    // Edited to run from 2020 to 2099: live on the home page with its link and image.
    let r = banner_post(
        &s,
        &o,
        &loc,
        &token,
        &with(&[
            ("link", "/c/sale"),
            ("starts", "2020-01-01T00:00"),
            ("ends", "2099-12-31T23:59"),
        ]),
        None,
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let home = s.get("/").text();
    assert!(
        home.contains("Winter sale")
            && home.contains("href=\"/c/sale\"")
            && home.contains("Shop the sale")
    );
    assert!(home.contains("/img/"));
    // Ended: gone.
    let r = banner_post(
        &s,
        &o,
        &loc,
        &token,
        &with(&[
            ("link", "/c/sale"),
            ("starts", "2020-01-01T00:00"),
            ("ends", "2021-01-01T00:00"),
        ]),
        None,
    );
    assert_eq!(r.status, 303);
    assert!(!s.get("/").text().contains("Winter sale"));
    // Deleted.
    let r = post_from(&s, &o, &loc, &format!("{loc}/delete"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(count(&s, "SELECT count(*) FROM banners"), 0);
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM audit_log WHERE target_type = 'banner'"
        ),
        4
    );
    let customer = sign_in(&s, "shopper@example.com");
    assert_eq!(get(&s, "/admin/banners", Some(&customer)).status, 403);
}
