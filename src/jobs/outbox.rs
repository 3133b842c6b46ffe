//! The outbox: jobs queued in the same transaction as the change that causes them, run
//! afterwards by the worker (`jobs::worker`). A job has a kind (`email` today; gateway
//! calls, courier calls and projections next), a JSON payload its handler reads, summary
//! columns for the admin (recipient, subject, template) and an idempotency key. This file
//! owns the `outbox` table's state machine — pending → sending → sent, with retryable
//! failures going back to pending on the [`BACKOFF_SECS`] schedule until they run out
//! (`dead`) and permanent ones stopping at `failed` — and the admin's view of it (it is
//! also the email log). It knows nothing of how a job is carried out: handlers answer
//! with a [`Failure`] and this file decides what happens next.
//!
//! Delivery is at-least-once. A row is claimed (`sending`) in one short transaction, run
//! with no transaction open (house rule 4), then marked in another. If the process dies
//! between running and marking, the row is still `sending`; the next worker (on restart)
//! puts rows stuck there for over a minute back to `pending`, so the job runs again rather
//! than being lost. One worker per database is assumed (the store is one process). A
//! duplicate is detectable by the peer: every attempt carries the job's wire key (for mail
//! the Message-ID and Resend's Idempotency-Key, which drops a repeat within 24 hours).

use crate::db::Db;
use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

/// Wait after the 1st, 2nd, ... failed attempt; after the last one the row is `dead`
/// (six attempts over about nine hours in all).
pub const BACKOFF_SECS: [i64; 5] = [60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600];

/// A row still `sending` this long after it was claimed belongs to a worker that died
/// (sends time out after 10 s), so it is safe to hand out again.
pub const STUCK_AFTER_SECS: i64 = 60;

/// How many rows one claim takes; the worker loops while batches come back full.
pub const BATCH: usize = 20;

/// An email to queue. `text` and `html` are the finished bodies (see
/// `views::email::render`); the queue stores what it will send, so a later template
/// change never alters a queued message.
#[derive(Debug, Clone, Default)]
pub struct NewEmail {
    pub to: String,
    pub subject: String,
    /// Which template made it (`magic-link`, `order-confirmation`...), for the log.
    pub template: String,
    pub text: String,
    pub html: String,
    /// `<event>/<entity-id>` (e.g. `order-confirmation/42`): queuing the same key twice
    /// returns the first row. None → a random `email-{hex}` key.
    pub idempotency_key: Option<String>,
    /// A follow-up mail's one-click unsubscribe address (RFC 8058); None for
    /// transactional mail, which carries no List-Unsubscribe.
    pub unsubscribe: Option<String>,
}

/// The kind of an email job.
pub const EMAIL: &str = "email";

/// A job of any kind, as queued. The payload is what the handler of `kind` reads; the
/// three summary fields are what the admin lists show (and `recipient` is what the mail
/// cap counts for email).
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// `<event>/<entity-id>`: queuing the same key twice returns the first row.
    /// None → a random `{kind}-{hex}` key.
    pub idempotency_key: Option<&'a str>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub template: &'a str,
    pub payload: serde_json::Value,
}

/// The payload of an `email` job: the finished bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailBody {
    pub text: String,
    pub html: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

