//! The email outbox end to end: mail queued inside a business transaction is delivered by
//! the worker of a running store through each transport — a real .eml file, a real SMTP
//! conversation with an in-test sink, a real HTTP exchange with a fake Resend that follows
//! specs/email.md — and failures walk the backoff schedule to `dead`, can be re-sent, and
//! never touch anything but the outbox row. Backoff is driven by passing `now` to
//! `outbox::deliver_due`, so no test waits for a real minute.

use crate::common;

use boutique::app::{self, Options};
use boutique::config::EmailConfig;
use boutique::db::{Db, Sync};
use boutique::jobs::outbox::{self, BACKOFF_SECS, NewEmail, Status};
use boutique::jobs::worker::{self, Handlers};
use boutique::remote::mail::{Mailer, Outgoing, SendError};
use boutique::shop::catalog;
use common::{BASE_CONFIG, Store};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn email(key: Option<&str>) -> NewEmail {
    let (text, html) = boutique::views::email::render(
        "Test Boutique",
        "Your order is confirmed",
        &["Thank you for your order #1001."],
        Some(("View your order", "http://shop.test/orders/1001")),
    );
    NewEmail {
        to: "Asha <asha@customer.test>".into(),
        subject: "Order #1001 confirmed".into(),
        template: "order-confirmation".into(),
        text,
        html,
        idempotency_key: key.map(str::to_string),
        unsubscribe: None,
    }
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn row(db: &Db, id: i64) -> outbox::OutboxRow {
    outbox::get(&db.read().unwrap(), id).unwrap().expect("row")
}

fn wait_sent(db: &Db, id: i64) -> outbox::OutboxRow {
    wait_for("the email to be sent", || {
        let r = row(db, id);
        (r.status == Status::Sent).then_some(r)
    })
}

/// Queues `msg` the way a service does: inside its write_tx, then rings the worker.
fn enqueue(store: &Store, msg: &NewEmail) -> i64 {
    let app = store.app();
    let id = app
        .db
        .write_tx(|tx| outbox::enqueue_email(tx, msg, boutique::db::now()))
        .unwrap();
    app.mail_wake().notify();
    id
}

fn mail_files(data: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(data.join("mail"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn assert_rfc5322(raw: &str, key: &str) {
    for want in [
        "Date: ",
        &format!("Message-ID: <{key}@shop.test>"),
        "From: \"Test Shop\" <shop@shop.test>",
        "To: Asha <asha@customer.test>",
        "Subject: Order #1001 confirmed",
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
        "Thank you for your order #1001.",
    ] {
        assert!(raw.contains(want), "missing {want:?} in:\n{raw}");
    }
    assert!(
        raw.find("text/plain") < raw.find("text/html"),
        "text part first"
    );
    assert!(!raw.contains("List-Unsubscribe"));
}

const FROM: &str = "[email]\nfrom = \"Test Shop <shop@shop.test>\"\n";

#[test]
fn file_transport_writes_an_eml_for_mail_queued_in_a_business_transaction() {
    let store = Store::with_config(&format!("{BASE_CONFIG}{FROM}"), false);
    let app = store.app();
    // A write that fails takes its mail with it.
    let failed = app.db.write_tx(|tx| {
        outbox::enqueue_email(tx, &email(Some("rolled-back/1")), 1)?;
        Err::<(), _>(boutique::error::Error::conflict("out of stock"))
    });
    assert!(failed.is_err());
    assert!(
        outbox::list(&app.db.read().unwrap(), None, None, 10)
            .unwrap()
            .is_empty()
    );

    let id = enqueue(&store, &email(Some("order-confirmation/1001")));
    let r = wait_sent(&app.db, id);
    let files = mail_files(&store.data_dir());
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.contains(&format!("-{id}-")) && name.ends_with(".eml"),
        "{name}"
    );
    assert_eq!(r.provider_id.as_deref(), Some(name.as_str()));
    assert_eq!(r.attempts, 1);
    assert!(r.sent_at.is_some());
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert_rfc5322(&raw, "order-confirmation/1001");
    // No temp file left behind by write_atomic.
    assert!(!files[0].with_extension("tmp-write").exists());
    // The same key again is the same row, not a second mail.
    let again = enqueue(&store, &email(Some("order-confirmation/1001")));
    assert_eq!(again, id);
    // A generated key is used when the caller has none.
    let other = enqueue(&store, &email(None));
    let r2 = wait_sent(&app.db, other);
    assert!(r2.idempotency_key.starts_with("email-"), "{r2:?}");
    assert_eq!(mail_files(&store.data_dir()).len(), 2);
}

/// A minimal SMTP server: enough of RFC 5321 for lettre's client, no TLS, no AUTH.
/// Each message (dot-unstuffed) goes to the channel.
fn smtp_sink() -> (u16, Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                let _ = w.write_all(b"220 sink.test ESMTP\r\n");
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250-sink.test\r\n250 8BITMIME\r\n"
                    } else if cmd.starts_with("DATA") {
                        let _ = w.write_all(b"354 go ahead\r\n");
                        let mut msg = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            msg.push_str(line.strip_prefix('.').unwrap_or(&line));
                        }
                        let _ = tx.send(msg);
                        b"250 2.0.0 queued as SINK1\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(reply);
                }
            });
        }
    });
    (port, rx)
}

