//! Sign-in rules against a real SQLite file: link single use and expiry, code tries and
//! expiry, code bound to its session, rate limits, local-only `next`, customers created
//! on first proof.

use boutique::crypto::Hmac;
use boutique::db::{Db, Sync};
use boutique::shop::accounts::{self, sessions, signin};

fn setup() -> (tempfile::TempDir, Db, Hmac) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let key = db.write_tx(accounts::hmac_key).unwrap();
    assert_eq!(
        db.write_tx(accounts::hmac_key).unwrap(),
        key,
        "the key is kept"
    );
    (dir, db, Hmac::new(&key))
}

fn session(db: &Db, now: i64) -> i64 {
    db.write_tx(|tx| sessions::create(tx, None, "UA", "ip", now))
        .unwrap()
        .1
        .id
}

#[test]
fn a_link_works_once_and_expires() {
    let (_d, db, h) = setup();
    let s = session(&db, 0);
    let issued = db
        .write_tx(|tx| {
            signin::request(
                tx,
                &h,
                " Ann@Example.COM ",
                s,
                "/account/orders",
                "1.1.1.1",
                1000,
            )
        })
        .unwrap();
    let proven = db
        .write_tx(|tx| signin::use_link(tx, &issued.link_token, 1000 + 60))
        .unwrap()
        .unwrap();
    assert_eq!(proven.email, "ann@example.com");
    assert_eq!(proven.next, "/account/orders");
    assert!(
        db.write_tx(|tx| signin::use_link(tx, &issued.link_token, 1000 + 61))
            .unwrap()
            .is_none(),
        "single use"
    );
    let late = db
        .write_tx(|tx| signin::request(tx, &h, "ann@example.com", s, "/", "1.1.1.1", 2000))
        .unwrap();
    assert!(
        db.write_tx(|tx| signin::use_link(tx, &late.link_token, 2000 + signin::LINK_SECS))
            .unwrap()
            .is_none(),
        "expired"
    );
    let c = db
        .write_tx(|tx| accounts::find_or_create(tx, "ann@example.com", 5))
        .unwrap();
    let again = db
        .write_tx(|tx| accounts::find_or_create(tx, "ann@example.com", 6))
        .unwrap();
    assert_eq!(c.id, again.id);
    assert_eq!(c.role, "customer");
}

#[test]
fn codes_allow_five_tries_bound_to_their_session() {
    let (_d, db, h) = setup();
    let s = session(&db, 0);
    let other = session(&db, 0);
    let issued = db
        .write_tx(|tx| signin::request(tx, &h, "bo@example.com", s, "/", "2.2.2.2", 100))
        .unwrap();
    let wrong = if issued.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert!(
        db.write_tx(|tx| signin::use_code(tx, &h, other, &issued.code, 101))
            .unwrap()
            .is_none(),
        "another device cannot use it"
    );
    for _ in 0..5 {
        assert!(
            db.write_tx(|tx| signin::use_code(tx, &h, s, wrong, 102))
                .unwrap()
                .is_none()
        );
    }
    assert!(
        db.write_tx(|tx| signin::use_code(tx, &h, s, &issued.code, 103))
            .unwrap()
            .is_none(),
        "the 6th try is refused even with the right code"
    );
    // A fresh request gives a fresh code with fresh tries; it expires after 10 minutes.
    let fresh = db
        .write_tx(|tx| signin::request(tx, &h, "bo@example.com", s, "/", "2.2.2.2", 200))
        .unwrap();
    assert!(
        db.write_tx(|tx| signin::use_code(tx, &h, s, &fresh.code, 200 + signin::CODE_SECS))
            .unwrap()
            .is_none()
    );
    let third = db
        .write_tx(|tx| signin::request(tx, &h, "bo@example.com", s, "/", "2.2.2.2", 300))
        .unwrap();
    let spaced = format!("{} {}", &third.code[..3], &third.code[3..]);
    let ok = db
        .write_tx(|tx| signin::use_code(tx, &h, s, &spaced, 310))
        .unwrap()
        .unwrap();
    assert_eq!(ok.email, "bo@example.com");
    assert!(
        db.write_tx(|tx| signin::use_code(tx, &h, s, &third.code, 311))
            .unwrap()
            .is_none(),
        "single use"
    );
}

#[test]
fn rate_limits_per_email_and_ip_and_bad_input() {
    let (_d, db, h) = setup();
    let s = session(&db, 0);
    for i in 0..signin::PER_EMAIL {
        db.write_tx(|tx| {
            signin::request(
                tx,
                &h,
                "cy@example.com",
                s,
                "/",
                &format!("ip{i}"),
                1000 + i,
            )
        })
        .unwrap();
    }
    let err = db
        .write_tx(|tx| signin::request(tx, &h, "cy@example.com", s, "/", "ipx", 1010))
        .err()
        .unwrap();
    assert_eq!(err.status(), 429);
    assert!(err.public.contains("minute"), "{}", err.public);
    // After the window it works again.
    db.write_tx(|tx| {
        signin::request(
            tx,
            &h,
            "cy@example.com",
            s,
            "/",
            "ipx",
            1000 + signin::WINDOW_SECS + 1,
        )
    })
    .unwrap();
    for i in 0..signin::PER_IP {
        db.write_tx(|tx| {
            signin::request(
                tx,
                &h,
                &format!("u{i}@example.com"),
                s,
                "/",
                "9.9.9.9",
                5000,
            )
        })
        .unwrap();
    }
    assert_eq!(
        db.write_tx(|tx| signin::request(tx, &h, "new@example.com", s, "/", "9.9.9.9", 5001))
            .err()
            .unwrap()
            .status(),
        429
    );
    for bad in [
        "",
        "no-at",
        "a@b",
        "a b@example.com",
        "<a@example.com>",
        "a@example.com\r\nBcc: x@y.z",
    ] {
        assert_eq!(
            db.write_tx(|tx| signin::request(tx, &h, bad, s, "/", "8.8.8.8", 6000))
                .err()
                .unwrap()
                .status(),
            400,
            "{bad:?}"
        );
    }
    for (next, want) in [
        ("/account", "/account"),
        ("//evil.example", "/account"),
        ("https://evil.example", "/account"),
        ("/\\evil", "/account"),
        ("/p/x?y=1", "/p/x?y=1"),
    ] {
        assert_eq!(signin::safe_next(next), want);
    }
}