/// How a job's attempt failed, as its handler sorts it; [`mark_failed`] turns it into the
/// next state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again on the backoff schedule (network, timeout, 5xx...).
    Retry(String),
    /// Like `Retry`, but the peer said not before this many seconds.
    RetryAfter(String, i64),
    /// Will fail the same way every time (bad address, refused request, no handler).
    Permanent(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Retry(m) => write!(f, "temporary: {m}"),
            Failure::RetryAfter(m, secs) => write!(f, "temporary: {m} (retry after {secs} s)"),
            Failure::Permanent(m) => write!(f, "permanent: {m}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Sending,
    Sent,
    /// Refused for good by the provider (bad address, rejected request).
    Failed,
    /// Retries ran out.
    Dead,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Sending,
        Status::Sent,
        Status::Failed,
        Status::Dead,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One outbox row, as the worker and the admin page see it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: String,
    pub recipient: String,
    pub subject: String,
    pub template: String,
    /// The job's JSON object (for email, an [`EmailBody`]).
    pub payload: String,
    pub status: Status,
    pub attempts: i64,
    pub resends: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub provider_id: Option<String>,
}

impl OutboxRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
        let status: String = r.get(7)?;
        Ok(OutboxRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            idempotency_key: r.get(2)?,
            recipient: r.get(3)?,
            subject: r.get(4)?,
            template: r.get(5)?,
            payload: r.get(6)?,
            // The CHECK constraint admits only the five names.
            status: Status::parse(&status).unwrap_or(Status::Failed),
            attempts: r.get(8)?,
            resends: r.get(9)?,
            next_attempt_at: r.get(10)?,
            last_error: r.get(11)?,
            created_at: r.get(12)?,
            sent_at: r.get(13)?,
            provider_id: r.get(14)?,
        })
    }

    /// The bodies of an email job; None for another kind or a payload that is not one.
    pub fn email(&self) -> Option<EmailBody> {
        if self.kind != EMAIL {
            return None;
        }
        serde_json::from_str(&self.payload).ok()
    }

    /// The key sent to the provider. An admin re-send must really go out again, so each
    /// one gets its own key (the provider would drop a repeat of the original).
    pub fn wire_key(&self) -> String {
        if self.resends == 0 {
            self.idempotency_key.clone()
        } else {
            format!("{}/resend-{}", self.idempotency_key, self.resends)
        }
    }
}

/// Queues a job of any kind inside the caller's write transaction, so it commits (or
/// rolls back) with the change that causes it. A key already queued returns the existing
/// row's id and queues nothing.
pub fn enqueue(tx: &Tx, job: &NewJob, now: i64) -> Result<i64> {
    let key = job_key(job)?;
    tx.prepare_cached(sql::INSERT)?.execute(params![
        job.kind,
        key,
        job.recipient,
        job.subject,
        job.template,
        job.payload.to_string(),
        now
    ])?;
    let id = tx
        .prepare_cached(sql::ID_BY_KEY)?
        .query_row([&key], |r| r.get(0))?;
    Ok(id)
}

/// Queues a job that is not due before `run_at` (a simulated courier's next update).
pub fn enqueue_at(tx: &Tx, job: &NewJob, run_at: i64, now: i64) -> Result<i64> {
    let id = enqueue(tx, job, now)?;
    defer(tx, id, run_at)?;
    Ok(id)
}

/// Moves the queued row `id` to `run_at` (a mail that should wait, like the review
/// request `[reviews] request_after_days` after delivery).
pub fn defer(tx: &Tx, id: i64, run_at: i64) -> Result<()> {
    tx.prepare_cached(sql::DEFER)?
        .execute(params![run_at, id])?;
    Ok(())
}

/// Puts the job queued under `key` back on the schedule, due now, whatever became of it
/// (the owner's "retry" of a shipment). False when no job has that key.
pub fn requeue_key(tx: &Tx, key: &str, now: i64) -> Result<bool> {
    Ok(tx
        .prepare_cached(sql::REQUEUE_KEY)?
        .execute(params![now, key])?
        > 0)
}

/// Queues an email (see [`enqueue`]). Call `app.mail_wake().notify()` after the commit to
/// have it sent at once instead of at the next tick.
pub fn enqueue_email(tx: &Tx, msg: &NewEmail, now: i64) -> Result<i64> {
    enqueue(tx, &email_job(msg)?, now)
}