#[test]
fn smtp_transport_speaks_to_a_real_socket() {
    let (port, rx) = smtp_sink();
    let cfg = format!(
        "{BASE_CONFIG}{FROM}transport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_tls = \"none\"\n"
    );
    let store = Store::with_config(&cfg, false);
    let id = enqueue(&store, &email(Some("order-confirmation/7")));
    let raw = rx.recv_timeout(Duration::from_secs(5)).expect("a message");
    assert_rfc5322(&raw, "order-confirmation/7");
    assert!(raw.contains("Resend-Idempotency-Key: order-confirmation/7"));
    let r = wait_sent(&store.app().db, id);
    assert!(r.provider_id.unwrap_or_default().contains("SINK1"));
    assert!(
        mail_files(&store.data_dir()).is_empty(),
        "no .eml with smtp"
    );
}

/// What the fake Resend saw and remembers.
#[derive(Default)]
struct ResendState {
    /// Every accepted first-time request: (Idempotency-Key, JSON body).
    delivered: Vec<(String, serde_json::Value)>,
    /// Idempotency-Key → the id it was answered with.
    keys: HashMap<String, String>,
    requests: usize,
}

/// `POST /emails` as specs/email.md §1 and §4 describe it. `fail` ≠ 0 makes it answer that
/// status with a Resend-shaped error body.
fn fake_resend(fail: Arc<AtomicU16>) -> (String, Arc<Mutex<ResendState>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(ResendState::default()));
    let st = state.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            handle_resend(conn, &st, fail.load(Ordering::SeqCst));
        }
    });
    (url, state)
}

