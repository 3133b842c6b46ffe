//! Passwordless sign-in: a request makes a one-time link (15 minutes, single use, stored
//! hashed) and a 6-digit code (10 minutes, at most 5 tries, stored as an HMAC, valid only in
//! the session that asked). Rate limits per email and per IP. Proving an email returns it;
//! the caller signs the session in and links the guest orders placed with that email. The
//! same proof moves a signed-in customer to a new address (an email change).

use crate::crypto::{self, Hmac};
use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, params};

pub const LINK_SECS: i64 = 15 * 60;
pub const CODE_SECS: i64 = 10 * 60;
pub const MAX_CODE_TRIES: i64 = 5;
/// Requests allowed per window, per email address and per IP address.
pub const WINDOW_SECS: i64 = 15 * 60;
pub const PER_EMAIL: i64 = 5;
pub const PER_IP: i64 = 20;

/// What a sign-in request produced: the secrets go into the email, never to the page.
pub struct Issued {
    pub link_token: String,
    pub code: String,
    pub request_id: i64,
}

/// Normalises and checks an email address (lower-case, trimmed, one @, a dot in the
/// domain, no spaces or control characters, ≤ 254 chars).
pub fn normalize_email(raw: &str) -> Result<String> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'(),;:\\[]".contains(c))
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && local.len() <= 64 && domain.contains('.')
            && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if ok {
        Ok(e)
    } else {
        Err(Error::bad_request(
            "Please enter a valid email address, like name@example.com.",
        ))
    }
}

/// Only local paths are allowed after sign-in ("/account", never "//evil" or "https://…").
pub fn safe_next(next: &str) -> String {
    // The same rule as every redirect the server makes (one leading `/`, also after
    // percent-decoding), so a `next` can never send the shopper off-site.
    let ok = crate::http::types::local_target(next) && next.len() <= 300;
    if ok {
        next.to_string()
    } else {
        "/account".to_string()
    }
}

fn code_message(email: &str, code: &str) -> Vec<u8> {
    format!("otp\0{email}\0{code}").into_bytes()
}