/// The job an email becomes, once its address and subject are checked.
fn email_job(msg: &NewEmail) -> Result<NewJob<'_>> {
    let to = msg.to.trim();
    if to.is_empty() || !to.contains('@') || to.chars().any(char::is_control) {
        return Err(Error::bad_request("Please enter a valid email address."));
    }
    if msg.subject.chars().any(char::is_control) {
        return Err(Error::internal("email subject contains control characters"));
    }
    if msg
        .unsubscribe
        .as_deref()
        .is_some_and(|u| u.chars().any(char::is_control) || !u.starts_with("http"))
    {
        return Err(Error::internal("bad unsubscribe address"));
    }
    let body = EmailBody {
        text: msg.text.clone(),
        html: msg.html.clone(),
        unsubscribe: msg.unsubscribe.clone(),
    };
    Ok(NewJob {
        kind: EMAIL,
        idempotency_key: msg.idempotency_key.as_deref(),
        recipient: to,
        subject: &msg.subject,
        template: &msg.template,
        payload: serde_json::to_value(body)
            .map_err(|e| Error::internal(format!("email payload: {e}")))?,
    })
}

/// The job's own key, or a fresh random one.
fn job_key(job: &NewJob) -> Result<String> {
    let kind_ok = !job.kind.is_empty()
        && job.kind.len() <= 40
        && job
            .kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if !kind_ok {
        return Err(Error::internal(format!("bad job kind {:?}", job.kind)));
    }
    match job.idempotency_key {
        Some(k) if !k.is_empty() && k.len() <= 200 => Ok(k.to_string()),
        Some(k) => Err(Error::internal(format!("bad idempotency key {k:?}"))),
        None => random_key(job.kind),
    }
}

/// The per-address mail cap (`[limits] mails_per_unproven_address_per_hour`): an address
/// that has never proven itself (no used sign-in link or code, not staff) gets at most
/// `per_hour` mails in any hour, whatever their kind, so the store cannot be made to
/// flood a stranger. Mail to the store's own address is never capped.
#[derive(Debug, Clone, Copy)]
pub struct MailCap<'a> {
    pub per_hour: i64,
    pub store_address: &'a str,
}

/// Where a capped enqueue put the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// Queued for sending (or already queued under the same key): the row id.
    Pending(i64),
    /// Over the cap: recorded as a `failed` row whose error says it was held (the admin
    /// sees it in the email log and may re-send it), and the seconds until the cap has
    /// room again.
    Held { id: i64, wait: i64 },
}

/// The prefix of `last_error` on held rows; held rows do not count towards the cap.
pub const HELD: &str = "Held back:";

/// Like [`enqueue_email`], under `cap` (see [`MailCap`]). Never fails because of the cap:
/// the caller's change (an order, a status update) is still written.
pub fn enqueue_email_capped(tx: &Tx, msg: &NewEmail, cap: &MailCap, now: i64) -> Result<Queued> {
    let job = email_job(msg)?;
    if let Some(k) = job.idempotency_key
        && let Some(id) = tx
            .prepare_cached(sql::ID_BY_KEY)?
            .query_row([k], |r| r.get::<_, i64>(0))
            .optional()?
    {
        return Ok(Queued::Pending(id));
    }
    let to = job.recipient;
    let exempt = to.eq_ignore_ascii_case(cap.store_address.trim())
        || tx
            .prepare_cached(sql::PROVEN)?
            .query_row([to], |r| r.get::<_, bool>(0))?;
    if !exempt {
        // Counted up to the cap only: the work stays bounded however much mail the
        // address had (this runs inside the writer for every order mail).
        let n: i64 = tx
            .prepare_cached(sql::SENT_TO_SINCE)?
            .query_row(params![to, now - 3600, cap.per_hour], |r| r.get(0))?;
        if n >= cap.per_hour {
            let first: Option<i64> = tx
                .prepare_cached(sql::FIRST_SENT_SINCE)?
                .query_row(params![to, now - 3600], |r| r.get(0))?;
            let wait = (first.unwrap_or(now) + 3600 - now).max(1);
            let why = format!(
                "{HELD} {} mails in the last hour to an address that has never signed in (limit {}).",
                n, cap.per_hour
            );
            tx.prepare_cached(sql::INSERT_HELD)?.execute(params![
                job.kind,
                job_key(&job)?,
                to,
                job.subject,
                job.template,
                job.payload.to_string(),
                now,
                why
            ])?;
            return Ok(Queued::Held {
                id: tx.last_insert_rowid(),
                wait,
            });
        }
    }
    enqueue(tx, &job, now).map(Queued::Pending)
}

