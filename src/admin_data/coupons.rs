//! The owner's side of coupons: the list with usage (live redemptions), discount given and
//! revenue per coupon (paid orders that used it, less refunds — the dashboard's revenue
//! definition), create, edit and disable/enable. Every write takes the caller's
//! transaction and records an audit row in it; the redemption rules stay in `coupons`.

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::shop::audit::{self, Actor};
use crate::shop::cart::coupons::{self, Coupon, NewCoupon};
use crate::shop::text::count_of;
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub coupon: Coupon,
    /// Orders holding a redemption (released ones — cancelled, expired — not counted).
    pub uses: i64,
    pub discount: i64,
    pub paid_orders: i64,
    pub revenue: i64,
}

fn usage(r: &rusqlite::Row) -> rusqlite::Result<Usage> {
    Ok(Usage {
        coupon: Coupon {
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
            active: r.get(10)?,
        },
        uses: r.get(11)?,
        discount: r.get(12)?,
        paid_orders: r.get(13)?,
        revenue: r.get(14)?,
    })
}

pub fn list(c: &Connection) -> Result<Vec<Usage>> {
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map([], usage)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(c: &Connection, id: i64) -> Result<Option<Usage>> {
    Ok(c.prepare_cached(sql::ONE)?
        .query_row([id], usage)
        .optional()?)
}

pub fn create(tx: &Tx, m: &Money, actor: &Actor, c: &NewCoupon, now: i64) -> Result<i64> {
    check_limits(c)?;
    let id = coupons::create(tx, c, now)?;
    audit::record(
        tx,
        actor,
        "coupon.create",
        "coupon",
        &c.code.trim().to_uppercase(),
        &describe(m, c),
        now,
    )?;
    Ok(id)
}

/// The coupon's terms in the owner's words, for the audit log: "10% off, orders from
/// ₹500.00, at most 100 uses, once per email".
fn describe(m: &Money, c: &NewCoupon) -> String {
    let mut parts = vec![effect(m, &c.kind, c.value)];
    if c.min_subtotal > 0 {
        parts.push(format!("orders from {}", m.format(c.min_subtotal)));
    }
    parts.push(match c.max_redemptions {
        Some(n) => format!("at most {}", count_of(n, "use", "uses")),
        None => "no total limit".into(),
    });
    parts.push(match c.per_customer {
        Some(1) => "once per email".into(),
        Some(n) => format!("{n} times per email"),
        None => "any number per email".into(),
    });
    parts.join(", ")
}

fn effect(m: &Money, kind: &str, value: i64) -> String {
    match kind {
        "percent" => format!("{value}% off"),
        "fixed" => format!("{} off", m.format(value)),
        _ => "free shipping".into(),
    }
}

fn check_limits(c: &NewCoupon) -> Result<()> {
    if c.max_redemptions.is_some_and(|m| m < 0) || c.per_customer.is_some_and(|p| p < 1) {
        return Err(Error::bad_request(
            "The total limit cannot be negative and the per-email limit is at least 1.",
        ));
    }
    Ok(())
}

/// Edits everything but the code (shoppers may already have it).
pub fn update(tx: &Tx, m: &Money, actor: &Actor, id: i64, c: &NewCoupon, now: i64) -> Result<()> {
    check_limits(c)?;
    coupons::check_terms(c)?;
    let before = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such coupon."))?;
    if c.max_redemptions
        .is_some_and(|m| m < before.coupon.redeemed)
    {
        return Err(Error::bad_request(format!(
            "It has been used {} times already; the total limit cannot be lower.",
            before.coupon.redeemed
        )));
    }
    tx.prepare_cached(sql::UPDATE)?.execute(params![
        id,
        c.kind,
        c.value,
        c.min_subtotal.max(0),
        c.starts_at,
        c.ends_at,
        c.max_redemptions,
        c.per_customer
    ])?;
    let b = &before.coupon;
    let was = NewCoupon {
        code: b.code.clone(),
        kind: b.kind.clone(),
        value: b.value,
        min_subtotal: b.min_subtotal,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        max_redemptions: b.max_redemptions,
        per_customer: b.per_customer,
    };
    let changes = audit::Changes::new()
        .field("terms", describe(m, &was), describe(m, c))
        .text(
            "dates",
            (b.starts_at, b.ends_at) != (c.starts_at, c.ends_at),
        );
    audit::record_changes(tx, actor, "coupon.update", "coupon", &b.code, &changes, now)
}

pub fn set_active(tx: &Tx, actor: &Actor, id: i64, active: bool, now: i64) -> Result<()> {
    let before = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such coupon."))?;
    tx.prepare_cached(sql::SET_ACTIVE)?
        .execute(params![id, active])?;
    audit::record(
        tx,
        actor,
        if active {
            "coupon.enable"
        } else {
            "coupon.disable"
        },
        "coupon",
        &before.coupon.code,
        &format!("active {} → {active}", before.coupon.active),
        now,
    )
}

pub mod sql {
    //! SQL of the coupon admin. Prepared against the schema by a test.
    macro_rules! usage_select {
        () => {
            "SELECT k.id, k.code, k.kind, k.value, k.min_subtotal, k.starts_at, k.ends_at, k.max_redemptions, k.per_customer, k.redeemed, k.active, \
             count(r.id), coalesce(sum(r.discount), 0), \
             count(CASE WHEN o.payment_status <> 'unpaid' AND o.status <> 'cancelled' THEN 1 END), \
             coalesce(sum(CASE WHEN o.payment_status <> 'unpaid' AND o.status <> 'cancelled' THEN o.total - o.refunded END), 0) \
             FROM coupons k LEFT JOIN coupon_redemptions r ON r.coupon_id = k.id AND r.released_at IS NULL \
             LEFT JOIN orders o ON o.id = r.order_id "
        };
    }
    pub const LIST: &str = concat!(
        usage_select!(),
        "GROUP BY k.id ORDER BY k.active DESC, k.id DESC"
    );
    pub const ONE: &str = concat!(usage_select!(), "WHERE k.id = ?1 GROUP BY k.id");
    pub const UPDATE: &str = "UPDATE coupons SET kind = ?2, value = ?3, min_subtotal = ?4, starts_at = ?5, ends_at = ?6, max_redemptions = ?7, per_customer = ?8 WHERE id = ?1";
    pub const SET_ACTIVE: &str = "UPDATE coupons SET active = ?2 WHERE id = ?1";
    pub const ALL: &[&str] = &[LIST, ONE, UPDATE, SET_ACTIVE];
}
