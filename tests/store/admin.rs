//! The admin gate and the email log: anonymous → sign-in, customer → 403, staff and owner
//! in; `boutique admin add` prints a link that works once; the email log lists, shows and
//! re-sends (with CSRF).

use crate::common;
use common::get_signed_in as get;
use common::{Store, csrf, mail_count, post_form, sign_in};
use std::process::Command;

/// Runs `boutique admin add` on the test store's data and returns the link's path.
fn admin_add(s: &Store, email: &str, role: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_boutique"))
        .args(["admin", "add", email, "--role", role, "--config"])
        .arg(&s.config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        url.starts_with("http://shop.test/account/sign-in/link?token="),
        "{url}"
    );
    url.trim_start_matches("http://shop.test").to_string()
}

#[test]
fn the_gate_sends_anonymous_to_sign_in_and_refuses_customers() {
    let s = Store::empty();
    for path in ["/admin", "/admin/emails", "/admin/anything"] {
        let p = s.get(path);
        assert_eq!(p.status, 303, "{path}");
        assert!(
            p.header("location")
                .unwrap()
                .starts_with("/account/sign-in?next=%2Fadmin"),
            "{path}"
        );
    }
    let customer = sign_in(&s, "shopper%40example.com");
    for path in ["/admin", "/admin/emails", "/admin/emails/1"] {
        let p = get(&s, path, &customer);
        assert_eq!(p.status, 403, "{path}");
        assert!(p.text().contains("for its staff"));
    }
    let r = post_form(
        &s,
        "/admin/emails/1/resend",
        Some(&customer),
        "csrf_token=x",
    );
    assert_eq!(r.status, 403);
}

#[test]
fn admin_add_link_works_once_and_staff_see_the_email_log() {
    let s = Store::empty();
    let link = admin_add(&s, "Owner@Example.com", "owner");
    let r = s.get(&link);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/admin"));
    let owner = common::session_cookie(&r).unwrap();
    assert_eq!(s.get(&link).status, 400, "the link works once");
    let home = get(&s, "/admin", &owner);
    assert_eq!(home.status, 200);
    assert!(home.text().contains("owner@example.com (owner)"));

    // Staff too; a customer's mail shows in the log.
    let staff_link = admin_add(&s, "helper@example.com", "staff");
    let staff = common::session_cookie(&s.get(&staff_link)).unwrap();
    let _ = sign_in(&s, "ria%40example.com");
    let log = get(&s, "/admin/emails", &staff);
    assert_eq!(log.status, 200);
    let html = log.text();
    assert!(html.contains("ria@example.com"));
    assert!(html.contains("sign-in"));
    assert_eq!(get(&s, "/admin/emails?status=sent", &staff).status, 200);
    assert_eq!(get(&s, "/admin/emails?status=bogus", &staff).status, 400);
    let id: i64 = s
        .app()
        .db
        .read()
        .unwrap()
        .query_row(
            "SELECT id FROM outbox WHERE recipient = 'ria@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Wait until it was sent, then view and re-send it.
    let start = std::time::Instant::now();
    while s
        .app()
        .db
        .read()
        .unwrap()
        .query_row("SELECT status FROM outbox WHERE id = ?1", [id], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
        != "sent"
    {
        assert!(start.elapsed().as_secs() < 10);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let page = get(&s, &format!("/admin/emails/{id}"), &staff);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Send again"));
    let before = mail_count(&s);
    assert_eq!(
        post_form(
            &s,
            &format!("/admin/emails/{id}/resend"),
            Some(&staff),
            "csrf_token=nope"
        )
        .status,
        403
    );
    let r = post_form(
        &s,
        &format!("/admin/emails/{id}/resend"),
        Some(&staff),
        &format!("csrf_token={}", csrf(&page.text())),
    );
    assert_eq!(r.status, 303);
    common::mail(&s, before + 1);
    assert_eq!(get(&s, "/admin/emails/999999", &staff).status, 404);
    assert_eq!(get(&s, "/admin/emails/abc", &staff).status, 404);
}