fn handle_resend(conn: TcpStream, st: &Mutex<ResendState>, fail: u16) {
    let mut w = conn.try_clone().unwrap();
    let mut r = BufReader::new(conn);
    let mut request_line = String::new();
    r.read_line(&mut request_line).unwrap();
    let mut headers = HashMap::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        if l.trim_end().is_empty() {
            break;
        }
        if let Some((k, v)) = l.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    let err = |status: u16, name: &str, message: &str| {
        (
            status,
            serde_json::json!({"statusCode": status, "name": name, "message": message}),
        )
    };
    let (status, json) = (|| {
        st.lock().unwrap().requests += 1;
        if !request_line.starts_with("POST /emails ") {
            return err(404, "not_found", "The requested endpoint does not exist.");
        }
        match headers.get("authorization").map(String::as_str) {
            None => {
                return err(
                    401,
                    "missing_api_key",
                    "Missing API key in the authorization header.",
                );
            }
            Some("Bearer re_test_key") => {}
            Some(_) => return err(403, "invalid_api_key", "API key is invalid."),
        }
        if fail != 0 {
            return match fail {
                422 => err(422, "validation_error", "Invalid `to` field."),
                429 => err(429, "rate_limit_exceeded", "Too many requests."),
                _ => err(
                    fail,
                    "internal_server_error",
                    "An unexpected error occurred.",
                ),
            };
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return err(422, "validation_error", "Invalid JSON.");
        };
        for field in ["from", "to", "subject"] {
            if v.get(field).is_none() {
                return err(
                    422,
                    "missing_required_field",
                    &format!("Missing `{field}` field."),
                );
            }
        }
        if v.get("html").is_none() && v.get("text").is_none() {
            return err(422, "validation_error", "Missing `html` or `text` field.");
        }
        let Some(key) = headers.get("idempotency-key").cloned() else {
            return err(
                422,
                "validation_error",
                "test fake wants an Idempotency-Key",
            );
        };
        let mut s = st.lock().unwrap();
        if let Some(id) = s.keys.get(&key) {
            // Replay within the window: same answer, no second send.
            return (200, serde_json::json!({"id": id}));
        }
        let id = format!("4ef9a417-02e9-4d39-ad75-9611e0fcc{:03}", s.keys.len());
        s.keys.insert(key.clone(), id.clone());
        s.delivered.push((key, v));
        (200, serde_json::json!({"id": id}))
    })();
    let body = json.to_string();
    // Resend's rate-limit headers (specs/email.md §1.3).
    let extra = if status == 429 {
        "retry-after: 900\r\nratelimit-limit: 2\r\nratelimit-remaining: 0\r\nratelimit-reset: 900\r\n"
    } else {
        ""
    };
    let _ = write!(
        w,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
}

fn resend_config(url: &str) -> String {
    format!(
        "{BASE_CONFIG}{FROM}transport = \"resend\"\nresend_api_key = \"re_test_key\"\nresend_base_url = \"{url}\"\n"
    )
}

#[test]
fn resend_transport_posts_the_documented_request_and_replays_by_key() {
    let (url, state) = fake_resend(Arc::new(AtomicU16::new(0)));
    let store = Store::with_config(&resend_config(&url), false);
    let id = enqueue(&store, &email(Some("order-confirmation/9")));
    let r = wait_sent(&store.app().db, id);
    {
        let s = state.lock().unwrap();
        assert_eq!(s.delivered.len(), 1);
        let (key, body) = &s.delivered[0];
        assert_eq!(key, "order-confirmation/9");
        assert_eq!(body["from"], "Test Shop <shop@shop.test>");
        assert_eq!(body["to"][0], "Asha <asha@customer.test>");
        assert_eq!(body["subject"], "Order #1001 confirmed");
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .contains("http://shop.test/orders/1001")
        );
        assert!(body["html"].as_str().unwrap().contains("<h1"));
        assert_eq!(r.provider_id.as_deref(), Some(s.keys[key].as_str()));
    }
    // A duplicate delivery (what a crash between send and mark_sent causes) carries the
    // same key, gets the same id back, and is not delivered twice.
    let mailer = Mailer::from_config(&store.app().cfg().email, &store.data_dir()).unwrap();
    let body = r.email().expect("an email payload");
    let out = Outgoing {
        outbox_id: id,
        to: r.recipient.clone(),
        subject: r.subject.clone(),
        text: body.text,
        html: body.html,
        key: r.wire_key(),
        now: 1,
        unsubscribe: None,
    };
    assert_eq!(mailer.send(&out).unwrap(), r.provider_id);
    let s = state.lock().unwrap();
    assert_eq!((s.delivered.len(), s.requests), (1, 2));
    // The mailer's Debug never shows the API key.
    assert_eq!(format!("{mailer:?}"), "resend");
}

