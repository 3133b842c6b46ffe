//! Browser sessions: created only when a visitor needs one (a form or a cart), looked up by
//! the SHA-256 of the cookie value, expiring after an idle period and at an absolute
//! deadline, rotated at sign-in (a new token for the same session row, so nothing the
//! visitor had is lost and a planted token is useless), and revocable one by one or all at
//! once. Staff sessions expire sooner.

use crate::crypto;
use crate::db::Tx;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// Shopper sessions: a month of inactivity, at most 90 days.
pub const IDLE_SECS: i64 = 30 * 86_400;
pub const ABSOLUTE_SECS: i64 = 90 * 86_400;
/// Sessions that signed in as staff or owner: 2 hours idle, 12 hours at most.
pub const ADMIN_IDLE_SECS: i64 = 2 * 3_600;
pub const ADMIN_ABSOLUTE_SECS: i64 = 12 * 3_600;
/// `last_seen_at` is written at most this often, so browsing does not write per request.
pub const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: i64,
    pub customer_id: Option<i64>,
    pub csrf: String,
    pub admin: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
    pub ip: String,
}

impl Session {
    fn idle_limit(&self) -> i64 {
        if self.admin {
            ADMIN_IDLE_SECS
        } else {
            IDLE_SECS
        }
    }
    /// Still usable at `now`?
    pub fn live(&self, now: i64) -> bool {
        now < self.expires_at && now - self.last_seen_at < self.idle_limit()
    }
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        csrf: r.get(2)?,
        admin: r.get(3)?,
        created_at: r.get(4)?,
        last_seen_at: r.get(5)?,
        expires_at: r.get(6)?,
        user_agent: r.get(7)?,
        ip: r.get(8)?,
    })
}

/// Creates a session and returns (cookie token, session).
pub fn create(
    tx: &Tx,
    customer_id: Option<i64>,
    user_agent: &str,
    ip: &str,
    now: i64,
) -> Result<(String, Session)> {
    let token = crypto::token();
    let csrf = crypto::token();
    let ua: String = user_agent.chars().take(200).collect();
    tx.prepare_cached(sql::INSERT)?.execute(params![
        crypto::token_hash(&token),
        customer_id,
        csrf,
        now,
        now + ABSOLUTE_SECS,
        ua,
        ip
    ])?;
    let id = tx.last_insert_rowid();
    let s = tx.query_row(sql::BY_ID, [id], row)?;
    Ok((token, s))
}

/// The live session for a cookie value, if any.
pub fn find(c: &Connection, token: &str, now: i64) -> Result<Option<Session>> {
    if token.len() != 43 {
        return Ok(None);
    }
    let s = c
        .prepare_cached(sql::BY_HASH)?
        .query_row([crypto::token_hash(token)], row)
        .optional()?;
    Ok(s.filter(|s| s.live(now)))
}

/// Records activity (at most once a minute per session).
pub fn touch(tx: &Tx, s: &Session, now: i64) -> Result<()> {
    if now - s.last_seen_at >= TOUCH_EVERY_SECS {
        tx.prepare_cached(sql::TOUCH)?.execute(params![now, s.id])?;
    }
    Ok(())
}

/// Signs the session in as `customer_id`: a new token and a new CSRF token for the same
/// row (no fixation), a fresh absolute deadline, shorter when signing in as staff.
pub fn sign_in(
    tx: &Tx,
    session_id: i64,
    customer_id: i64,
    admin: bool,
    now: i64,
) -> Result<String> {
    let token = crypto::token();
    let absolute = if admin {
        ADMIN_ABSOLUTE_SECS
    } else {
        ABSOLUTE_SECS
    };
    tx.prepare_cached(sql::SIGN_IN)?.execute(params![
        crypto::token_hash(&token),
        customer_id,
        crypto::token(),
        admin,
        now,
        now + absolute,
        session_id
    ])?;
    Ok(token)
}

pub fn end(tx: &Tx, session_id: i64) -> Result<()> {
    tx.prepare_cached(sql::DELETE)?.execute([session_id])?;
    Ok(())
}

/// "Sign out everywhere": ends every session of the customer except `keep`.
pub fn end_others(tx: &Tx, customer_id: i64, keep: i64) -> Result<usize> {
    Ok(tx
        .prepare_cached(sql::DELETE_OTHERS)?
        .execute(params![customer_id, keep])?)
}

/// The customer's live sessions, most recent first.
pub fn list(c: &Connection, customer_id: i64, now: i64) -> Result<Vec<Session>> {
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map([customer_id], row)?;
    let all: Vec<Session> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(all.into_iter().filter(|s| s.live(now)).collect())
}

/// Deletes expired sessions (run from a periodic task).
pub fn purge(tx: &Tx, now: i64) -> Result<usize> {
    Ok(tx
        .prepare_cached(sql::PURGE)?
        .execute(params![now, now - IDLE_SECS])?)
}

pub mod sql {
    //! SQL of sessions.
    pub const INSERT: &str = "INSERT INTO sessions (token_hash, customer_id, csrf, created_at, last_seen_at, expires_at, user_agent, ip) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)";
    pub const BY_ID: &str = "SELECT id, customer_id, csrf, admin, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE id = ?1";
    pub const BY_HASH: &str = "SELECT id, customer_id, csrf, admin, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE token_hash = ?1";
    pub const TOUCH: &str = "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2";
    pub const SIGN_IN: &str = "UPDATE sessions SET token_hash = ?1, customer_id = ?2, csrf = ?3, admin = ?4, last_seen_at = ?5, expires_at = ?6 WHERE id = ?7";
    pub const DELETE: &str = "DELETE FROM sessions WHERE id = ?1";
    pub const DELETE_OTHERS: &str = "DELETE FROM sessions WHERE customer_id = ?1 AND id <> ?2";
    pub const LIST: &str = "SELECT id, customer_id, csrf, admin, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions WHERE customer_id = ?1 ORDER BY last_seen_at DESC, id DESC";
    pub const PURGE: &str =
        "DELETE FROM sessions WHERE expires_at <= ?1 OR (admin = 0 AND last_seen_at < ?2)";
    pub const ALL: &[&str] = &[
        INSERT,
        BY_ID,
        BY_HASH,
        TOUCH,
        SIGN_IN,
        DELETE,
        DELETE_OTHERS,
        LIST,
        PURGE,
    ];
}
