//! Coupons: percent off, a fixed amount off, or free shipping; with a minimum subtotal, a
//! start and end, a total redemption limit and a per-email limit. A redemption is written
//! in the order's transaction; the total limit is a CHECK on `coupons.redeemed`, so two
//! racing checkouts can never take the last redemption twice. Cancelling or expiring an
//! order releases its redemption.

use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    pub id: i64,
    pub code: String,
    /// "percent", "fixed" or "free_shipping".
    pub kind: String,
    /// Percent (1–100) or an amount in minor units; unused for free shipping.
    pub value: i64,
    pub min_subtotal: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub max_redemptions: Option<i64>,
    pub per_customer: Option<i64>,
    pub redeemed: i64,
    pub active: bool,
}

/// A coupon as the owner (or the demo) creates it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewCoupon {
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub min_subtotal: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub max_redemptions: Option<i64>,
    pub per_customer: Option<i64>,
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Coupon> {
    Ok(Coupon {
        id: r.get(0)?,
        code: r.get(1)?,
        kind: r.get(2)?,
        value: r.get(3)?,
        min_subtotal: r.get(4)?,
        starts_at: r.get(5)?,
        ends_at: r.get(6)?,
        max_redemptions: r.get(7)?,
        per_customer: r.get(8)?,
        redeemed: r.get(9)?,
        active: r.get::<_, i64>(10)? == 1,
    })
}

/// The kind, value and dates of a coupon make sense (creating and editing share this).
pub fn check_terms(c: &NewCoupon) -> Result<()> {
    let ok = match c.kind.as_str() {
        "percent" => (1..=100).contains(&c.value),
        "fixed" => c.value > 0,
        "free_shipping" => true,
        _ => false,
    };
    if !ok {
        return Err(Error::bad_request(
            "A coupon is a percent (1–100), a fixed amount above zero, or free shipping.",
        ));
    }
    if let (Some(s), Some(e)) = (c.starts_at, c.ends_at)
        && e <= s
    {
        return Err(Error::bad_request("A coupon must end after it starts."));
    }
    Ok(())
}