#[test]
fn failures_back_off_then_die_and_resend_delivers_without_touching_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let fail = Arc::new(AtomicU16::new(500));
    let (url, state) = fake_resend(fail.clone());
    let cfg = EmailConfig {
        transport: "resend".into(),
        from: "Test Shop <shop@shop.test>".into(),
        resend_api_key: boutique::config::Secret::new("re_test_key"),
        resend_base_url: url,
        ..boutique::config::Config::default().email
    };
    let mailer = Mailer::from_config(&cfg, dir.path()).unwrap();
    let t0 = 1_800_000_000;
    // The business change and its mail in one transaction.
    let id = db
        .write_tx(|tx| {
            catalog::create_category(
                tx,
                &catalog::NewCategory {
                    parent_id: None,
                    slug: "tea",
                    name: "Tea",
                    description: "",
                    position: 0,
                },
                t0,
            )?;
            outbox::enqueue_email(tx, &email(Some("order-confirmation/5")), t0)
        })
        .unwrap();
    let catalog_version = db.catalog_version();
    let snapshot = |db: &Db| -> Vec<(i64, String, String)> {
        let c = db.read().unwrap();
        let mut st = c.prepare("SELECT id, slug, name FROM categories").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = snapshot(&db);

    let mut now = t0;
    for (i, wait) in BACKOFF_SECS.iter().enumerate() {
        let d = worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10).unwrap();
        assert_eq!((d.claimed, d.retrying), (1, 1), "attempt {}", i + 1);
        let r = row(&db, id);
        assert_eq!(r.status, Status::Pending);
        assert_eq!(r.attempts, i as i64 + 1);
        assert_eq!(r.next_attempt_at, now + wait);
        let err = r.last_error.unwrap();
        assert!(
            err.contains("500") && err.contains("internal_server_error"),
            "{err}"
        );
        // Not due one second early.
        let early = worker::deliver_due(&db, &Handlers::mail(&mailer), now + wait - 1, 10).unwrap();
        assert_eq!(early.claimed, 0);
        now += wait;
    }
    let d = worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10).unwrap();
    assert_eq!(d.dead, 1);
    let r = row(&db, id);
    assert_eq!((r.status, r.attempts), (Status::Dead, 6));
    assert_eq!(
        worker::deliver_due(&db, &Handlers::mail(&mailer), now + 86_400, 10)
            .unwrap()
            .claimed,
        0
    );
    assert_eq!(
        outbox::list(&db.read().unwrap(), Some(Status::Dead), None, 10)
            .unwrap()
            .len(),
        1
    );
    // Nothing else moved.
    assert_eq!(snapshot(&db), before);
    assert_eq!(db.catalog_version(), catalog_version);
    assert_eq!(state.lock().unwrap().requests, 6);

    // A claim left behind by a dead worker is handed out again only after a minute.
    let id3 = db
        .write_tx(|tx| outbox::enqueue_email(tx, &email(Some("stuck/1")), now))
        .unwrap();
    assert_eq!(outbox::claim_due(&db, now, 10, &[]).unwrap().len(), 1);
    assert_eq!(outbox::recover_stuck(&db, now + 30).unwrap(), 0);
    assert_eq!(row(&db, id3).status, Status::Sending);
    assert_eq!(outbox::recover_stuck(&db, now + 61).unwrap(), 1);
    let r = row(&db, id3);
    assert_eq!(
        (r.status, r.next_attempt_at, r.attempts),
        (Status::Pending, now + 61, 0)
    );
    fail.store(0, Ordering::SeqCst);
    assert_eq!(
        worker::deliver_due(&db, &Handlers::mail(&mailer), now + 61, 10)
            .unwrap()
            .sent,
        1
    );
    fail.store(500, Ordering::SeqCst);

    // Pending rows cannot be "re-sent"; unknown ids are 404.
    assert_eq!(outbox::resend(&db, 999, now).unwrap_err().status(), 404);
    // The provider recovers; the admin re-sends.
    fail.store(0, Ordering::SeqCst);
    outbox::resend(&db, id, now).unwrap();
    assert_eq!(outbox::resend(&db, id, now).unwrap_err().status(), 409);
    let r = row(&db, id);
    assert_eq!(
        (r.status, r.attempts, r.last_error.is_some()),
        (Status::Pending, 0, true)
    );
    let d = worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10).unwrap();
    assert_eq!(d.sent, 1);
    let r = row(&db, id);
    assert_eq!(
        (r.status, r.attempts, r.last_error),
        (Status::Sent, 1, None)
    );
    {
        let s = state.lock().unwrap();
        assert_eq!(s.delivered.len(), 2);
        assert_eq!(s.delivered[1].0, "order-confirmation/5/resend-1");
    }
    // A sent mail can be re-sent too, and really goes out again (fresh wire key).
    outbox::resend(&db, id, now).unwrap();
    worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10).unwrap();
    assert_eq!(state.lock().unwrap().delivered.len(), 3);

    // A 429 waits as long as Resend asks when that is longer than the backoff step.
    fail.store(429, Ordering::SeqCst);
    let id4 = db
        .write_tx(|tx| outbox::enqueue_email(tx, &email(Some("rate/1")), now))
        .unwrap();
    assert_eq!(
        worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10)
            .unwrap()
            .retrying,
        1
    );
    let r = row(&db, id4);
    assert_eq!((r.status, r.next_attempt_at), (Status::Pending, now + 900));
    assert!(r.last_error.unwrap().contains("rate_limit_exceeded"));

    // A permanent refusal (422) stops at `failed` after one attempt.
    fail.store(422, Ordering::SeqCst);
    let id2 = db
        .write_tx(|tx| outbox::enqueue_email(tx, &email(None), now))
        .unwrap();
    let d = worker::deliver_due(&db, &Handlers::mail(&mailer), now, 10).unwrap();
    assert_eq!(d.failed, 1);
    let r = row(&db, id2);
    assert_eq!((r.status, r.attempts), (Status::Failed, 1));
    assert!(r.last_error.unwrap().contains("validation_error"));
    assert_eq!(snapshot(&db), before);
}

