//! The mails that bring shoppers back, as data: what each address agreed to
//! (`mail_prefs`), back-in-stock requests (`stock_alerts`, confirmed by link, told once),
//! follow-ups waiting for their time (`follow_ups`: abandoned checkout, reorder) and the
//! record of every follow-up mail sent or passed over (`flow_sends`), which is also how an
//! order placed from a mail's link is counted as brought back. The rules of when to send
//! live in `service::follow_ups`; this module only reads and writes rows.

use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// The follow-up flows, as stored in `flow_sends.flow`.
pub const FLOWS: [&str; 4] = [
    "back_in_stock",
    "price_drop",
    "abandoned_checkout",
    "reorder",
];

/// The owner's name for a flow.
pub fn flow_label(flow: &str) -> &'static str {
    match flow {
        "back_in_stock" => "Back in stock",
        "price_drop" => "Price drop",
        "abandoned_checkout" => "Abandoned checkout",
        "reorder" => "Reorder reminder",
        _ => "Other",
    }
}

/// An unconfirmed back-in-stock link works this long.
pub const ALERT_CONFIRM_SECS: i64 = 7 * 86_400;

/// Waiting alerts one address may hold (so one visitor cannot fill the table).
pub const MAX_ALERTS_PER_EMAIL: i64 = 30;

/// What an address agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefs {
    pub id: i64,
    pub email: String,
    pub marketing: bool,
    pub unsubscribed_at: Option<i64>,
}

impl Prefs {
    /// Marketing mail (price drops, reminders) may go to this address.
    pub fn may_market(&self) -> bool {
        self.marketing && self.unsubscribed_at.is_none()
    }
}

pub fn prefs(c: &Connection, email: &str) -> Result<Option<Prefs>> {
    Ok(c.prepare_cached(sql::PREFS)?
        .query_row([email.trim()], prefs_row)
        .optional()?)
}

pub fn prefs_by_id(c: &Connection, id: i64) -> Result<Option<Prefs>> {
    Ok(c.prepare_cached(sql::PREFS_BY_ID)?
        .query_row([id], prefs_row)
        .optional()?)
}

fn prefs_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Prefs> {
    Ok(Prefs {
        id: r.get(0)?,
        email: r.get(1)?,
        marketing: r.get(2)?,
        unsubscribed_at: r.get(3)?,
    })
}

/// The address's row, made (agreeing to nothing) when missing; returns its id.
pub fn ensure_prefs(tx: &Tx, email: &str, now: i64) -> Result<i64> {
    tx.prepare_cached(sql::ENSURE_PREFS)?
        .execute(params![email.trim(), now])?;
    Ok(tx
        .prepare_cached(sql::PREFS_ID)?
        .query_row([email.trim()], |r| r.get(0))?)
}

/// Records the shopper's own choice about marketing mail; saying yes also lifts an
/// earlier unsubscribe. False when nothing changed.
pub fn set_marketing(tx: &Tx, email: &str, on: bool, source: &str, now: i64) -> Result<bool> {
    ensure_prefs(tx, email, now)?;
    Ok(tx
        .prepare_cached(sql::SET_MARKETING)?
        .execute(params![email.trim(), on, source, now])?
        > 0)
}

/// A one-click unsubscribe: no more marketing, no waiting back-in-stock alerts or
/// follow-ups for the address. Returns the address, or None for an unknown id.
pub fn unsubscribe(tx: &Tx, id: i64, now: i64) -> Result<Option<String>> {
    let Some(email): Option<String> = tx
        .prepare_cached(sql::PREFS_EMAIL)?
        .query_row([id], |r| r.get(0))
        .optional()?
    else {
        return Ok(None);
    };
    tx.prepare_cached(sql::UNSUBSCRIBE)?
        .execute(params![id, now])?;
    tx.prepare_cached(sql::DROP_ALERTS_OF)?.execute([&email])?;
    tx.prepare_cached(sql::DROP_FOLLOW_UPS_OF)?
        .execute([&email])?;
    Ok(Some(email))
}

/// A sold-out variant as the alert pages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub variant_id: i64,
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    /// "M / Blue", or "" for a product without options.
    pub options: String,
    pub stock: i64,
}

impl Wanted {
    pub fn name(&self) -> String {
        if self.options.is_empty() {
            self.title.clone()
        } else {
            format!("{} ({})", self.title, self.options)
        }
    }
}

