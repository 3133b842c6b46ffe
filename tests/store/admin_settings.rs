//! The settings view: effective values with secrets never in the HTML (the owner sees
//! "set", staff not even the rows), the reload status and a reload error, the mail
//! transport, database size and last backup; the owner's "Download backup" (CSRF) gives a
//! file `ops::newer_than_backup` and `ops::restore` accept, records the time and an audit
//! row; staff get 403 for it and do not see the button.

use crate::common;
use crate::common::staff;
use common::get_signed_in as get;

use boutique::ops;
use common::{BASE_CONFIG, Store, csrf, post_form, sign_in};

const SMTP_PASSWORD: &str = "hunter2-SMTP-pw-4711";
const RESEND_KEY: &str = "re_SECRET_key_0815";

fn config() -> String {
    format!(
        "{BASE_CONFIG}\n[email]\nsmtp_password = \"{SMTP_PASSWORD}\"\nresend_api_key = \"{RESEND_KEY}\"\n"
    )
}

fn no_secret(html: &str) {
    for secret in [SMTP_PASSWORD, RESEND_KEY, "hunter2", "re_SECRET"] {
        assert!(!html.contains(secret), "{secret} leaked");
    }
}

#[test]
fn secrets_never_appear_and_staff_do_not_see_their_rows() {
    let s = Store::with_config(&config(), false);
    assert_eq!(
        s.app().cfg().email.resend_api_key.expose(),
        RESEND_KEY,
        "the secret is configured"
    );
    let owner = staff(&s, "owner@example.com", "owner");
    let helper = staff(&s, "help@example.com", "staff");

    let p = get(&s, "/admin/settings", &owner);
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    no_secret(&html);
    assert!(html.contains("smtp_password"));
    assert!(html.contains("resend_api_key"));
    assert_eq!(html.matches("•••• (set)").count(), 2);
    assert_eq!(html.matches("</span> in store.toml").count(), 2);
    assert!(html.contains("Test Boutique"));
    assert!(html.contains("not reloaded since start"));
    assert!(html.contains("not recorded"), "no backup yet");
    assert!(
        html.contains(" KB") || html.contains(" MB"),
        "database size"
    );
    assert!(html.contains("file ·"), "mail transport");
    assert!(html.contains("Download backup"));
    assert!(html.contains("href=\"/admin/settings\""), "nav link");

    let p = get(&s, "/admin/settings", &helper);
    assert_eq!(p.status, 200);
    let html = p.text();
    no_secret(&html);
    assert!(!html.contains("smtp_password"));
    assert!(!html.contains("resend_api_key"));
    assert!(!html.contains("••••"));
    assert!(!html.contains("Download backup"));
    assert!(!html.contains("/admin/settings/backup"));

    // A bad edit of store.toml: the page says so, and still leaks nothing.
    std::fs::write(&s.config, format!("{}\n[store\nbroken", config())).unwrap();
    let start = std::time::Instant::now();
    while s.app().config.status().last_error.is_none() {
        assert!(start.elapsed().as_secs() < 15, "the reload error shows up");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let html = get(&s, "/admin/settings", &owner).text();
    assert!(html.contains("Reload error"), "{html}");
    no_secret(&html);
}

#[test]
fn owner_downloads_a_backup_that_restores_staff_may_not() {
    let s = Store::with_config(&config(), true);
    let owner = staff(&s, "owner@example.com", "owner");
    let helper = staff(&s, "help@example.com", "staff");

    // Staff: 403, with or without a valid token.
    let token = get(&s, "/cart/token", &helper).json()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post_form(
        &s,
        "/admin/settings/backup",
        Some(&helper),
        &format!("csrf_token={token}"),
    );
    assert_eq!(r.status, 403);
    // Owner without / with a wrong token: 403, nothing recorded.
    assert_eq!(
        post_form(&s, "/admin/settings/backup", Some(&owner), "").status,
        403
    );
    assert_eq!(
        post_form(
            &s,
            "/admin/settings/backup",
            Some(&owner),
            "csrf_token=nope"
        )
        .status,
        403
    );
    let audit = |s: &Store| -> i64 {
        s.app()
            .db
            .read()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'settings.backup'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(audit(&s), 0);

    let page = get(&s, "/admin/settings", &owner).text();
    let r = post_form(
        &s,
        "/admin/settings/backup",
        Some(&owner),
        &format!("csrf_token={}", csrf(&page)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let cd = r.header("content-disposition").unwrap().to_string();
    assert!(
        cd.starts_with("attachment; filename=\"boutique-backup-"),
        "{cd}"
    );
    assert!(cd.ends_with(".boutique\""), "{cd}");
    let stamp =
        &cd["attachment; filename=\"boutique-backup-".len()..cd.len() - ".boutique\"".len()];
    assert_eq!(stamp.len(), 13, "{stamp}");
    assert!(
        stamp
            .chars()
            .enumerate()
            .all(|(i, c)| if i == 8 { c == '-' } else { c.is_ascii_digit() }),
        "{stamp}"
    );
    assert!(r.body.starts_with(b"SQLite format 3\0"));
    no_secret(&String::from_utf8_lossy(&r.body));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("download.boutique");
    std::fs::write(&file, &r.body).unwrap();
    {
        let c = rusqlite::Connection::open(&file).unwrap();
        let products: i64 = c
            .query_row("SELECT count(*) FROM products", [], |r| r.get(0))
            .unwrap();
        assert!(products > 0);
        let _: i64 = c
            .query_row("SELECT count(*) FROM backup_files", [], |r| r.get(0))
            .unwrap();
    }
    let newer = ops::newer_than_backup(s.app().db.path(), &file).unwrap();
    assert!(
        newer
            .iter()
            .all(|(t, _)| t == "meta" || t == "audit_log" || t == "sessions"),
        "{newer:?}"
    );
    let target = dir.path().join("restored");
    std::fs::create_dir_all(&target).unwrap();
    ops::restore(&file, &target.join("store.db"), &target).unwrap();
    let c = rusqlite::Connection::open(target.join("store.db")).unwrap();
    let owner_role: String = c
        .query_row(
            "SELECT role FROM customers WHERE email = 'owner@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owner_role, "owner");

    // The time is recorded and shown; the download is in the audit log; no temp file
    // is left in the data dir.
    assert_eq!(audit(&s), 1);
    let html = get(&s, "/admin/settings", &owner).text();
    assert!(!html.contains("not recorded"));
    let leftovers: Vec<_> = std::fs::read_dir(s.data_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("backup"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn customers_are_refused_and_anonymous_sent_to_sign_in() {
    let s = Store::empty();
    assert_eq!(s.get("/admin/settings").status, 303);
    let c = sign_in(&s, "shopper%40example.com");
    assert_eq!(get(&s, "/admin/settings", &c).status, 403);
    assert_eq!(
        post_form(&s, "/admin/settings/backup", Some(&c), "csrf_token=x").status,
        403
    );
}

#[test]
fn settings_sql_prepares() {
    let s = Store::empty();
    let c = s.app().db.read().unwrap();
    for q in boutique::admin_data::settings::sql::ALL {
        c.prepare(q).unwrap_or_else(|e| panic!("{e}: {q}"));
    }
}