fn random_key(kind: &str) -> Result<String> {
    let hex = crate::crypto::hex(&crate::crypto::random_bytes::<16>());
    Ok(format!("{kind}-{hex}"))
}

/// Claims up to `limit` due rows (pending, next_attempt_at ≤ now), except those of the
/// `held` kinds (whose handler cannot run now: they wait untouched), by moving them to
/// `sending`, in one short transaction. The caller runs them with no transaction open.
pub fn claim_due(db: &Db, now: i64, limit: usize, held: &[&str]) -> Result<Vec<OutboxRow>> {
    let held = serde_json::to_string(held).map_err(|e| Error::internal(e.to_string()))?;
    // Most ticks find nothing: ask a reader first so an idle worker never takes the
    // writer away from shoppers.
    let any: bool = db
        .read()?
        .prepare_cached(sql::ANY_DUE)?
        .query_row(params![now, held], |r| r.get(0))?;
    if !any {
        return Ok(Vec::new());
    }
    db.write_tx(|tx| {
        let rows = tx
            .prepare_cached(sql::DUE)?
            .query_map(params![now, limit as i64, held], OutboxRow::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut claim = tx.prepare_cached(sql::CLAIM)?;
        let mut out = Vec::with_capacity(rows.len());
        for mut r in rows {
            claim.execute(params![now, r.id])?;
            r.status = Status::Sending;
            out.push(r);
        }
        Ok(out)
    })
}

/// Records jobs that succeeded (with the peer's id for each, e.g. the provider's message
/// id), in one transaction.
pub fn mark_done(db: &Db, done: &[(i64, Option<String>)], now: i64) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    db.write_tx(|tx| {
        let mut mark = tx.prepare_cached(sql::MARK_SENT)?;
        for (id, peer_id) in done {
            mark.execute(params![now, peer_id, id])?;
        }
        Ok(())
    })
}

/// Records a failed attempt and decides what happens next: back to `pending` after the
/// next backoff step, `dead` when the schedule has run out, `failed` at once for a
/// permanent refusal. Returns the new status.
pub fn mark_failed(db: &Db, id: i64, err: &Failure, now: i64) -> Result<Status> {
    db.write_tx(|tx| {
        let attempts: i64 = tx
            .prepare_cached(sql::ATTEMPTS)?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::not_found("No such job."))?;
        let n = attempts + 1;
        let (status, next) = match err {
            Failure::Permanent(_) => (Status::Failed, now),
            Failure::Retry(_) | Failure::RetryAfter(..) => {
                let asked = match err {
                    Failure::RetryAfter(_, secs) => *secs,
                    _ => 0,
                };
                match BACKOFF_SECS.get((n - 1) as usize) {
                    Some(wait) => (Status::Pending, now + (*wait).max(asked)),
                    None => (Status::Dead, now),
                }
            }
        };
        let msg: String = err.to_string().chars().take(1000).collect();
        tx.prepare_cached(sql::MARK_FAILED)?
            .execute(params![status.as_str(), n, next, msg, id])?;
        Ok(status)
    })
}