#[test]
fn mail_queued_before_a_crash_is_delivered_after_restart() {
    let mut store = Store::with_config(&format!("{BASE_CONFIG}{FROM}"), false);
    store.running.take().unwrap().shutdown();
    // While no worker runs: one row committed but never picked up, and one claimed by a
    // worker that then died in the middle of sending it.
    let db_path = store.data_dir().join("store.db");
    let (a, b) = {
        let db = Db::open(&db_path, Sync::Normal, 1).unwrap();
        let now = boutique::db::now();
        let a = db
            .write_tx(|tx| outbox::enqueue_email(tx, &email(Some("crash/a")), now))
            .unwrap();
        let b = db
            .write_tx(|tx| outbox::enqueue_email(tx, &email(Some("crash/b")), now - 300))
            .unwrap();
        let claimed = outbox::claim_due(&db, now - 120, 1, &[]).unwrap();
        assert_eq!(claimed[0].id, b);
        assert_eq!(row(&db, b).status, Status::Sending);
        (a, b)
    };
    assert!(mail_files(&store.data_dir()).is_empty());
    store.running = Some(
        app::start(Options {
            config_path: Some(store.config.clone()),
            listen: Some("127.0.0.1:0".into()),
            mail_tick: Some(Duration::from_millis(50)),
            ..Options::default()
        })
        .unwrap(),
    );
    let db = &store.app().db;
    wait_sent(db, a);
    wait_sent(db, b);
    assert_eq!(mail_files(&store.data_dir()).len(), 2);
}

#[test]
fn send_errors_sort_into_retry_and_permanent() {
    // An unreachable Resend (nothing listens) is retryable, never permanent.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let cfg = EmailConfig {
        transport: "resend".into(),
        resend_api_key: boutique::config::Secret::new("re_test_key"),
        resend_base_url: url,
        ..boutique::config::Config::default().email
    };
    let mailer = Mailer::from_config(&cfg, Path::new("/nonexistent")).unwrap();
    let out = Outgoing {
        outbox_id: 1,
        to: "a@b.test".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
        key: "k".into(),
        now: 1,
        unsubscribe: None,
    };
    assert!(matches!(mailer.send(&out), Err(SendError::Retry(_))));
}

#[test]
fn switching_transport_in_store_toml_applies_without_restart() {
    let store = Store::with_config(&format!("{BASE_CONFIG}{FROM}"), false);
    let a = enqueue(&store, &email(Some("switch/file")));
    wait_sent(&store.app().db, a);
    assert_eq!(mail_files(&store.data_dir()).len(), 1);
    let (port, rx) = smtp_sink();
    // Saved like an editor does (temp file renamed over the config).
    let tmp = store.config.with_extension("toml.swp");
    std::fs::write(
        &tmp,
        format!(
            "{BASE_CONFIG}{FROM}transport = \"smtp\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_tls = \"none\"\n"
        ),
    )
    .unwrap();
    std::fs::rename(&tmp, &store.config).unwrap();
    wait_for("the reload", || {
        (store.app().cfg().email.transport == "smtp").then_some(())
    });
    let b = enqueue(&store, &email(Some("switch/smtp")));
    let raw = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("sent over smtp");
    assert!(raw.contains("Message-ID: <switch/smtp@shop.test>"));
    wait_sent(&store.app().db, b);
    assert_eq!(mail_files(&store.data_dir()).len(), 1, "no new .eml");
}