/// Seconds until the caller may try again, when a limit is hit.
fn limited(tx: &Tx, email: &str, ip: &str, now: i64) -> Result<Option<i64>> {
    let since = now - WINDOW_SECS;
    let (n_email, first_email): (i64, Option<i64>) =
        tx.query_row(sql::COUNT_EMAIL, params![email, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if n_email >= PER_EMAIL {
        return Ok(Some(first_email.unwrap_or(now) + WINDOW_SECS - now));
    }
    let (n_ip, first_ip): (i64, Option<i64>) =
        tx.query_row(sql::COUNT_IP, params![ip, since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if n_ip >= PER_IP {
        return Ok(Some(first_ip.unwrap_or(now) + WINDOW_SECS - now));
    }
    Ok(None)
}

/// Records a sign-in request. The answer is the same whether or not the email has an
/// account (no enumeration); a rate limit is a 429 with the wait in its message.
pub fn request(
    tx: &Tx,
    hmac: &Hmac,
    email: &str,
    session_id: i64,
    next: &str,
    ip: &str,
    now: i64,
) -> Result<Issued> {
    issue(tx, hmac, email, session_id, None, next, ip, now)
}

/// Records a request to move the signed-in customer `customer_id` to a new address: the
/// same link and code, mailed to the new address, under the same rate limits. Whether the
/// address already belongs to someone is only said once it is proven (no enumeration).
pub fn request_change(
    tx: &Tx,
    hmac: &Hmac,
    new_email: &str,
    session_id: i64,
    customer_id: i64,
    ip: &str,
    now: i64,
) -> Result<Issued> {
    issue(
        tx,
        hmac,
        new_email,
        session_id,
        Some(customer_id),
        "/account",
        ip,
        now,
    )
}

#[allow(clippy::too_many_arguments)]
fn issue(
    tx: &Tx,
    hmac: &Hmac,
    email: &str,
    session_id: i64,
    change_for: Option<i64>,
    next: &str,
    ip: &str,
    now: i64,
) -> Result<Issued> {
    let email = normalize_email(email)?;
    if let Some(wait) = limited(tx, &email, ip, now)? {
        return Err(Error::rate_limited(wait, "Too many sign-in requests."));
    }
    let link_token = crypto::token();
    let code = format!("{:06}", crypto::random_below(1_000_000));
    let purpose = if change_for.is_some() {
        "change_email"
    } else {
        "sign_in"
    };
    tx.prepare_cached(sql::INSERT)?.execute(params![
        email,
        crypto::token_hash(&link_token),
        hmac.sign(&code_message(&email, &code)),
        session_id,
        safe_next(next),
        ip,
        now + LINK_SECS,
        now + CODE_SECS,
        now,
        purpose,
        change_for
    ])?;
    Ok(Issued {
        link_token,
        code,
        request_id: tx.last_insert_rowid(),
    })
}

/// A one-time sign-in link for the owner at a shell (`boutique admin add`): no mail, no
/// code (the row's code tag is random and no session can use it), no rate limit.
pub fn issue_link(tx: &Tx, email: &str, next: &str, now: i64) -> Result<String> {
    link_only(tx, email, next, "cli", LINK_SECS, "sign_in", now)
}

/// How long the sign-in link in a guest's order confirmation works (once).
pub const ORDER_LINK_SECS: i64 = 72 * 3600;

/// The sign-in link put in a guest's order confirmation: using it proves the email, signs
/// the guest in and links their orders. No code, no rate limit (one per order).
pub fn issue_link_for_order(tx: &Tx, email: &str, number: &str, now: i64) -> Result<String> {
    let next = format!("/account/orders/{number}");
    link_only(tx, email, &next, "order", ORDER_LINK_SECS, "order", now)
}

/// A request with a link and no usable code, made by the store itself (not by a visitor,
/// so no rate limit). `origin` stands where a visitor's IP would.
fn link_only(
    tx: &Tx,
    email: &str,
    next: &str,
    origin: &str,
    valid_secs: i64,
    purpose: &str,
    now: i64,
) -> Result<String> {
    let email = normalize_email(email)?;
    let link_token = crypto::token();
    tx.prepare_cached(sql::INSERT)?.execute(params![
        email,
        crypto::token_hash(&link_token),
        crypto::random_bytes::<32>().to_vec(),
        None::<i64>,
        safe_next(next),
        origin,
        now + valid_secs,
        now,
        now,
        purpose,
        None::<i64>
    ])?;
    Ok(link_token)
}

/// A proven email and where to go next. `change_for` is the customer moving to this
/// address (an email change), None for a plain sign-in.
#[derive(Debug, Clone, PartialEq)]
pub struct Proven {
    pub email: String,
    pub next: String,
    pub change_for: Option<i64>,
    /// The request row, a stable key for the mails the proof causes.
    pub request_id: i64,
    /// "sign_in", "change_email" or "order" (the link of a guest's order mail).
    pub purpose: String,
}

/// Marks the request behind `p` used (single use), then hands the proof on.
fn used(tx: &Tx, p: Proven, now: i64) -> Result<Proven> {
    tx.prepare_cached(sql::MARK_USED)?
        .execute(params![now, p.request_id])?;
    Ok(p)
}

/// Uses a link: valid once, within 15 minutes, from any device.
/// For a link that can no longer be used (spent or expired): the address it was for and
/// where it led, so the page can offer a new one in one step. None for an unknown token
/// and for an email-change link (its address is not yet the account's).
pub fn spent_link(c: &rusqlite::Connection, token: &str) -> Result<Option<(String, String)>> {
    let found: Option<(String, String, Option<i64>)> = c
        .prepare_cached(sql::BY_LINK)?
        .query_row([crypto::token_hash(token)], |r| {
            Ok((r.get(1)?, r.get(2)?, r.get(5)?))
        })
        .optional()?;
    Ok(found.and_then(|(email, next, change_for)| change_for.is_none().then_some((email, next))))
}

pub fn use_link(tx: &Tx, token: &str, now: i64) -> Result<Option<Proven>> {
    type Row = (i64, String, String, i64, Option<i64>, Option<i64>, String);
    let found: Option<Row> = tx
        .prepare_cached(sql::BY_LINK)?
        .query_row([crypto::token_hash(token)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    match found {
        Some((id, email, next, expires, None, change_for, purpose)) if now < expires => {
            let p = Proven {
                email,
                next,
                change_for,
                request_id: id,
                purpose,
            };
            used(tx, p, now).map(Some)
        }
        _ => Ok(None),
    }
}

/// Checks a typed code against the newest unused request of this session. Each wrong try
/// counts; after the fifth the code is dead. Returns Ok(None) for a wrong or dead code.
pub fn use_code(
    tx: &Tx,
    hmac: &Hmac,
    session_id: i64,
    code: &str,
    now: i64,
) -> Result<Option<Proven>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    type Row = (i64, String, Vec<u8>, String, i64, i64, Option<i64>, String);
    let found: Option<Row> = tx
        .prepare_cached(sql::LATEST_FOR_SESSION)?
        .query_row([session_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .optional()?;
    let Some((id, email, tag, next, attempts, expires, change_for, purpose)) = found else {
        return Ok(None);
    };
    if attempts >= MAX_CODE_TRIES || now >= expires {
        return Ok(None);
    }
    let valid = code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
        && hmac.verify(&code_message(&email, &code), &tag);
    if valid {
        let p = Proven {
            email,
            next,
            change_for,
            request_id: id,
            purpose,
        };
        used(tx, p, now).map(Some)
    } else {
        tx.prepare_cached(sql::COUNT_TRY)?.execute([id])?;
        Ok(None)
    }
}

/// Tries left for the session's current code (for the page).
pub fn tries_left(tx: &Tx, session_id: i64) -> Result<i64> {
    let attempts: Option<i64> = tx
        .prepare_cached(sql::LATEST_FOR_SESSION)?
        .query_row([session_id], |r| r.get(4))
        .optional()?;
    Ok(attempts.map(|a| (MAX_CODE_TRIES - a).max(0)).unwrap_or(0))
}

pub mod sql {
    //! SQL of sign-in requests.
    pub const COUNT_EMAIL: &str = "SELECT count(*), min(created_at) FROM sign_in_requests WHERE email = ?1 AND created_at > ?2";
    pub const COUNT_IP: &str =
        "SELECT count(*), min(created_at) FROM sign_in_requests WHERE ip = ?1 AND created_at > ?2";
    pub const INSERT: &str = "INSERT INTO sign_in_requests (email, link_hash, code_tag, session_id, next_path, ip, link_expires_at, code_expires_at, created_at, purpose, customer_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    pub const BY_LINK: &str = "SELECT id, email, next_path, link_expires_at, used_at, customer_id, purpose FROM sign_in_requests WHERE link_hash = ?1";
    pub const MARK_USED: &str = "UPDATE sign_in_requests SET used_at = ?1 WHERE id = ?2";
    pub const LATEST_FOR_SESSION: &str = "SELECT id, email, code_tag, next_path, attempts, code_expires_at, customer_id, purpose FROM sign_in_requests WHERE session_id = ?1 AND used_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1";
    pub const COUNT_TRY: &str = "UPDATE sign_in_requests SET attempts = attempts + 1 WHERE id = ?1";
    pub const ALL: &[&str] = &[
        COUNT_EMAIL,
        COUNT_IP,
        INSERT,
        BY_LINK,
        MARK_USED,
        LATEST_FOR_SESSION,
        COUNT_TRY,
    ];
}
