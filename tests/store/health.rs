//! `/healthz` reports what a load balancer needs: 200 `ok` while the store can take
//! orders, 503 naming the problem when writes fail or the disk is nearly full; every check
//! on its own line, mail backlog included, never cached.

use crate::common;
use common::{BASE_CONFIG, Store};

#[test]
fn healthy_store_says_ok_and_lists_every_check() {
    let s = Store::demo();
    let p = s.get("/healthz");
    let text = p.text();
    assert_eq!(p.status, 200, "{text}");
    assert_eq!(text.lines().next(), Some("ok"));
    for check in ["database: ok", "writer: ok", "disk: ok", "mail: "] {
        assert!(text.contains(check), "{check}: {text}");
    }
    assert_eq!(p.header("Cache-Control"), Some("no-store"));
}

#[test]
fn free_space_under_the_threshold_is_503_naming_the_disk() {
    // 100 TB: more than any test machine has free.
    let s = Store::with_config(
        &format!("{BASE_CONFIG}\n[health]\nmin_free_disk_mb = 100000000\n"),
        false,
    );
    let p = s.get("/healthz");
    let text = p.text();
    assert_eq!(p.status, 503, "{text}");
    assert!(text.starts_with("unhealthy: low disk space"), "{text}");
    assert!(text.contains("disk: LOW"), "{text}");
    assert_eq!(p.header("Cache-Control"), Some("no-store"));
}

#[test]
fn a_failed_write_is_503_naming_the_writer_then_healthy_after_a_minute() {
    let s = Store::demo();
    let db = &s.app().db;
    // The writer connection may not grow the file any more: SQLite answers the next
    // write that needs a page with SQLITE_FULL, exactly as on a full disk.
    db.limit_writer_pages_for_tests(true).unwrap();
    let big = "x".repeat(64 * 1024);
    let r = db.write_tx(|tx| {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('filler', ?1)",
            [&big],
        )?;
        Ok(())
    });
    assert!(r.is_err(), "the write must fail");
    let p = s.get("/healthz");
    let text = p.text();
    assert_eq!(p.status, 503, "{text}");
    assert!(text.starts_with("unhealthy: writes failing"), "{text}");
    assert!(text.contains("writer: FAILING"), "{text}");
    // A business refusal is not a writer failure; lifting the cap lets writes succeed.
    db.limit_writer_pages_for_tests(false).unwrap();
    db.write_tx(|tx| {
        tx.execute("INSERT INTO meta (key, value) VALUES ('after', ?1)", [&big])?;
        Ok(())
    })
    .unwrap();
    // The app has no injected clock: the failure ages out after the real minute.
    std::thread::sleep(std::time::Duration::from_secs(
        boutique::ops::WRITE_FAILURE_WINDOW_SECS as u64 + 1,
    ));
    let p = s.get("/healthz");
    assert_eq!(p.status, 200, "{}", p.text());
    assert!(p.text().contains("writer: ok"));
}

#[test]
fn mail_backlog_is_shown() {
    let s = Store::empty();
    let now = boutique::db::now();
    s.app()
        .db
        .write_tx(|tx| {
            tx.execute(
                "INSERT INTO outbox (kind, idempotency_key, recipient, subject, template, payload, status, next_attempt_at, created_at) VALUES ('email', 'h/1', 'a@b.test', 's', 't', '{}', 'pending', ?1, ?2)",
                [now + 3600, now - 120],
            )?;
            tx.execute(
                "INSERT INTO outbox (kind, idempotency_key, recipient, subject, template, payload, status, next_attempt_at, created_at) VALUES ('email', 'h/2', 'a@b.test', 's', 't', '{}', 'dead', ?1, ?1)",
                [now],
            )?;
            Ok(())
        })
        .unwrap();
    let p = s.get("/healthz");
    let text = p.text();
    assert_eq!(
        p.status, 200,
        "a mail backlog alone does not take the store out: {text}"
    );
    assert!(text.contains("mail: 1 waiting, oldest waiting 1"), "{text}");
    assert!(text.contains(", 1 failed"), "{text}");
}
