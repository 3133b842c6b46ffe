//! The worker: the thread that runs due outbox jobs, each by its kind, with no
//! transaction open, and the only caller of `remote` (the architecture test holds it to
//! that). Claiming, recording outcomes and the backoff schedule belong to
//! `jobs::outbox`; this file owns the dispatch — which handler runs a kind, how a
//! handler's error is sorted into an [`outbox::Failure`] — the doorbell that wakes the
//! thread after a commit, and the thread's life (start, transport rebuilt on config
//! change, stop). A job of a kind no handler knows is marked failed ("no handler"), never
//! dropped, so the owner sees it and can retry it once a binary that knows it runs.

use crate::app::App;
use crate::db::Db;
use crate::error::Result;
use crate::jobs::outbox::{self, BATCH, Failure, OutboxRow, Status, recover_stuck};
use crate::remote::mail::{Mailer, Outgoing, SendError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the worker can run this round: one entry per kind that has a handler. The mail
/// transport is None while the `[email]` config cannot make one; email jobs then stay
/// queued untouched (not failed), because fixing the config must send them.
pub struct Handlers<'a> {
    pub mailer: Option<&'a Mailer>,
    /// The store, for the card-gateway jobs (refunds) and the courier jobs, which run as
    /// use cases (`service::payments`, `service::shipping`).
    pub app: Option<&'a App>,
}

/// The card-gateway refund jobs (`service::payments::run_refund_job`).
pub const REFUNDS: [&str; 2] = ["razorpay.refund", "stripe.refund"];

impl<'a> Handlers<'a> {
    pub fn mail(mailer: &'a Mailer) -> Handlers<'a> {
        Handlers {
            mailer: Some(mailer),
            app: None,
        }
    }

    /// The kinds whose handler is not set up now: their jobs wait, untouched.
    fn held(&self) -> Vec<&'static str> {
        let mut held = Vec::new();
        if self.mailer.is_none() {
            held.push(outbox::EMAIL);
        }
        if self.app.is_none() {
            held.extend(REFUNDS);
            held.extend(crate::service::shipping::KINDS);
            held.push(crate::service::wishlist::PROJECT);
        }
        held
    }
}

impl From<SendError> for Failure {
    fn from(e: SendError) -> Failure {
        match e {
            SendError::Retry(m) => Failure::Retry(m),
            SendError::RetryAfter(m, secs) => Failure::RetryAfter(m, secs),
            SendError::Permanent(m) => Failure::Permanent(m),
        }
    }
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub dead: usize,
}

/// One round: claim due jobs (of the kinds `handlers` can run now) as of `now`, run each
/// by its kind (no transaction open), record the outcomes. Tests call it with a chosen
/// `now` to walk the backoff schedule without waiting.
pub fn deliver_due(db: &Db, handlers: &Handlers, now: i64, limit: usize) -> Result<Delivery> {
    let rows = outbox::claim_due(db, now, limit, &handlers.held())?;
    let mut d = Delivery {
        claimed: rows.len(),
        ..Delivery::default()
    };
    let mut done: Vec<(i64, Option<String>)> = Vec::new();
    let mut mailed: Vec<(i64, Option<String>)> = Vec::new();
    for row in rows {
        let outcome = match (row.kind.as_str(), handlers.mailer) {
            (outbox::EMAIL, Some(mailer)) => send_email(mailer, &row, now).map(|id| {
                mailed.push((row.id, id));
            }),
            (kind, _) if REFUNDS.contains(&kind) && handlers.app.is_some() => handlers
                .app
                .map_or(Ok(()), |app| {
                    crate::service::payments::run_refund_job(app, &row)
                })
                .map(|()| done.push((row.id, None))),
            (kind, _) if crate::service::shipping::KINDS.contains(&kind) => match handlers.app {
                Some(app) => {
                    crate::service::shipping::run_job(app, &row).map(|()| done.push((row.id, None)))
                }
                None => Err(Failure::Retry("the store is not running".into())),
            },
            (crate::service::wishlist::PROJECT, _) => match handlers.app {
                Some(app) => {
                    crate::service::wishlist::run_job(app, &row).map(|()| done.push((row.id, None)))
                }
                None => Err(Failure::Retry("the store is not running".into())),
            },
            (kind, _) => Err(Failure::Permanent(format!(
                "no handler for jobs of kind \"{kind}\" in this version of boutique"
            ))),
        };
        match outcome {
            Ok(()) => d.sent += 1,
            Err(e) => {
                log::warn!(
                    "outbox #{} ({} to {}): {e}",
                    row.id,
                    row.kind,
                    row.recipient
                );
                count_failure(&mut d, outbox::mark_failed(db, row.id, &e, now)?);
            }
        }
    }
    // Mail is made durable once per batch (the file transport's fsync): a crash before
    // this point leaves the rows `sending`; they are sent again (same key, same
    // Message-ID and file name). Not durable → back to the retry schedule, not `sent`.
    if let (false, Some(mailer)) = (mailed.is_empty(), handlers.mailer) {
        match mailer.flush() {
            Ok(()) => done.append(&mut mailed),
            Err(e) => {
                log::warn!("mail not made durable: {e}");
                let e = Failure::from(e);
                for (id, _) in &mailed {
                    count_failure(&mut d, outbox::mark_failed(db, *id, &e, now)?);
                }
                d.sent -= mailed.len();
            }
        }
    }
    outbox::mark_done(db, &done, now)?;
    Ok(d)
}