/// The admin's "re-send": a failed, dead or sent row goes back to `pending`, due now,
/// with its attempts reset and a fresh wire key. Pending or sending rows are refused
/// (they are on their way already).
pub fn resend(db: &Db, id: i64, now: i64) -> Result<()> {
    db.write_tx(|tx| {
        if tx.prepare_cached(sql::RESEND)?.execute(params![now, id])? == 1 {
            return Ok(());
        }
        let status: Option<String> = tx
            .prepare_cached(sql::STATUS)?
            .query_row([id], |r| r.get(0))
            .optional()?;
        match status {
            None => Err(Error::not_found("No such job.")),
            Some(s) => Err(Error::conflict(format!(
                "This job is {s}: it is already on its way."
            ))),
        }
    })
}

/// Puts rows left in `sending` by a dead worker back to `pending` (see the module doc).
/// Returns how many.
pub fn recover_stuck(db: &Db, now: i64) -> Result<usize> {
    let cutoff = now - STUCK_AFTER_SECS;
    let any: bool = db
        .read()?
        .prepare_cached(sql::ANY_STUCK)?
        .query_row([cutoff], |r| r.get(0))?;
    if !any {
        return Ok(0);
    }
    db.write_tx(|tx| {
        Ok(tx
            .prepare_cached(sql::RECOVER)?
            .execute(params![now, cutoff])?)
    })
}

/// How many messages have each of these statuses (for the admin overview).
pub fn count(conn: &Connection, statuses: &[Status]) -> Result<i64> {
    let mut n = 0;
    for st in statuses {
        n += conn
            .prepare_cached(sql::COUNT)?
            .query_row([st.as_str()], |r| r.get::<_, i64>(0))?;
    }
    Ok(n)
}

