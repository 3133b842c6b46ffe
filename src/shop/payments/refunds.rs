//! Refunds of card payments (`gateway_refunds`): asked for by the owner or owed for a
//! payment that came too late, sent to the gateway by the outbox with an idempotency key
//! of their own, and confirmed by the gateway — its refund event or its answer, whichever
//! arrives first; the second finds the refund confirmed and changes nothing. Only the
//! confirmation changes the order (its refunded amount and payment status), so what the
//! order says is what the gateway did.

use super::Gateway;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::Actor;
use crate::shop::orders::{self, Op};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// One refund of a card payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: i64,
    pub order_id: i64,
    pub gateway: Gateway,
    pub payment_id: String,
    pub amount: i64,
    pub reason: String,
    /// Whether confirming it records a refund on the order (a late payment sent back
    /// does not: that order was never paid).
    pub applies: bool,
    pub idempotency_key: String,
    pub remote_id: Option<String>,
    pub status: String,
    pub last_error: Option<String>,
    pub requested_by: String,
    pub created_at: i64,
}

impl Refund {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Refund> {
        let g: String = r.get(2)?;
        Ok(Refund {
            id: r.get(0)?,
            order_id: r.get(1)?,
            gateway: Gateway::parse(&g).unwrap_or(Gateway::Razorpay),
            payment_id: r.get(3)?,
            amount: r.get(4)?,
            reason: r.get(5)?,
            applies: r.get::<_, i64>(6)? == 1,
            idempotency_key: r.get(7)?,
            remote_id: r.get(8)?,
            status: r.get(9)?,
            last_error: r.get(10)?,
            requested_by: r.get(11)?,
            created_at: r.get(12)?,
        })
    }
}

/// A refund to ask the gateway for.
pub struct Ask<'a> {
    pub order_id: i64,
    pub gateway: Gateway,
    pub payment_id: &'a str,
    pub amount: i64,
    pub reason: &'a str,
    pub applies: bool,
    pub by: &'a str,
}

/// Records a refund to send (status `requested`); returns its id. The caller queues the
/// outbox job in the same transaction. A refund that would take the order's refunds
/// (confirmed and still pending) past its total is refused.
pub fn request(tx: &Tx, a: &Ask, now: i64) -> Result<i64> {
    if a.applies {
        let o = orders::get(tx, a.order_id)?
            .ok_or_else(|| Error::not_found("There is no such order."))?;
        let pending: i64 = tx
            .prepare_cached(sql::PENDING_SUM)?
            .query_row([a.order_id], |r| r.get(0))?;
        let left = o.total - o.refunded - pending;
        if a.amount <= 0 || a.amount > left {
            return Err(Error::bad_request(format!(
                "A refund must be more than zero and at most what is left to refund ({left} in minor units{}).",
                if pending > 0 {
                    ", counting the refunds still on their way"
                } else {
                    ""
                }
            )));
        }
    }
    let next: i64 = tx
        .prepare_cached(sql::NEXT_ID)?
        .query_row([], |r| r.get(0))?;
    tx.prepare_cached(sql::INSERT)?.execute(params![
        next,
        a.order_id,
        a.gateway.as_str(),
        a.payment_id,
        a.amount,
        a.reason,
        a.applies as i64,
        key(next),
        a.by,
        now
    ])?;
    Ok(next)
}

/// The idempotency key refund `id` is sent with: both gateways take 10+ characters of
/// `A-Za-z0-9_-`; a store's ids never repeat, so neither do its keys.
pub fn key(id: i64) -> String {
    format!("boutique_refund_{id}")
}

pub fn get(c: &Connection, id: i64) -> Result<Option<Refund>> {
    Ok(c.prepare_cached(sql::GET)?
        .query_row([id], Refund::from_row)
        .optional()?)
}