/// The outbox is general: a job of any kind is queued with a JSON payload, listed on the
/// admin's Jobs page with its kind, and run by the worker by kind. A kind this binary has
/// no handler for is never dropped: it fails visibly ("no handler") and the owner can run
/// it again. Email jobs wait untouched while no transport is set up (not failed), and the
/// email log shows email jobs only.
#[test]
fn jobs_of_any_kind_are_listed_run_by_kind_and_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let now = 1_000_000;
    let (job, mail) = db
        .write_tx(|tx| {
            let job = outbox::enqueue(
                tx,
                &outbox::NewJob {
                    kind: "courier.create",
                    idempotency_key: Some("courier/1001"),
                    recipient: "shiprocket",
                    subject: "Create shipment for #1001",
                    template: "create-order",
                    payload: serde_json::json!({"order": 1001, "weight_g": 500}),
                },
                now,
            )?;
            Ok((job, outbox::enqueue_email(tx, &email(Some("mail/1")), now)?))
        })
        .unwrap();
    // A bad kind is refused before anything is written.
    let bad = db.write_tx(|tx| {
        outbox::enqueue(
            tx,
            &outbox::NewJob {
                kind: "Courier Create",
                idempotency_key: None,
                recipient: "x",
                subject: "x",
                template: "x",
                payload: serde_json::json!({}),
            },
            now,
        )
    });
    assert!(bad.is_err());
    // No transport: the email is held back, the courier job (no handler yet) fails.
    let d = worker::deliver_due(
        &db,
        &Handlers {
            mailer: None,
            app: None,
        },
        now,
        10,
    )
    .unwrap();
    assert_eq!((d.claimed, d.failed), (1, 1), "{d:?}");
    assert_eq!(row(&db, mail).status, Status::Pending);
    let r = row(&db, job);
    assert_eq!(r.status, Status::Failed);
    assert!(
        r.last_error.as_deref().unwrap().contains("no handler"),
        "{r:?}"
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.payload).unwrap()["weight_g"],
        500
    );
    assert_eq!(r.email(), None);
    // Only email jobs in the email log; every kind in the jobs list.
    let c = db.read().unwrap();
    let emails = outbox::list(&c, None, Some(outbox::EMAIL), 10).unwrap();
    assert_eq!(emails.iter().map(|r| r.id).collect::<Vec<_>>(), [mail]);
    assert_eq!(outbox::list(&c, None, None, 10).unwrap().len(), 2);
    drop(c);
    // Retried by the owner, it is due again with its attempts reset.
    outbox::resend(&db, job, now).unwrap();
    assert_eq!(row(&db, job).status, Status::Pending);
    assert_eq!(row(&db, job).attempts, 0);
}

/// The admin's Jobs page over HTTP: lists every kind, shows a job's payload, runs a
/// failed one again (CSRF checked); the email log does not show non-email jobs.
#[test]
fn the_admin_jobs_page_shows_every_kind_and_runs_a_failed_job_again() {
    let s = Store::empty();
    let owner = common::owner(&s);
    let db = &s.app().db;
    let id = db
        .write_tx(|tx| {
            outbox::enqueue(
                tx,
                &outbox::NewJob {
                    kind: "gateway.refund",
                    idempotency_key: Some("refund/7"),
                    recipient: "razorpay",
                    subject: "Refund order #1007",
                    template: "refund",
                    payload: serde_json::json!({"order": 1007, "amount": 12_500}),
                },
                boutique::db::now(),
            )
        })
        .unwrap();
    s.app().mail_wake().notify();
    wait_for("the job to fail for want of a handler", || {
        (row(db, id).status == Status::Failed).then_some(())
    });
    let get = |p: &str| s.get_with(p, &[("Cookie", owner.as_str())]);
    let list = get("/admin/jobs");
    assert_eq!(list.status, 200);
    assert!(list.text().contains("gateway.refund"), "{}", list.text());
    assert!(list.text().contains("Refund order #1007"));
    assert_eq!(get("/admin/jobs?status=failed").status, 200);
    assert!(!get("/admin/emails").text().contains("Refund order #1007"));
    assert_eq!(get(&format!("/admin/emails/{id}")).status, 404);
    let page = get(&format!("/admin/jobs/{id}"));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("no handler") && html.contains("12500"),
        "{html}"
    );
    assert!(html.contains("Run again"));
    let path = format!("/admin/jobs/{id}/resend");
    assert_eq!(
        common::post_form(&s, &path, Some(&owner), "csrf_token=nope").status,
        403
    );
    let r = common::post_form(
        &s,
        &path,
        Some(&owner),
        &format!("csrf_token={}", common::csrf(&html)),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/admin/jobs/{id}").as_str())
    );
    // It ran again (and, with no handler still, failed again: attempts count anew).
    wait_for("the job to run again", || {
        let r = row(db, id);
        (r.status == Status::Failed && r.resends == 1).then_some(())
    });
}