pub fn create(tx: &Tx, c: &NewCoupon, now: i64) -> Result<i64> {
    crate::shop::text::single_line("Code", &c.code)?;
    let code = c.code.trim().to_uppercase();
    if !(2..=40).contains(&code.len())
        || !code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        return Err(Error::bad_request(
            "A coupon code is 2 to 40 letters, digits, - or _.",
        ));
    }
    check_terms(c)?;
    let exists: Option<i64> = tx
        .prepare_cached(sql::ID_BY_CODE)?
        .query_row([&code], |r| r.get(0))
        .optional()?;
    if exists.is_some() {
        return Err(Error::conflict(format!(
            "The code {code} is already in use."
        )));
    }
    tx.prepare_cached(sql::INSERT)?.execute(params![
        code,
        c.kind,
        c.value,
        c.min_subtotal.max(0),
        c.starts_at,
        c.ends_at,
        c.max_redemptions,
        c.per_customer,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn by_code(c: &Connection, code: &str) -> Result<Option<Coupon>> {
    Ok(c.prepare_cached(sql::BY_CODE)?
        .query_row([code.trim()], row)
        .optional()?)
}

/// The coupon `code` if `email` may use it now on `subtotal`, or the reason it cannot.
pub fn usable(
    c: &Connection,
    code: &str,
    email: &str,
    subtotal: i64,
    now: i64,
    money: &dyn Fn(i64) -> String,
) -> Result<Coupon> {
    let code = code.trim();
    let Some(k) = by_code(c, code)? else {
        return Err(Error::bad_request(format!(
            "The code {code} is not valid. Check the spelling."
        )));
    };
    if !k.active || k.ends_at.is_some_and(|e| now >= e) {
        return Err(Error::bad_request(format!(
            "The code {} has expired.",
            k.code
        )));
    }
    if k.starts_at.is_some_and(|s| now < s) {
        return Err(Error::bad_request(format!(
            "The code {} is not active yet.",
            k.code
        )));
    }
    if k.max_redemptions.is_some_and(|m| k.redeemed >= m) {
        return Err(Error::bad_request(format!(
            "The code {} has been fully used.",
            k.code
        )));
    }
    if subtotal < k.min_subtotal {
        return Err(Error::bad_request(format!(
            "The code {} needs a subtotal of at least {}.",
            k.code,
            money(k.min_subtotal)
        )));
    }
    if let Some(limit) = k.per_customer
        && !email.is_empty()
    {
        let used: i64 = c
            .prepare_cached(sql::USED_BY_EMAIL)?
            .query_row(params![k.id, email], |r| r.get(0))?;
        if used >= limit {
            return Err(Error::bad_request(format!(
                "The code {} has already been used with this email address.",
                k.code
            )));
        }
    }
    Ok(k)
}

/// The coupons `email` can use now (active, started, not ended, not used up, under the
/// per-email limit), for the account page; soonest to end first.
pub fn usable_now(c: &Connection, email: &str, now: i64) -> Result<Vec<Coupon>> {
    let mut st = c.prepare_cached(sql::USABLE_NOW)?;
    let rows = st.query_map(params![now, email], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the coupon takes off the items (never more than the subtotal), and whether it
/// makes shipping free.
pub fn effect(k: &Coupon, subtotal: i64) -> (i64, bool) {
    match k.kind.as_str() {
        // Rounded down: the shop never gives more than it promised.
        "percent" => (subtotal * k.value.clamp(0, 100) / 100, false),
        "fixed" => (k.value.min(subtotal), false),
        _ => (0, true),
    }
}

/// Redeems inside the order's transaction. The UPDATE is conditional and the CHECK backs
/// it, so the limit holds under any concurrency; the per-email limit is checked again
/// here, under the write lock.
pub fn redeem(
    tx: &Tx,
    k: &Coupon,
    order_id: i64,
    email: &str,
    discount: i64,
    now: i64,
) -> Result<()> {
    let gone = || {
        Error::conflict(format!(
            "The code {} was just used up. Remove it to place your order.",
            k.code
        ))
    };
    if let Some(limit) = k.per_customer {
        let used: i64 = tx
            .prepare_cached(sql::USED_BY_EMAIL)?
            .query_row(params![k.id, email], |r| r.get(0))?;
        if used >= limit {
            return Err(Error::conflict(format!(
                "The code {} has already been used with this email address.",
                k.code
            )));
        }
    }
    let n = tx
        .prepare_cached(sql::TAKE)?
        .execute([k.id])
        .map_err(|_| gone())?;
    if n == 0 {
        return Err(gone());
    }
    tx.prepare_cached(sql::INSERT_REDEMPTION)?
        .execute(params![k.id, order_id, email, discount, now])?;
    Ok(())
}

/// Gives an order's redemption back (cancel, expiry). A no-op when it had none.
pub fn release(tx: &Tx, order_id: i64, now: i64) -> Result<()> {
    let coupon: Option<i64> = tx
        .prepare_cached(sql::RELEASE)?
        .query_row(params![now, order_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = coupon {
        tx.prepare_cached(sql::GIVE_BACK)?.execute([id])?;
    }
    Ok(())
}

pub mod sql {
    //! SQL of coupons.
    pub const BY_CODE: &str = "SELECT id, code, kind, value, min_subtotal, starts_at, ends_at, max_redemptions, per_customer, redeemed, active FROM coupons WHERE code = ?1";
    pub const USABLE_NOW: &str = "SELECT id, code, kind, value, min_subtotal, starts_at, ends_at, max_redemptions, per_customer, redeemed, active FROM coupons k \
        WHERE active = 1 AND (starts_at IS NULL OR starts_at <= ?1) AND (ends_at IS NULL OR ends_at > ?1) \
        AND (max_redemptions IS NULL OR redeemed < max_redemptions) \
        AND (per_customer IS NULL OR per_customer > (SELECT count(*) FROM coupon_redemptions r WHERE r.coupon_id = k.id AND r.email = ?2 AND r.released_at IS NULL)) \
        ORDER BY ends_at IS NULL, ends_at, code LIMIT 20";
    pub const ID_BY_CODE: &str = "SELECT id FROM coupons WHERE code = ?1";
    pub const INSERT: &str = "INSERT INTO coupons (code, kind, value, min_subtotal, starts_at, ends_at, max_redemptions, per_customer, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    pub const USED_BY_EMAIL: &str = "SELECT count(*) FROM coupon_redemptions WHERE coupon_id = ?1 AND email = ?2 AND released_at IS NULL";
    pub const TAKE: &str = "UPDATE coupons SET redeemed = redeemed + 1 WHERE id = ?1 AND (max_redemptions IS NULL OR redeemed < max_redemptions)";
    pub const INSERT_REDEMPTION: &str = "INSERT INTO coupon_redemptions (coupon_id, order_id, email, discount, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    pub const RELEASE: &str = "UPDATE coupon_redemptions SET released_at = ?1 WHERE order_id = ?2 AND released_at IS NULL RETURNING coupon_id";
    pub const GIVE_BACK: &str =
        "UPDATE coupons SET redeemed = redeemed - 1 WHERE id = ?1 AND redeemed > 0";
    pub const ALL: &[&str] = &[
        USABLE_NOW,
        BY_CODE,
        ID_BY_CODE,
        INSERT,
        USED_BY_EMAIL,
        TAKE,
        INSERT_REDEMPTION,
        RELEASE,
        GIVE_BACK,
    ];
}
