//! The built-in sandbox gateway's side of the books (`sandbox_objects`, mode =
//! "sandbox"): what Razorpay or Stripe would keep for a store — the order or Checkout
//! Session made for an attempt, whether the pretend shopper paid, and what was refunded.
//! The simulator's pages and its signed webhooks (`service::payments`) read and write
//! only this; the store's own books learn of a payment exactly as they would from the
//! real gateway, through a signed webhook or a fetch of this state.

use super::Gateway;
use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub remote_id: String,
    pub gateway: Gateway,
    pub order_id: i64,
    pub amount: i64,
    pub currency: String,
    /// open | paid | expired
    pub status: String,
    pub payment_id: Option<String>,
    pub refunded: i64,
    pub return_url: String,
    pub cancel_url: String,
    pub created_at: i64,
}

impl Object {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Object> {
        let g: String = r.get(1)?;
        Ok(Object {
            remote_id: r.get(0)?,
            gateway: Gateway::parse(&g).unwrap_or(Gateway::Razorpay),
            order_id: r.get(2)?,
            amount: r.get(3)?,
            currency: r.get(4)?,
            status: r.get(5)?,
            payment_id: r.get(6)?,
            refunded: r.get(7)?,
            return_url: r.get(8)?,
            cancel_url: r.get(9)?,
            created_at: r.get(10)?,
        })
    }
}

/// An id shaped like the gateway's own (`order_…`, `cs_test_…`, `pay_…`, `pi_…`...).
pub fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}sbx{}",
        crate::crypto::hex(&crate::crypto::random_bytes::<8>())
    )
}

/// What the sandbox makes for a new attempt.
pub struct New<'a> {
    pub gateway: Gateway,
    pub order_id: i64,
    pub amount: i64,
    pub currency: &'a str,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
}

pub fn create(tx: &Tx, n: &New, now: i64) -> Result<String> {
    let id = new_id(match n.gateway {
        Gateway::Razorpay => "order_",
        Gateway::Stripe => "cs_test_",
    });
    tx.prepare_cached(sql::INSERT)?.execute(params![
        id,
        n.gateway.as_str(),
        n.order_id,
        n.amount,
        n.currency,
        n.return_url,
        n.cancel_url,
        now
    ])?;
    Ok(id)
}

pub fn get(c: &Connection, remote_id: &str) -> Result<Option<Object>> {
    Ok(c.prepare_cached(sql::GET)?
        .query_row([remote_id], Object::from_row)
        .optional()?)
}

pub fn by_payment(c: &Connection, payment_id: &str) -> Result<Option<Object>> {
    Ok(c.prepare_cached(sql::BY_PAYMENT)?
        .query_row([payment_id], Object::from_row)
        .optional()?)
}

/// The pretend shopper paid: the object is paid (once; paying again returns the same
/// payment). Refused when it expired.
pub fn pay(tx: &Tx, remote_id: &str) -> Result<Object> {
    let o = get(tx, remote_id)?.ok_or_else(|| Error::not_found("There is no such payment."))?;
    match o.status.as_str() {
        "paid" => return Ok(o),
        "expired" => {
            return Err(Error::conflict(
                "This payment page has expired: go back to the store to pay again.",
            ));
        }
        _ => {}
    }
    let pid = new_id(match o.gateway {
        Gateway::Razorpay => "pay_",
        Gateway::Stripe => "pi_",
    });
    tx.prepare_cached(sql::PAY)?
        .execute(params![pid, remote_id])?;
    get(tx, remote_id)?.ok_or_else(|| Error::internal("sandbox object vanished"))
}

/// The page can no longer be paid (Stripe's session expiry).
pub fn expire(tx: &Tx, remote_id: &str) -> Result<()> {
    tx.prepare_cached(sql::EXPIRE)?.execute([remote_id])?;
    Ok(())
}

/// A pretend refund of `amount` of payment `payment_id`: refused past what was paid.
/// Returns the object after it and the refund's id.
pub fn refund(tx: &Tx, payment_id: &str, amount: i64) -> Result<(Object, String)> {
    let o = by_payment(tx, payment_id)?
        .ok_or_else(|| Error::not_found("The id provided does not exist."))?;
    if amount <= 0 || o.refunded + amount > o.amount {
        return Err(Error::bad_request(
            "The refund amount is greater than the amount left to refund.",
        ));
    }
    tx.prepare_cached(sql::REFUND)?
        .execute(params![amount, o.remote_id])?;
    let o = get(tx, &o.remote_id)?.ok_or_else(|| Error::internal("sandbox object vanished"))?;
    let rid = new_id(match o.gateway {
        Gateway::Razorpay => "rfnd_",
        Gateway::Stripe => "re_",
    });
    Ok((o, rid))
}

pub mod sql {
    //! SQL of the sandbox gateway.
    pub const INSERT: &str = "INSERT INTO sandbox_objects (remote_id, gateway, order_id, amount, currency, return_url, cancel_url, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    pub const GET: &str = "SELECT remote_id, gateway, order_id, amount, currency, status, payment_id, refunded, return_url, cancel_url, created_at FROM sandbox_objects WHERE remote_id = ?1";
    pub const BY_PAYMENT: &str = "SELECT remote_id, gateway, order_id, amount, currency, status, payment_id, refunded, return_url, cancel_url, created_at FROM sandbox_objects WHERE payment_id = ?1";
    pub const PAY: &str = "UPDATE sandbox_objects SET status = 'paid', payment_id = ?1 WHERE remote_id = ?2 AND status = 'open'";
    pub const EXPIRE: &str =
        "UPDATE sandbox_objects SET status = 'expired' WHERE remote_id = ?1 AND status = 'open'";
    pub const REFUND: &str =
        "UPDATE sandbox_objects SET refunded = refunded + ?1 WHERE remote_id = ?2";

    pub const ALL: &[&str] = &[INSERT, GET, BY_PAYMENT, PAY, EXPIRE, REFUND];
}