fn wanted_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Wanted> {
    let opts: Vec<String> = [r.get::<_, Option<String>>(4)?, r.get(5)?, r.get(6)?]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    Ok(Wanted {
        variant_id: r.get(0)?,
        product_id: r.get(1)?,
        slug: r.get(2)?,
        title: r.get(3)?,
        options: opts.join(" / "),
        stock: r.get(7)?,
    })
}

/// The live (active product, not archived) variants of a product.
pub fn variants_of(c: &Connection, product_id: i64) -> Result<Vec<Wanted>> {
    let mut st = c.prepare_cached(sql::VARIANTS_OF)?;
    let rows = st.query_map([product_id], wanted_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn variant(c: &Connection, variant_id: i64) -> Result<Option<Wanted>> {
    Ok(c.prepare_cached(sql::VARIANT)?
        .query_row([variant_id], wanted_row)
        .optional()?)
}

/// What asking for an alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// A new (or renewed) request: mail this confirmation token.
    Confirm { token: String, what: Wanted },
    /// The address is already on the list for this variant.
    Already(Wanted),
}

/// Asks to be told when `variant_id` is back. Only a sold-out variant can be asked for.
pub fn ask(tx: &Tx, variant_id: i64, email: &str, now: i64) -> Result<Asked> {
    let what = variant(tx, variant_id)?
        .ok_or_else(|| Error::not_found("That product is no longer sold."))?;
    if what.stock > 0 {
        return Err(Error::conflict(
            "Good news: it is in stock now, so you can order it straight away.",
        ));
    }
    let email = email.trim();
    let existing: Option<(i64, Option<i64>)> = tx
        .prepare_cached(sql::ALERT_OF)?
        .query_row(params![variant_id, email], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let token = crate::crypto::token();
    let hash = crate::crypto::token_hash(&token);
    match existing {
        Some((_, Some(_))) => return Ok(Asked::Already(what)),
        Some((id, None)) => {
            tx.prepare_cached(sql::RENEW_ALERT)?
                .execute(params![id, hash, now])?;
        }
        None => {
            if waiting_alerts(tx, email)? >= MAX_ALERTS_PER_EMAIL {
                return Err(Error::conflict(
                    "This address is already waiting for many products; we will write when they are back.",
                ));
            }
            tx.prepare_cached(sql::INSERT_ALERT)?
                .execute(params![variant_id, email, hash, now])?;
        }
    }
    Ok(Asked::Confirm { token, what })
}

/// Back-in-stock requests of `email` not yet told (confirmed or not).
pub fn waiting_alerts(c: &Connection, email: &str) -> Result<i64> {
    Ok(c.prepare_cached(sql::ALERTS_OF_EMAIL)?
        .query_row([email.trim()], |r| r.get(0))?)
}

/// A back-in-stock request found by its confirmation token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: i64,
    pub email: String,
    pub confirmed: bool,
    pub created_at: i64,
    pub what: Wanted,
}

pub fn alert_by_token(c: &Connection, token: &str) -> Result<Option<Alert>> {
    let hash = crate::crypto::token_hash(token);
    let head: Option<(i64, String, Option<i64>, i64, i64)> = c
        .prepare_cached(sql::ALERT_BY_HASH)?
        .query_row([hash], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((id, email, confirmed, created_at, variant_id)) = head else {
        return Ok(None);
    };
    let Some(what) = variant(c, variant_id)? else {
        return Ok(None);
    };
    Ok(Some(Alert {
        id,
        email,
        confirmed: confirmed.is_some(),
        created_at,
        what,
    }))
}

/// Confirms the request behind `token`. Forged → 404; unconfirmed past its week → 409.
pub fn confirm(tx: &Tx, token: &str, now: i64) -> Result<Alert> {
    let a = alert_by_token(tx, token)?.ok_or_else(|| {
        Error::not_found("This link is not valid. Please ask again on the product page.")
    })?;
    if !a.confirmed && a.created_at + ALERT_CONFIRM_SECS < now {
        return Err(Error::conflict(
            "This link has expired. Please ask again on the product page.",
        ));
    }
    tx.prepare_cached(sql::CONFIRM_ALERT)?
        .execute(params![a.id, now])?;
    // Asking for the mail, and proving the address, is consent to it: an earlier
    // unsubscribe no longer holds it back (marketing stays as it was).
    ensure_prefs(tx, &a.email, now)?;
    tx.prepare_cached(sql::LIFT_UNSUBSCRIBE)?
        .execute(params![a.email, now])?;
    Ok(Alert {
        confirmed: true,
        ..a
    })
}

/// A confirmed alert whose variant is in stock again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAlert {
    pub id: i64,
    pub email: String,
    pub what: Wanted,
}

pub fn due_alerts(c: &Connection, limit: usize) -> Result<Vec<DueAlert>> {
    let mut st = c.prepare_cached(sql::DUE_ALERTS)?;
    let rows = st.query_map([limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let heads: Vec<(i64, String, i64)> = rows.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(heads.len());
    for (id, email, v) in heads {
        if let Some(what) = variant(c, v)? {
            out.push(DueAlert { id, email, what });
        }
    }
    Ok(out)
}

pub fn mark_notified(tx: &Tx, id: i64, now: i64) -> Result<()> {
    tx.prepare_cached(sql::ALERT_NOTIFIED)?
        .execute(params![id, now])?;
    Ok(())
}

/// Waiting and told alerts, for the admin.
pub fn alert_counts(c: &Connection) -> Result<(i64, i64, i64)> {
    Ok(c.prepare_cached(sql::ALERT_COUNTS)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

/// Addresses that agreed to marketing mail and have not unsubscribed.
pub fn consenting(c: &Connection) -> Result<i64> {
    Ok(c.prepare_cached(sql::CONSENTING)?
        .query_row([], |r| r.get(0))?)
}

/// A follow-up waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub id: i64,
    pub flow: String,
    pub r#ref: String,
    pub email: String,
    pub created_at: i64,
    pub due_at: i64,
}

/// Schedules (or pushes back) the follow-up `flow` about `ref`.
pub fn schedule(
    tx: &Tx,
    flow: &str,
    r#ref: &str,
    email: &str,
    due_at: i64,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(sql::SCHEDULE)?
        .execute(params![flow, r#ref, email.trim(), now, due_at])?;
    Ok(())
}

pub fn cancel(tx: &Tx, flow: &str, r#ref: &str) -> Result<()> {
    tx.prepare_cached(sql::CANCEL)?
        .execute(params![flow, r#ref])?;
    Ok(())
}

pub fn due(c: &Connection, now: i64, limit: usize) -> Result<Vec<FollowUp>> {
    let mut st = c.prepare_cached(sql::DUE)?;
    let rows = st.query_map(params![now, limit as i64], |r| {
        Ok(FollowUp {
            id: r.get(0)?,
            flow: r.get(1)?,
            r#ref: r.get(2)?,
            email: r.get(3)?,
            created_at: r.get(4)?,
            due_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn done(tx: &Tx, id: i64) -> Result<()> {
    tx.prepare_cached(sql::DONE)?.execute([id])?;
    Ok(())
}

/// The (variant, quantity) lines of a bag.
pub fn cart_lines(c: &Connection, cart_id: i64) -> Result<Vec<(i64, i64)>> {
    let mut st = c.prepare_cached(sql::CART_LINES)?;
    let rows = st.query_map([cart_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The lines of a delivered order that are consumable (still sold): what a reorder
/// reminder offers again, with their titles.
pub fn consumable_lines(c: &Connection, order_id: i64) -> Result<Vec<(i64, i64, String)>> {
    let mut st = c.prepare_cached(sql::CONSUMABLE_LINES)?;
    let rows = st.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether `email` placed an order at or after `since` (a reminder would be late).
pub fn ordered_since(c: &Connection, email: &str, since: i64) -> Result<bool> {
    Ok(c.prepare_cached(sql::ORDERED_SINCE)?
        .query_row(params![email, since], |r| r.get(0))?)
}

/// A follow-up mail, as recorded.
pub struct NewSend<'a> {
    pub flow: &'a str,
    pub r#ref: &'a str,
    pub email: &'a str,
    /// None: passed over, with this reason.
    pub skipped: Option<&'a str>,
    pub token: Option<&'a str>,
    pub lines: &'a [(i64, i64)],
    pub target: &'a str,
}

/// Records a send once per (flow, ref, address); None when it was recorded before.
pub fn record(tx: &Tx, s: &NewSend, now: i64) -> Result<Option<i64>> {
    let lines = serde_json::to_string(s.lines).unwrap_or_else(|_| "[]".into());
    let n = tx.prepare_cached(sql::RECORD)?.execute(params![
        s.flow,
        s.r#ref,
        s.email,
        if s.skipped.is_some() {
            "skipped"
        } else {
            "sent"
        },
        s.skipped.unwrap_or(""),
        s.token.map(crate::crypto::token_hash),
        lines,
        s.target,
        now
    ])?;
    Ok((n > 0).then(|| tx.last_insert_rowid()))
}

/// Follow-up mails sent to `email` since `since` (the daily throttle).
pub fn sent_since(c: &Connection, email: &str, since: i64) -> Result<i64> {
    Ok(c.prepare_cached(sql::SENT_SINCE)?
        .query_row(params![email, since], |r| r.get(0))?)
}

/// A follow-up mail's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub flow: String,
    pub lines: Vec<(i64, i64)>,
    pub target: String,
}

pub fn link(c: &Connection, token: &str) -> Result<Option<Link>> {
    let hash = crate::crypto::token_hash(token);
    Ok(c.prepare_cached(sql::LINK)?
        .query_row([hash], |r| {
            let lines: String = r.get(2)?;
            Ok(Link {
                id: r.get(0)?,
                flow: r.get(1)?,
                lines: serde_json::from_str(&lines).unwrap_or_default(),
                target: r.get(3)?,
            })
        })
        .optional()?)
}

/// The visitor followed the link: its first click is counted and the bag remembers it.
pub fn clicked(tx: &Tx, send_id: i64, cart_id: i64, now: i64) -> Result<()> {
    tx.prepare_cached(sql::CLICKED)?
        .execute(params![send_id, now])?;
    tx.prepare_cached(sql::CAME_FROM)?
        .execute(params![cart_id, send_id])?;
    Ok(())
}

/// In the order's write: the mail whose link filled the bag is credited with the order
/// (once), and the bag forgets it.
pub fn attribute(tx: &Tx, cart_id: i64, order_id: i64) -> Result<()> {
    tx.prepare_cached(sql::ATTRIBUTE)?
        .execute(params![cart_id, order_id])?;
    tx.prepare_cached(sql::FORGET_CAME_FROM)?
        .execute([cart_id])?;
    Ok(())
}

/// One flow's figures over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowStats {
    pub flow: String,
    pub sent: i64,
    pub skipped: i64,
    pub clicked: i64,
    pub orders: i64,
    /// The total of those orders, minor units.
    pub revenue: i64,
}

/// Every flow's figures since `since`, in [`FLOWS`] order (flows with nothing too).
pub fn stats(c: &Connection, since: i64) -> Result<Vec<FlowStats>> {
    let mut st = c.prepare_cached(sql::STATS)?;
    let rows: Vec<FlowStats> = st
        .query_map([since], |r| {
            Ok(FlowStats {
                flow: r.get(0)?,
                sent: r.get(1)?,
                skipped: r.get(2)?,
                clicked: r.get(3)?,
                orders: r.get(4)?,
                revenue: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(FLOWS
        .iter()
        .map(|f| {
            rows.iter()
                .find(|r| r.flow == *f)
                .cloned()
                .unwrap_or(FlowStats {
                    flow: f.to_string(),
                    ..FlowStats::default()
                })
        })
        .collect())
}

/// A recorded send, for the admin's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub flow: String,
    pub r#ref: String,
    pub email: String,
    pub status: String,
    pub reason: String,
    pub at: i64,
    pub clicked_at: Option<i64>,
    pub order_number: Option<String>,
}

pub fn recent(c: &Connection, flow: Option<&str>, limit: usize) -> Result<Vec<Sent>> {
    let mut st = c.prepare_cached(sql::RECENT)?;
    let rows = st.query_map(params![flow, limit as i64], |r| {
        Ok(Sent {
            flow: r.get(0)?,
            r#ref: r.get(1)?,
            email: r.get(2)?,
            status: r.get(3)?,
            reason: r.get(4)?,
            at: r.get(5)?,
            clicked_at: r.get(6)?,
            order_number: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub mod sql {
    pub const PREFS: &str =
        "SELECT id, email, marketing, unsubscribed_at FROM mail_prefs WHERE email = ?1";
    pub const PREFS_BY_ID: &str =
        "SELECT id, email, marketing, unsubscribed_at FROM mail_prefs WHERE id = ?1";
    pub const PREFS_ID: &str = "SELECT id FROM mail_prefs WHERE email = ?1";
    pub const PREFS_EMAIL: &str = "SELECT email FROM mail_prefs WHERE id = ?1";
    pub const ENSURE_PREFS: &str =
        "INSERT INTO mail_prefs (email, updated_at) VALUES (?1, ?2) ON CONFLICT (email) DO NOTHING";
    pub const SET_MARKETING: &str = "UPDATE mail_prefs SET marketing = ?2, source = ?3, updated_at = ?4, \
        unsubscribed_at = CASE WHEN ?2 THEN NULL ELSE unsubscribed_at END \
        WHERE email = ?1 AND (marketing <> ?2 OR (?2 AND unsubscribed_at IS NOT NULL))";
    pub const UNSUBSCRIBE: &str = "UPDATE mail_prefs SET marketing = 0, source = 'unsubscribe', unsubscribed_at = COALESCE(unsubscribed_at, ?2), updated_at = ?2 WHERE id = ?1";
    pub const LIFT_UNSUBSCRIBE: &str = "UPDATE mail_prefs SET unsubscribed_at = NULL, updated_at = ?2 WHERE email = ?1 AND unsubscribed_at IS NOT NULL";
    pub const DROP_ALERTS_OF: &str =
        "DELETE FROM stock_alerts WHERE email = ?1 AND notified_at IS NULL";
    pub const DROP_FOLLOW_UPS_OF: &str = "DELETE FROM follow_ups WHERE email = ?1";
    pub const VARIANT: &str = "SELECT v.id, p.id, p.slug, p.title, v.option1, v.option2, v.option3, v.stock \
        FROM variants v JOIN products p ON p.id = v.product_id \
        WHERE v.id = ?1 AND v.archived = 0 AND p.status = 'active'";
    pub const VARIANTS_OF: &str = "SELECT v.id, p.id, p.slug, p.title, v.option1, v.option2, v.option3, v.stock \
        FROM variants v JOIN products p ON p.id = v.product_id \
        WHERE p.id = ?1 AND v.archived = 0 AND p.status = 'active' ORDER BY v.position, v.id";
    pub const ALERT_OF: &str = "SELECT id, confirmed_at FROM stock_alerts WHERE variant_id = ?1 AND email = ?2 AND notified_at IS NULL";
    pub const ALERTS_OF_EMAIL: &str =
        "SELECT count(*) FROM stock_alerts WHERE email = ?1 AND notified_at IS NULL";
    pub const RENEW_ALERT: &str =
        "UPDATE stock_alerts SET token_hash = ?2, created_at = ?3 WHERE id = ?1";
    pub const INSERT_ALERT: &str = "INSERT INTO stock_alerts (variant_id, email, token_hash, created_at) VALUES (?1, ?2, ?3, ?4) \
        ON CONFLICT (variant_id, email) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, confirmed_at = NULL, notified_at = NULL";
    pub const ALERT_BY_HASH: &str = "SELECT id, email, confirmed_at, created_at, variant_id FROM stock_alerts WHERE token_hash = ?1 AND notified_at IS NULL";
    pub const CONFIRM_ALERT: &str =
        "UPDATE stock_alerts SET confirmed_at = COALESCE(confirmed_at, ?2) WHERE id = ?1";
    pub const DUE_ALERTS: &str = "SELECT a.id, a.email, a.variant_id FROM stock_alerts a \
        JOIN variants v ON v.id = a.variant_id JOIN products p ON p.id = v.product_id \
        WHERE a.confirmed_at IS NOT NULL AND a.notified_at IS NULL AND v.stock > 0 AND v.archived = 0 AND p.status = 'active' \
        ORDER BY a.id LIMIT ?1";
    pub const ALERT_NOTIFIED: &str = "UPDATE stock_alerts SET notified_at = ?2 WHERE id = ?1";
    pub const ALERT_COUNTS: &str = "SELECT \
        coalesce(sum(confirmed_at IS NULL AND notified_at IS NULL), 0), \
        coalesce(sum(confirmed_at IS NOT NULL AND notified_at IS NULL), 0), \
        coalesce(sum(notified_at IS NOT NULL), 0) FROM stock_alerts";
    pub const CONSENTING: &str =
        "SELECT count(*) FROM mail_prefs WHERE marketing = 1 AND unsubscribed_at IS NULL";
    pub const SCHEDULE: &str = "INSERT INTO follow_ups (flow, ref, email, created_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5) \
        ON CONFLICT (flow, ref) DO UPDATE SET email = excluded.email, due_at = excluded.due_at";
    pub const CANCEL: &str = "DELETE FROM follow_ups WHERE flow = ?1 AND ref = ?2";
    pub const DUE: &str = "SELECT id, flow, ref, email, created_at, due_at FROM follow_ups WHERE due_at <= ?1 ORDER BY due_at, id LIMIT ?2";
    pub const DONE: &str = "DELETE FROM follow_ups WHERE id = ?1";
    pub const CART_LINES: &str = "SELECT variant_id, quantity FROM cart_lines WHERE cart_id = ?1 ORDER BY added_at, variant_id";
    pub const CONSUMABLE_LINES: &str = "SELECT ol.variant_id, ol.quantity, ol.title FROM order_lines ol \
        JOIN products p ON p.id = ol.product_id JOIN variants v ON v.id = ol.variant_id \
        WHERE ol.order_id = ?1 AND p.consumable = 1 AND p.status = 'active' AND v.archived = 0 ORDER BY ol.id";
    pub const ORDERED_SINCE: &str =
        "SELECT EXISTS (SELECT 1 FROM orders WHERE email = ?1 AND created_at >= ?2)";
    pub const RECORD: &str = "INSERT INTO flow_sends (flow, ref, email, status, reason, token_hash, lines, target, at) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (flow, ref, email) DO NOTHING";
    pub const SENT_SINCE: &str =
        "SELECT count(*) FROM flow_sends WHERE email = ?1 AND status = 'sent' AND at > ?2";
    pub const LINK: &str = "SELECT id, flow, lines, target FROM flow_sends WHERE token_hash = ?1";
    pub const CLICKED: &str =
        "UPDATE flow_sends SET clicked_at = COALESCE(clicked_at, ?2) WHERE id = ?1";
    pub const CAME_FROM: &str = "UPDATE carts SET came_from = ?2 WHERE id = ?1";
    pub const ATTRIBUTE: &str = "UPDATE flow_sends SET order_id = ?2 \
        WHERE id = (SELECT came_from FROM carts WHERE id = ?1) AND order_id IS NULL";
    pub const FORGET_CAME_FROM: &str =
        "UPDATE carts SET came_from = NULL WHERE id = ?1 AND came_from IS NOT NULL";
    pub const STATS: &str = "SELECT s.flow, \
        coalesce(sum(s.status = 'sent'), 0), coalesce(sum(s.status = 'skipped'), 0), \
        coalesce(sum(s.clicked_at IS NOT NULL), 0), count(o.id), coalesce(sum(o.total), 0) \
        FROM flow_sends s LEFT JOIN orders o ON o.id = s.order_id AND o.status NOT IN ('cancelled', 'returned') \
        WHERE s.at >= ?1 GROUP BY s.flow";
    pub const RECENT: &str = "SELECT s.flow, s.ref, s.email, s.status, s.reason, s.at, s.clicked_at, o.number \
        FROM flow_sends s LEFT JOIN orders o ON o.id = s.order_id \
        WHERE (?1 IS NULL OR s.flow = ?1) ORDER BY s.id DESC LIMIT ?2";
    pub const ALL: &[&str] = &[
        PREFS,
        PREFS_BY_ID,
        PREFS_ID,
        PREFS_EMAIL,
        ENSURE_PREFS,
        SET_MARKETING,
        UNSUBSCRIBE,
        LIFT_UNSUBSCRIBE,
        DROP_ALERTS_OF,
        DROP_FOLLOW_UPS_OF,
        VARIANT,
        VARIANTS_OF,
        ALERT_OF,
        ALERTS_OF_EMAIL,
        RENEW_ALERT,
        INSERT_ALERT,
        ALERT_BY_HASH,
        CONFIRM_ALERT,
        DUE_ALERTS,
        ALERT_NOTIFIED,
        ALERT_COUNTS,
        CONSENTING,
        SCHEDULE,
        CANCEL,
        DUE,
        DONE,
        CART_LINES,
        CONSUMABLE_LINES,
        ORDERED_SINCE,
        RECORD,
        SENT_SINCE,
        LINK,
        CLICKED,
        CAME_FROM,
        ATTRIBUTE,
        FORGET_CAME_FROM,
        STATS,
        RECENT,
    ];
}
