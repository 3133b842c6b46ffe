//! Session rules against a real SQLite file: only hashes stored, idle and absolute expiry,
//! rotation at sign-in (old token dead, same row kept), sign out and sign out everywhere.

use boutique::db::{Db, Sync};
use boutique::shop::accounts::sessions::{self, ABSOLUTE_SECS, ADMIN_IDLE_SECS, IDLE_SECS};

fn db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    (dir, db)
}

fn customer(db: &Db, email: &str) -> i64 {
    db.write_tx(|tx| {
        tx.execute(
            "INSERT INTO customers (email, created_at) VALUES (?1, 0)",
            [email],
        )?;
        Ok(tx.last_insert_rowid())
    })
    .unwrap()
}

#[test]
fn tokens_are_stored_hashed_and_expire() {
    let (_d, db) = db();
    let t0 = 1_000_000;
    let (token, s) = db
        .write_tx(|tx| sessions::create(tx, None, "UA", "127.0.0.1", t0))
        .unwrap();
    let c = db.read().unwrap();
    let stored: Vec<u8> = c
        .query_row("SELECT token_hash FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "the token itself is never stored");
    assert_eq!(
        sessions::find(&c, &token, t0 + 10).unwrap().unwrap().id,
        s.id
    );
    assert!(
        sessions::find(&c, "x".repeat(43).as_str(), t0)
            .unwrap()
            .is_none()
    );
    assert!(sessions::find(&c, "short", t0).unwrap().is_none());
    // Idle expiry.
    assert!(
        sessions::find(&c, &token, t0 + IDLE_SECS + 1)
            .unwrap()
            .is_none()
    );
    drop(c);
    // Touching keeps it alive, but never past the absolute deadline.
    let mut last = t0;
    let mut now = t0;
    while now < t0 + ABSOLUTE_SECS + 10 {
        now += IDLE_SECS / 2;
        let c = db.read().unwrap();
        let found = sessions::find(&c, &token, now).unwrap();
        drop(c);
        match found {
            Some(s) => {
                db.write_tx(|tx| sessions::touch(tx, &s, now)).unwrap();
                last = now;
            }
            None => break,
        }
    }
    assert!(
        last < t0 + ABSOLUTE_SECS,
        "absolute expiry holds even for an active session"
    );
}

#[test]
fn sign_in_rotates_the_token_and_keeps_the_row() {
    let (_d, db) = db();
    let cid = customer(&db, "a@example.com");
    let (guest, s) = db
        .write_tx(|tx| sessions::create(tx, None, "UA", "1.2.3.4", 100))
        .unwrap();
    let new = db
        .write_tx(|tx| sessions::sign_in(tx, s.id, cid, false, 200))
        .unwrap();
    let c = db.read().unwrap();
    assert!(
        sessions::find(&c, &guest, 201).unwrap().is_none(),
        "the pre-sign-in token is dead"
    );
    let after = sessions::find(&c, &new, 201).unwrap().unwrap();
    assert_eq!(after.id, s.id);
    assert_eq!(after.customer_id, Some(cid));
    assert_ne!(after.csrf, s.csrf, "a new CSRF token too");
    drop(c);
    // Staff sessions idle out sooner.
    let admin = db
        .write_tx(|tx| sessions::sign_in(tx, s.id, cid, true, 300))
        .unwrap();
    let c = db.read().unwrap();
    assert!(
        sessions::find(&c, &admin, 300 + ADMIN_IDLE_SECS - 1)
            .unwrap()
            .is_some()
    );
    assert!(
        sessions::find(&c, &admin, 300 + ADMIN_IDLE_SECS + 1)
            .unwrap()
            .is_none()
    );
}

#[test]
fn sign_out_and_sign_out_everywhere() {
    let (_d, db) = db();
    let cid = customer(&db, "b@example.com");
    let other = customer(&db, "c@example.com");
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for (i, who) in [cid, cid, cid, other].iter().enumerate() {
        let (_, s) = db
            .write_tx(|tx| sessions::create(tx, None, "UA", "ip", 10))
            .unwrap();
        let t = db
            .write_tx(|tx| sessions::sign_in(tx, s.id, *who, false, 10 + i as i64))
            .unwrap();
        tokens.push(t);
        ids.push(s.id);
    }
    let c = db.read().unwrap();
    assert_eq!(sessions::list(&c, cid, 20).unwrap().len(), 3);
    drop(c);
    let ended = db
        .write_tx(|tx| sessions::end_others(tx, cid, ids[0]))
        .unwrap();
    assert_eq!(ended, 2);
    let c = db.read().unwrap();
    assert!(sessions::find(&c, &tokens[0], 20).unwrap().is_some());
    assert!(sessions::find(&c, &tokens[1], 20).unwrap().is_none());
    assert!(
        sessions::find(&c, &tokens[3], 20).unwrap().is_some(),
        "another customer's session is untouched"
    );
    drop(c);
    db.write_tx(|tx| sessions::end(tx, ids[0])).unwrap();
    let c = db.read().unwrap();
    assert!(sessions::find(&c, &tokens[0], 20).unwrap().is_none());
}