/// Newest first, optionally only one status and one kind: the admin's outbox and email
/// log.
pub fn list(
    conn: &Connection,
    status: Option<Status>,
    kind: Option<&str>,
    limit: usize,
) -> Result<Vec<OutboxRow>> {
    let rows = conn
        .prepare_cached(sql::LIST)?
        .query_map(
            params![status.map(Status::as_str), limit as i64, kind],
            OutboxRow::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<OutboxRow>> {
    Ok(conn
        .prepare_cached(sql::GET)?
        .query_row([id], OutboxRow::from_row)
        .optional()?)
}

pub mod sql {
    //! SQL of the outbox. Every constant here is prepared against the schema by a test.

    /// The column order `OutboxRow::from_row` reads; the SELECTs below spell it out so
    /// they stay plain constants (a unit test keeps them in step).
    #[cfg(test)]
    const COLUMNS: &str = "id, kind, idempotency_key, recipient, subject, template, payload, status, attempts, resends, next_attempt_at, last_error, created_at, sent_at, provider_id";

    pub const INSERT: &str = "INSERT INTO outbox (kind, idempotency_key, recipient, subject, template, payload, status, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7) ON CONFLICT (idempotency_key) DO NOTHING";
    pub const ID_BY_KEY: &str = "SELECT id FROM outbox WHERE idempotency_key = ?1";
    /// Only a job not yet tried is deferred (a key queued again keeps its schedule).
    pub const DEFER: &str = "UPDATE outbox SET next_attempt_at = ?1 WHERE id = ?2 AND attempts = 0 AND status = 'pending' AND created_at = next_attempt_at";
    pub const REQUEUE_KEY: &str = "UPDATE outbox SET status = 'pending', attempts = 0, resends = resends + 1, next_attempt_at = ?1, claimed_at = NULL WHERE idempotency_key = ?2 AND status <> 'sending'";
    /// Whether an address has proven itself: a sign-in link or code of it was used, or it
    /// is a staff account.
    pub const PROVEN: &str = "SELECT EXISTS (SELECT 1 FROM sign_in_requests WHERE email = ?1 AND used_at IS NOT NULL) OR EXISTS (SELECT 1 FROM customers WHERE email = ?1 AND role IN ('staff', 'owner'))";
    /// Mails queued to an address since ?2 (held ones excluded) and the oldest's time.
    pub const SENT_TO_SINCE: &str = "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE kind = 'email' AND recipient = ?1 AND created_at > ?2 AND NOT (status = 'failed' AND last_error LIKE 'Held back:%') LIMIT ?3)";
    /// When the oldest of those was queued (only asked over the cap).
    pub const FIRST_SENT_SINCE: &str = "SELECT min(created_at) FROM outbox WHERE kind = 'email' AND recipient = ?1 AND created_at > ?2 AND NOT (status = 'failed' AND last_error LIKE 'Held back:%')";
    pub const INSERT_HELD: &str = "INSERT INTO outbox (kind, idempotency_key, recipient, subject, template, payload, status, next_attempt_at, created_at, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'failed', ?7, ?7, ?8)";
    pub const DUE: &str = "SELECT id, kind, idempotency_key, recipient, subject, template, payload, status, attempts, resends, next_attempt_at, last_error, created_at, sent_at, provider_id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 AND kind NOT IN (SELECT value FROM json_each(?3)) ORDER BY next_attempt_at, id LIMIT ?2";
    pub const ANY_DUE: &str = "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 AND kind NOT IN (SELECT value FROM json_each(?2)))";
    pub const CLAIM: &str = "UPDATE outbox SET status = 'sending', claimed_at = ?1 WHERE id = ?2 AND status = 'pending'";
    pub const MARK_SENT: &str = "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?1, provider_id = ?2, last_error = NULL, claimed_at = NULL WHERE id = ?3";
    pub const ATTEMPTS: &str = "SELECT attempts FROM outbox WHERE id = ?1";
    pub const MARK_FAILED: &str = "UPDATE outbox SET status = ?1, attempts = ?2, next_attempt_at = ?3, last_error = ?4, claimed_at = NULL WHERE id = ?5";
    pub const RESEND: &str = "UPDATE outbox SET status = 'pending', attempts = 0, resends = resends + 1, next_attempt_at = ?1, claimed_at = NULL WHERE id = ?2 AND status IN ('failed', 'dead', 'sent')";
    pub const STATUS: &str = "SELECT status FROM outbox WHERE id = ?1";
    pub const ANY_STUCK: &str =
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'sending' AND claimed_at <= ?1)";
    pub const RECOVER: &str = "UPDATE outbox SET status = 'pending', next_attempt_at = ?1, claimed_at = NULL WHERE status = 'sending' AND claimed_at <= ?2";
    pub const COUNT: &str = "SELECT count(*) FROM outbox WHERE status = ?1";
    pub const LIST: &str = "SELECT id, kind, idempotency_key, recipient, subject, template, payload, status, attempts, resends, next_attempt_at, last_error, created_at, sent_at, provider_id FROM outbox WHERE (?1 IS NULL OR status = ?1) AND (?3 IS NULL OR kind = ?3) ORDER BY id DESC LIMIT ?2";
    pub const GET: &str = "SELECT id, kind, idempotency_key, recipient, subject, template, payload, status, attempts, resends, next_attempt_at, last_error, created_at, sent_at, provider_id FROM outbox WHERE id = ?1";

    pub const ALL: &[&str] = &[
        INSERT,
        PROVEN,
        SENT_TO_SINCE,
        FIRST_SENT_SINCE,
        INSERT_HELD,
        COUNT,
        ID_BY_KEY,
        DEFER,
        REQUEUE_KEY,
        ANY_DUE,
        DUE,
        CLAIM,
        MARK_SENT,
        ATTEMPTS,
        MARK_FAILED,
        RESEND,
        STATUS,
        ANY_STUCK,
        RECOVER,
        LIST,
        GET,
    ];

    #[cfg(test)]
    #[test]
    fn selects_use_the_row_columns() {
        for q in [DUE, LIST, GET] {
            assert!(q.starts_with(&format!("SELECT {COLUMNS} FROM")), "{q}");
        }
    }
}