fn count_failure(d: &mut Delivery, status: Status) {
    match status {
        Status::Dead => d.dead += 1,
        Status::Failed => d.failed += 1,
        _ => d.retrying += 1,
    }
}

/// The `email` handler: the payload's bodies through the configured transport.
fn send_email(
    mailer: &Mailer,
    row: &OutboxRow,
    now: i64,
) -> std::result::Result<Option<String>, Failure> {
    let body = row
        .email()
        .ok_or_else(|| Failure::Permanent("the email payload is not {text, html}".into()))?;
    let out = Outgoing {
        outbox_id: row.id,
        to: row.recipient.clone(),
        subject: row.subject.clone(),
        text: body.text,
        html: body.html,
        key: row.wire_key(),
        now,
        unsubscribe: body.unsubscribe,
    };
    mailer.send(&out).map_err(|e| {
        log::debug!("mail via {}: {e}", mailer.name());
        Failure::from(e)
    })
}

/// The doorbell between code that queued mail and the worker: `notify` after the commit
/// wakes the worker at once; without it the worker still finds the row at its next tick.
#[derive(Default)]
pub struct MailWake {
    rung: Mutex<bool>,
    cv: Condvar,
}

impl MailWake {
    pub fn notify(&self) {
        *self.rung.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Waits until rung or `timeout` passes, and clears the bell.
    fn wait(&self, timeout: Duration) {
        let guard = self.rung.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |rung| !*rung)
            .unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }
}

/// The running worker; [`WorkerHandle::stop`] (or drop) ends it after the message in
/// hand, if any, is recorded.
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    wake: Arc<MailWake>,
    join: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    pub fn stop(mut self) {
        self.halt();
    }
    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify();
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Starts the delivery thread: it recovers stuck rows and delivers whatever is due
/// whenever it is woken ([`App::mail_wake`]) or `tick` passes. The transport is rebuilt
/// whenever the live `[email]` config changes, so a fixed config takes effect without a
/// restart; while the config cannot make a transport, rows stay queued untouched.
pub fn spawn_worker(app: Arc<App>, tick: Duration) -> WorkerHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let wake = app.mail_wake.clone();
    let (stop2, wake2) = (stop.clone(), wake.clone());
    let join = std::thread::Builder::new()
        .name("mail-worker".into())
        .spawn(move || worker_loop(&app, &stop2, &wake2, tick))
        .expect("spawn mail worker");
    WorkerHandle {
        stop,
        wake,
        join: Some(join),
    }
}

fn worker_loop(app: &App, stop: &AtomicBool, wake: &MailWake, tick: Duration) {
    let mut current: Option<(crate::config::EmailConfig, Option<Mailer>)> = None;
    while !stop.load(Ordering::SeqCst) {
        // Checked every round, not only at start: between rounds this (only) worker
        // holds no claimed rows, so a row still `sending` belongs to a process that died
        // — including one that died less than a minute before this one started.
        match recover_stuck(&app.db, crate::db::now()) {
            Ok(0) => {}
            Ok(n) => log::info!("{n} job(s) interrupted by a crash will run again"),
            Err(e) => log::error!("cannot recover interrupted jobs: {e}"),
        }
        let cfg = app.cfg();
        if current.as_ref().map(|(c, _)| c) != Some(&cfg.email) {
            let mailer = match Mailer::from_config(&cfg.email, &app.data_dir) {
                Ok(m) => Some(m),
                Err(e) => {
                    log::error!(
                        "cannot set up the {} mail transport: {e}",
                        cfg.email.transport
                    );
                    None
                }
            };
            current = Some((cfg.email.clone(), mailer));
        }
        let handlers = Handlers {
            mailer: current.as_ref().and_then(|(_, m)| m.as_ref()),
            app: Some(app),
        };
        loop {
            match deliver_due(&app.db, &handlers, crate::db::now(), BATCH) {
                Ok(d) if d.claimed == BATCH && !stop.load(Ordering::SeqCst) => continue,
                Ok(_) => break,
                Err(e) => {
                    log::error!("delivery round failed: {e}");
                    break;
                }
            }
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        wake.wait(tick);
    }
}