pub fn of_order(c: &Connection, order_id: i64) -> Result<Vec<Refund>> {
    let rows = c
        .prepare_cached(sql::OF_ORDER)?
        .query_map([order_id], Refund::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The gateway accepted refund `id` as `remote_id` (not yet final).
pub fn sent(tx: &Tx, id: i64, remote_id: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::SENT)?
        .execute(params![remote_id, now, id])?;
    Ok(())
}

/// The gateway refused refund `id` for good: the owner reads why on the order.
pub fn failed(tx: &Tx, id: i64, why: &str, now: i64) -> Result<()> {
    let Some(r) = get(tx, id)? else {
        return Ok(());
    };
    if r.status == "confirmed" {
        return Ok(());
    }
    tx.prepare_cached(sql::FAILED)?
        .execute(params![why, now, id])?;
    orders::event(
        tx,
        r.order_id,
        r.gateway.as_str(),
        "refund_failed",
        None,
        None,
        &format!("{} refused the refund: {why}", r.gateway.label()),
        now,
    )?;
    Ok(())
}

/// The gateway's answer to our request said refund `id` is final (as `remote_id`).
pub fn confirm_row(tx: &Tx, id: i64, remote_id: &str, by: &str, now: i64) -> Result<String> {
    let r = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such refund."))?;
    if r.status == "confirmed" {
        // Its event came first: keep the gateway's id for the owner.
        tx.prepare_cached(sql::NAME)?
            .execute(params![remote_id, now, id])?;
        return Ok("ignored: the refund was already recorded".into());
    }
    settle(tx, &r, Some(remote_id), by, now)
}

/// Razorpay's `refund.processed`: refund `remote_id` of `amount` on `payment_id` went
/// through. Matched to ours by its id, else to the oldest unconfirmed one of that payment
/// and amount (the event can beat the gateway's answer to us); a refund made in the
/// gateway's dashboard matches none and is recorded as it is.
pub fn confirm(
    tx: &Tx,
    gateway: Gateway,
    payment_id: &str,
    remote_id: &str,
    amount: i64,
    by: &str,
    now: i64,
) -> Result<(String, Option<i64>)> {
    let mine = match tx
        .prepare_cached(sql::BY_REMOTE)?
        .query_row(params![gateway.as_str(), remote_id], Refund::from_row)
        .optional()?
    {
        Some(r) => Some(r),
        None => tx
            .prepare_cached(sql::UNMATCHED)?
            .query_row(
                params![gateway.as_str(), payment_id, amount],
                Refund::from_row,
            )
            .optional()?,
    };
    let r = match mine {
        Some(r) if r.status == "confirmed" => {
            return Ok((
                "ignored: the refund was already recorded".into(),
                Some(r.order_id),
            ));
        }
        Some(r) => r,
        None => match outside(tx, gateway, payment_id, amount, by, now)? {
            Some(r) => r,
            None => return Ok(("no payment of this store has that id".into(), None)),
        },
    };
    Ok((settle(tx, &r, Some(remote_id), by, now)?, Some(r.order_id)))
}

/// Stripe's `charge.refunded`, which says how much of the payment is refunded in all
/// (not which refund): whatever it says beyond what is recorded confirms our waiting
/// refunds of that payment, oldest first, and the rest is a refund made in Stripe's
/// dashboard.
pub fn confirm_total(
    tx: &Tx,
    gateway: Gateway,
    payment_id: &str,
    total: i64,
    by: &str,
    now: i64,
) -> Result<(String, Option<i64>)> {
    let recorded: i64 = tx
        .prepare_cached(sql::CONFIRMED_SUM)?
        .query_row(params![gateway.as_str(), payment_id], |r| r.get(0))?;
    let mut rest = total - recorded;
    if rest <= 0 {
        let order_id: Option<i64> = tx
            .prepare_cached(super::sql::ORDER_OF_PAYMENT)?
            .query_row(params![gateway.as_str(), payment_id], |r| r.get(0))
            .optional()?;
        return Ok((
            "ignored: the refunds were already recorded".into(),
            order_id,
        ));
    }
    let waiting = tx
        .prepare_cached(sql::WAITING_OF_PAYMENT)?
        .query_map(params![gateway.as_str(), payment_id], Refund::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut order_id = None;
    for r in waiting {
        if r.amount > rest {
            break;
        }
        settle(tx, &r, None, by, now)?;
        rest -= r.amount;
        order_id = Some(r.order_id);
    }
    if rest > 0
        && let Some(r) = outside(tx, gateway, payment_id, rest, by, now)?
    {
        settle(tx, &r, None, by, now)?;
        order_id = Some(r.order_id);
    }
    Ok(("refund recorded".into(), order_id))
}

/// A refund the gateway made that the store did not ask for (the owner used the
/// gateway's dashboard): recorded as asked now, so it is settled like ours.
fn outside(
    tx: &Tx,
    gateway: Gateway,
    payment_id: &str,
    amount: i64,
    by: &str,
    now: i64,
) -> Result<Option<Refund>> {
    let order_id: Option<i64> = tx
        .prepare_cached(super::sql::ORDER_OF_PAYMENT)?
        .query_row(params![gateway.as_str(), payment_id], |r| r.get(0))
        .optional()?;
    let Some(order_id) = order_id else {
        return Ok(None);
    };
    let id = request(
        tx,
        &Ask {
            order_id,
            gateway,
            payment_id,
            amount,
            reason: "made in the gateway's dashboard",
            applies: true,
            by,
        },
        now,
    )?;
    get(tx, id)
}

/// Confirms `r` and, when it applies, records the refund on its order.
fn settle(tx: &Tx, r: &Refund, remote_id: Option<&str>, by: &str, now: i64) -> Result<String> {
    tx.prepare_cached(sql::CONFIRM)?
        .execute(params![remote_id, now, r.id])?;
    let label = r.gateway.label();
    let named = remote_id.map(|id| format!(" {id}")).unwrap_or_default();
    if r.applies {
        orders::apply(
            tx,
            r.order_id,
            &Op::Refund {
                amount: r.amount,
                note: format!("{label} refund{named}"),
            },
            &Actor {
                id: None,
                name: by.to_string(),
            },
            now,
        )?;
    } else {
        orders::event(
            tx,
            r.order_id,
            by,
            "refund_confirmed",
            None,
            None,
            &format!("{label} sent the late payment back (refund{named})"),
            now,
        )?;
    }
    Ok("refund recorded".into())
}

pub mod sql {
    //! SQL of card refunds.
    pub const NEXT_ID: &str = "SELECT coalesce(max(id), 0) + 1 FROM gateway_refunds";
    pub const INSERT: &str = "INSERT INTO gateway_refunds (id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, requested_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)";
    pub const PENDING_SUM: &str = "SELECT coalesce(sum(amount), 0) FROM gateway_refunds WHERE order_id = ?1 AND applies = 1 AND status IN ('requested', 'sent')";
    pub const GET: &str = "SELECT id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, remote_id, status, last_error, requested_by, created_at FROM gateway_refunds WHERE id = ?1";
    pub const OF_ORDER: &str = "SELECT id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, remote_id, status, last_error, requested_by, created_at FROM gateway_refunds WHERE order_id = ?1 ORDER BY id";
    pub const BY_REMOTE: &str = "SELECT id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, remote_id, status, last_error, requested_by, created_at FROM gateway_refunds WHERE gateway = ?1 AND remote_id = ?2";
    pub const UNMATCHED: &str = "SELECT id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, remote_id, status, last_error, requested_by, created_at FROM gateway_refunds WHERE gateway = ?1 AND payment_id = ?2 AND amount = ?3 AND remote_id IS NULL AND status IN ('requested', 'sent', 'failed') ORDER BY id LIMIT 1";
    pub const SENT: &str = "UPDATE gateway_refunds SET remote_id = ?1, status = 'sent', last_error = NULL, updated_at = ?2 WHERE id = ?3 AND status IN ('requested', 'failed')";
    pub const FAILED: &str = "UPDATE gateway_refunds SET status = 'failed', last_error = ?1, updated_at = ?2 WHERE id = ?3";
    pub const CONFIRM: &str = "UPDATE gateway_refunds SET remote_id = coalesce(?1, remote_id), status = 'confirmed', last_error = NULL, updated_at = ?2 WHERE id = ?3";
    pub const NAME: &str = "UPDATE gateway_refunds SET remote_id = coalesce(remote_id, ?1), updated_at = ?2 WHERE id = ?3";
    pub const CONFIRMED_SUM: &str = "SELECT coalesce(sum(amount), 0) FROM gateway_refunds WHERE gateway = ?1 AND payment_id = ?2 AND status = 'confirmed'";
    pub const WAITING_OF_PAYMENT: &str = "SELECT id, order_id, gateway, payment_id, amount, reason, applies, idempotency_key, remote_id, status, last_error, requested_by, created_at FROM gateway_refunds WHERE gateway = ?1 AND payment_id = ?2 AND status IN ('requested', 'sent', 'failed') ORDER BY id";

    pub const ALL: &[&str] = &[
        NEXT_ID,
        INSERT,
        PENDING_SUM,
        GET,
        OF_ORDER,
        BY_REMOTE,
        UNMATCHED,
        SENT,
        FAILED,
        CONFIRM,
        NAME,
        CONFIRMED_SUM,
        WAITING_OF_PAYMENT,
    ];
}
