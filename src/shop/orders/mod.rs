//! Orders after they are placed: reading them (by secret token, by account, for the
//! admin), every operation on them (each one `lifecycle::next`, then its side effects —
//! restock, coupon back, refund row, proof decision — the order event, the shopper's mail
//! and the audit entry, all in the caller's one transaction), the payment-window sweep
//! (reminder, then expiry), and the guest → customer link: a guest order carries only its
//! email; it joins the account of that email only once the email is proven (sign-in link
//! or code, or a proven email change), never merely because someone typed it.

pub mod checkout;
pub mod lifecycle;
pub mod proofs;

use crate::config::Config;
use crate::crypto;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::{self, Actor};
use crate::shop::cart::coupons;
use crate::shop::catalog;
use crate::shop::events;
use lifecycle::{Action, Method, Payment, Status};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: i64,
    pub variant_id: Option<i64>,
    pub product_id: Option<i64>,
    pub title: String,
    pub options: String,
    pub sku: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub returned: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    pub id: i64,
    pub file: String,
    pub content_type: String,
    pub size: i64,
    pub status: String,
    pub reason: String,
    pub uploaded_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
}

impl Proof {
    /// Whether this proof was still waiting when its order was cancelled (stored as
    /// `rejected` with the fixed reason `PROOF_CLOSED`): shown as closed, never as a
    /// rejection the shopper should act on.
    pub fn closed_with_cancellation(&self) -> bool {
        self.status == "rejected" && self.reason == PROOF_CLOSED
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    pub amount: i64,
    pub note: String,
    pub actor: String,
    pub created_at: i64,
}

/// A whole order as its pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: i64,
    pub number: String,
    /// Private: the access token is derived from it (see checkout::access_token).
    pub idempotency_key: String,
    pub customer_id: Option<i64>,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub shipping_zone: String,
    pub status: Status,
    pub payment: Payment,
    pub method: Method,
    pub currency: String,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping_fee: i64,
    pub cod_fee: i64,
    pub total: i64,
    pub refunded: i64,
    pub coupon_code: Option<String>,
    pub note: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub pay_by: Option<i64>,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub lines: Vec<Line>,
    pub events: Vec<Event>,
    pub proofs: Vec<Proof>,
    pub refunds: Vec<Refund>,
}

impl Order {
    pub fn units(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
    /// The proof waiting for the owner's decision, if any.
    pub fn pending_proof(&self) -> Option<&Proof> {
        self.proofs.iter().find(|p| p.status == "pending")
    }
    /// Whether the shopper may upload a (new) proof now.
    pub fn takes_proof(&self) -> bool {
        lifecycle::next(self.status, self.payment, self.method, Action::UploadProof).is_ok()
    }
}

fn bad_row(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_string(), rusqlite::types::Type::Text)
}

/// The full order with its lines, timeline, proofs and refunds.
pub fn get(c: &Connection, id: i64) -> Result<Option<Order>> {
    let found = c
        .prepare_cached(sql::GET)?
        .query_row([id], |r| {
            let status: String = r.get(15)?;
            let payment: String = r.get(16)?;
            let method: String = r.get(17)?;
            Ok(Order {
                id: r.get(0)?,
                number: r.get(1)?,
                idempotency_key: r.get(2)?,
                customer_id: r.get(3)?,
                email: r.get(4)?,
                name: r.get(5)?,
                phone: r.get(6)?,
                line1: r.get(7)?,
                line2: r.get(8)?,
                city: r.get(9)?,
                region: r.get(10)?,
                postal_code: r.get(11)?,
                country: r.get(12)?,
                shipping_zone: r.get(13)?,
                currency: r.get(14)?,
                status: Status::parse(&status).ok_or_else(|| bad_row("status"))?,
                payment: Payment::parse(&payment).ok_or_else(|| bad_row("payment"))?,
                method: Method::parse(&method).ok_or_else(|| bad_row("method"))?,
                subtotal: r.get(18)?,
                discount: r.get(19)?,
                shipping_fee: r.get(20)?,
                cod_fee: r.get(21)?,
                total: r.get(22)?,
                refunded: r.get(23)?,
                coupon_code: r.get(24)?,
                note: r.get(25)?,
                carrier: r.get(26)?,
                tracking_number: r.get(27)?,
                tracking_url: r.get(28)?,
                pay_by: r.get(29)?,
                paid_at: r.get(30)?,
                created_at: r.get(31)?,
                updated_at: r.get(32)?,
                lines: Vec::new(),
                events: Vec::new(),
                proofs: Vec::new(),
                refunds: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut o) = found else {
        return Ok(None);
    };
    o.lines = c
        .prepare_cached(sql::LINES)?
        .query_map([id], |r| {
            Ok(Line {
                id: r.get(0)?,
                variant_id: r.get(1)?,
                product_id: r.get(2)?,
                title: r.get(3)?,
                options: r.get(4)?,
                sku: r.get(5)?,
                unit_price: r.get(6)?,
                quantity: r.get(7)?,
                returned: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    o.events = c
        .prepare_cached(sql::EVENTS)?
        .query_map([id], |r| {
            Ok(Event {
                at: r.get(0)?,
                actor: r.get(1)?,
                kind: r.get(2)?,
                from_status: r.get(3)?,
                to_status: r.get(4)?,
                note: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    o.proofs = c
        .prepare_cached(sql::PROOFS)?
        .query_map([id], |r| {
            Ok(Proof {
                id: r.get(0)?,
                file: r.get(1)?,
                content_type: r.get(2)?,
                size: r.get(3)?,
                status: r.get(4)?,
                reason: r.get(5)?,
                uploaded_at: r.get(6)?,
                decided_at: r.get(7)?,
                decided_by: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    o.refunds = c
        .prepare_cached(sql::REFUNDS)?
        .query_map([id], |r| {
            Ok(Refund {
                amount: r.get(0)?,
                note: r.get(1)?,
                actor: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(o))
}

pub fn id_by_number(c: &Connection, number: &str) -> Result<Option<i64>> {
    Ok(c.prepare_cached(sql::ID_BY_NUMBER)?
        .query_row([number], |r| r.get(0))
        .optional()?)
}

/// The order `number` if `token` is its secret link token (constant-time check).
pub fn id_by_token(c: &Connection, number: &str, token: &str) -> Result<Option<i64>> {
    let found: Option<(i64, Vec<u8>)> = c
        .prepare_cached(sql::ACCESS_BY_NUMBER)?
        .query_row([number], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(found.and_then(|(id, hash)| crypto::same(&hash, &crypto::token_hash(token)).then_some(id)))
}

/// The order `number` if it belongs to `customer_id`.
pub fn id_for_customer(c: &Connection, customer_id: i64, number: &str) -> Result<Option<i64>> {
    Ok(c.prepare_cached(sql::ID_FOR_CUSTOMER)?
        .query_row(params![number, customer_id], |r| r.get(0))
        .optional()?)
}

/// Writes one timeline entry.
#[allow(clippy::too_many_arguments)]
pub fn event(
    tx: &Tx,
    order_id: i64,
    actor: &str,
    kind: &str,
    from: Option<Status>,
    to: Option<Status>,
    note: &str,
    now: i64,
) -> Result<i64> {
    tx.prepare_cached(sql::INSERT_EVENT)?.execute(params![
        order_id,
        now,
        actor,
        kind,
        from.map(Status::as_str),
        to.map(Status::as_str),
        note
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Records a funnel step (checkout started, order placed, paid, sign-in link sent/used).
pub fn funnel(tx: &Tx, kind: &str, subject: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::INSERT_FUNNEL)?
        .execute(params![kind, subject, now])?;
    Ok(())
}

/// Records a funnel step once per subject (a checkout page reloaded ten times is one
/// started checkout).
pub fn funnel_once(tx: &Tx, kind: &str, subject: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::INSERT_FUNNEL_ONCE)?
        .execute(params![kind, subject, now])?;
    Ok(())
}

/// The reason written on a proof that was still waiting when its order was cancelled
/// (the schema's proof states predate this rule; views show it as "closed").
pub const PROOF_CLOSED: &str = "Closed unchecked: the order was cancelled.";

/// What the owner (or the system) does to an order.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    VerifyProof,
    RejectProof {
        reason: String,
    },
    ConfirmPayment,
    /// A card gateway captured the payment; `note` says which and its payment id.
    GatewayCapture {
        note: String,
    },
    /// Captured after the order was cancelled or expired: the stock is taken again (all
    /// lines or none: a 409 when any is short, and nothing changes).
    LateCapture {
        note: String,
    },
    StartProcessing,
    Ship {
        carrier: String,
        tracking_number: String,
        tracking_url: String,
    },
    Deliver,
    CollectCash,
    Cancel {
        reason: String,
    },
    Expire,
    Refund {
        amount: i64,
        note: String,
    },
    /// The courier returned the undelivered parcel (RTO): every line back in stock.
    ReturnToSender {
        note: String,
    },
    /// (order line id, units back).
    Return {
        lines: Vec<(i64, i64)>,
        note: String,
    },
    /// A transfer reached the account after the order was cancelled unpaid, and the owner
    /// sent it back: `amount` in minor units (at most the order total), `note` says how.
    ReturnTransfer {
        amount: i64,
        note: String,
    },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::VerifyProof => "proof_verified",
            Op::RejectProof { .. } => "proof_rejected",
            Op::ConfirmPayment => "payment_confirmed",
            Op::GatewayCapture { .. } => "payment_captured",
            Op::LateCapture { .. } => "payment_captured_late",
            Op::StartProcessing => "processing",
            Op::Ship { .. } => "shipped",
            Op::Deliver => "delivered",
            Op::CollectCash => "cash_collected",
            Op::Cancel { .. } => "cancelled",
            Op::Expire => "expired",
            Op::Refund { .. } => "refunded",
            Op::Return { .. } => "returned",
            Op::ReturnToSender { .. } => "returned_to_sender",
            Op::ReturnTransfer { .. } => "transfer_returned",
        }
    }
}

fn short_text(what: &str, s: &str, required: bool, max: usize) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Error::bad_request(format!("Please enter {what}.")));
    }
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::bad_request(format!(
            "Please keep {what} under {max} characters."
        )));
    }
    Ok(t.to_string())
}

/// Units of lines of `o` back on the shelf: `lines` is (order line id, units back), each
/// at most what is still out; 0 skips a line. True when anything came back.
fn take_back(
    tx: &Tx,
    o: &Order,
    lines: &[(i64, i64)],
    actor: &Actor,
    note: &str,
    now: i64,
) -> Result<bool> {
    let mut any = false;
    for (line_id, qty) in lines {
        if *qty == 0 {
            continue;
        }
        let line = o
            .lines
            .iter()
            .find(|l| l.id == *line_id)
            .ok_or_else(|| Error::bad_request("That line is not part of this order."))?;
        if *qty < 0 || line.returned + qty > line.quantity {
            return Err(Error::bad_request(format!(
                "At most {} of {} can still come back.",
                line.quantity - line.returned,
                line.title
            )));
        }
        tx.prepare_cached(sql::ADD_RETURNED)?
            .execute(params![qty, line_id])?;
        if let Some(v) = line.variant_id {
            catalog::move_stock(
                tx,
                v,
                *qty,
                "return",
                &actor.name,
                note,
                Some(&o.number),
                now,
            )?;
        }
        any = true;
    }
    Ok(any)
}

/// Applies `op` to order `id`: the state machine decides, then the side effects, the
/// event and the audit entry (staff), all in `tx`; records [`events::Event::OrderChanged`]
/// (the shopper's mail).
pub fn apply(tx: &Tx, id: i64, op: &Op, actor: &Actor, now: i64) -> Result<Order> {
    let o = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such order."))?;
    let action = match op {
        Op::VerifyProof => Action::VerifyProof,
        Op::RejectProof { .. } => Action::RejectProof,
        Op::ConfirmPayment => Action::ConfirmPayment,
        Op::GatewayCapture { .. } => Action::GatewayCapture,
        Op::LateCapture { .. } => Action::LateCapture,
        Op::StartProcessing => Action::StartProcessing,
        Op::Ship { .. } => Action::Ship,
        Op::Deliver => Action::Deliver,
        Op::CollectCash => Action::CollectCash,
        Op::Cancel { .. } => Action::Cancel,
        Op::Expire => Action::Expire,
        Op::Refund { amount, .. } => Action::Refund {
            full: o.refunded + amount >= o.total,
        },
        Op::Return { .. } => Action::AcceptReturn,
        Op::ReturnToSender { .. } => Action::ReturnToSender,
        Op::ReturnTransfer { .. } => Action::ReturnTransfer,
    };
    let (status, payment) = lifecycle::next(o.status, o.payment, o.method, action)?;
    let mut note = String::new();
    match op {
        Op::VerifyProof | Op::RejectProof { .. } => {
            let reason = match op {
                Op::RejectProof { reason } => {
                    short_text("the reason the shopper will read", reason, true, 300)?
                }
                _ => String::new(),
            };
            let decided = if reason.is_empty() {
                "accepted"
            } else {
                "rejected"
            };
            let n = tx
                .prepare_cached(sql::DECIDE_PROOF)?
                .execute(params![decided, reason, now, actor.name, id])?;
            if n == 0 {
                return Err(Error::conflict(
                    "There is no payment proof waiting for a decision on this order.",
                ));
            }
            note = reason;
        }
        Op::Ship {
            carrier,
            tracking_number,
            tracking_url,
        } => {
            let carrier = short_text("the carrier's name", carrier, true, 80)?;
            let number = short_text("the tracking number", tracking_number, false, 80)?;
            let url = tracking_url.trim();
            if !url.is_empty()
                && (!(url.starts_with("https://") || url.starts_with("http://"))
                    || url.len() > 500
                    || url.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                return Err(Error::bad_request(
                    "The tracking link must be a web address starting with https://.",
                ));
            }
            tx.prepare_cached(sql::SET_SHIPMENT)?
                .execute(params![carrier, number, url, id])?;
            note = if number.is_empty() {
                carrier
            } else {
                format!("{carrier} {number}")
            };
        }
        Op::GatewayCapture { note: n } => note = n.clone(),
        Op::LateCapture { note: n } => {
            // All lines or none: check every one first (the writer is ours, so nothing
            // can change between the check and the take).
            for l in &o.lines {
                if let Some(v) = l.variant_id
                    && l.quantity > 0
                {
                    let stock: i64 = tx
                        .prepare_cached(sql::VARIANT_STOCK)?
                        .query_row([v], |r| r.get(0))
                        .optional()?
                        .unwrap_or(0);
                    if stock < l.quantity {
                        return Err(Error::conflict(format!(
                            "{} is no longer in stock for this order.",
                            l.title
                        )));
                    }
                } else {
                    return Err(Error::conflict("An item of this order is no longer sold."));
                }
            }
            for l in &o.lines {
                if let Some(v) = l.variant_id {
                    catalog::move_stock(
                        tx,
                        v,
                        -l.quantity,
                        "sale",
                        &actor.name,
                        "",
                        Some(&o.number),
                        now,
                    )?;
                }
            }
            note = n.clone();
        }
        Op::Cancel { reason } => {
            note = short_text("the reason", reason, false, 300)?;
            // A proof still waiting is closed with the order: no decision can follow (the
            // table refuses verify/reject on a cancelled order), and its history says why.
            tx.prepare_cached(sql::DECIDE_PROOF)?.execute(params![
                "rejected",
                PROOF_CLOSED,
                now,
                actor.name,
                id
            ])?;
        }
        Op::Refund { amount, note: n } => {
            let left = o.total - o.refunded;
            if *amount <= 0 || *amount > left {
                return Err(Error::bad_request(format!(
                    "A refund must be more than zero and at most what is left to refund ({left} in minor units)."
                )));
            }
            let n = short_text("the note", n, false, 300)?;
            tx.prepare_cached(sql::INSERT_REFUND)?
                .execute(params![id, amount, n, actor.name, now])?;
            tx.prepare_cached(sql::ADD_REFUNDED)?
                .execute(params![amount, id])?;
            note = n;
        }
        Op::ReturnTransfer { amount, note: n } => {
            // The money came in and went out again: bounded by what the order asked for
            // (a larger transfer is not this order's money to record).
            if *amount <= 0 || *amount > o.total {
                return Err(Error::bad_request(format!(
                    "The returned transfer must be more than zero and at most the order total ({} in minor units).",
                    o.total
                )));
            }
            let n = short_text("a note on how the money was sent back", n, true, 300)?;
            tx.prepare_cached(sql::INSERT_REFUND)?
                .execute(params![id, amount, n, actor.name, now])?;
            tx.prepare_cached(sql::ADD_REFUNDED)?
                .execute(params![amount, id])?;
            // Two events, so the timeline says both halves: it arrived, it was sent back.
            event(
                tx,
                id,
                &actor.name,
                "transfer_received",
                Some(o.status),
                Some(o.status),
                &n,
                now,
            )?;
            note = n;
        }
        Op::ReturnToSender { note: n } => {
            let n = short_text("the note", n, false, 300)?;
            let all: Vec<(i64, i64)> = o
                .lines
                .iter()
                .map(|l| (l.id, l.quantity - l.returned))
                .collect();
            take_back(tx, &o, &all, actor, &n, now)?;
            note = n;
        }
        Op::Return { lines, note: n } => {
            let n = short_text("the note", n, false, 300)?;
            let any = take_back(tx, &o, lines, actor, &n, now)?;
            if !any {
                return Err(Error::bad_request(
                    "Choose at least one item that came back.",
                ));
            }
            note = n;
        }
        _ => {}
    }
    if lifecycle::restocks(action) {
        for l in &o.lines {
            let back = l.quantity - l.returned;
            if let Some(v) = l.variant_id
                && back > 0
            {
                catalog::move_stock(tx, v, back, "cancel", &actor.name, "", Some(&o.number), now)?;
            }
        }
        coupons::release(tx, id, now)?;
    }
    let newly_paid = o.payment == Payment::Unpaid && payment == Payment::Paid;
    if newly_paid {
        funnel(tx, "order_paid", &o.number, now)?;
    }
    let pay_by = if status == Status::PendingPayment {
        o.pay_by
    } else {
        None
    };
    tx.prepare_cached(sql::SET_STATE)?.execute(params![
        status.as_str(),
        payment.as_str(),
        pay_by,
        newly_paid.then_some(now),
        now,
        id
    ])?;
    let changed = (status != o.status).then_some(status);
    let ev = event(
        tx,
        id,
        &actor.name,
        op.name(),
        Some(o.status),
        changed.or(Some(status)),
        &note,
        now,
    )?;
    if actor.is_staff() {
        let summary = format!(
            "{} / {} → {} / {}{}",
            o.status.as_str(),
            o.payment.as_str(),
            status.as_str(),
            payment.as_str(),
            if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            }
        );
        audit::record(tx, actor, op.name(), "order", &o.number, &summary, now)?;
    }
    let after = get(tx, id)?.ok_or_else(|| Error::internal("order vanished"))?;
    tx.record(events::Event::OrderChanged {
        order: after.clone(),
        op: op.clone(),
        note,
        event_id: ev,
    });
    Ok(after)
}

/// A stored proof file (see `proofs::store`) attached to order `id`: the order moves to
/// awaiting verification, an earlier undecided proof is superseded (kept as history);
/// records [`events::Event::ProofUploaded`] (the owner's mail).
pub fn attach_proof(
    tx: &Tx,
    id: i64,
    file: &crate::shop::orders::proofs::Stored,
    now: i64,
) -> Result<Order> {
    let o = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such order."))?;
    let (status, _) = lifecycle::next(o.status, o.payment, o.method, Action::UploadProof)?;
    tx.prepare_cached(sql::SUPERSEDE_PROOFS)?.execute([id])?;
    tx.prepare_cached(sql::INSERT_PROOF)?.execute(params![
        id,
        file.name,
        file.content_type,
        file.size,
        file.sha256,
        now
    ])?;
    tx.prepare_cached(sql::SET_STATE)?.execute(params![
        status.as_str(),
        o.payment.as_str(),
        o.pay_by,
        None::<i64>,
        now,
        id
    ])?;
    event(
        tx,
        id,
        "shopper",
        "proof_uploaded",
        Some(o.status),
        Some(status),
        "",
        now,
    )?;
    let after = get(tx, id)?.ok_or_else(|| Error::internal("order vanished"))?;
    tx.record(events::Event::ProofUploaded {
        order: after.clone(),
    });
    Ok(after)
}

/// The payment-window sweep, run by a timer (and by tests with a chosen `now`): sends
/// the reminder to unpaid bank-transfer orders past `reminder_after_hours`, and expires
/// those past `pay_by` (cancelled, stock and coupon back, shopper mailed). Returns
/// (reminded, expired).
pub fn sweep(tx: &Tx, cfg: &Config, now: i64) -> Result<(usize, usize)> {
    let due: Vec<i64> = tx
        .prepare_cached(sql::EXPIRE_DUE)?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &due {
        apply(tx, *id, &Op::Expire, &Actor::system(), now)?;
    }
    let remind_before = now - cfg.payments.reminder_after_hours * 3600;
    let remind: Vec<i64> = tx
        .prepare_cached(sql::REMIND_DUE)?
        .query_map(params![remind_before, now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &remind {
        if let Some(o) = get(tx, *id)? {
            tx.prepare_cached(sql::MARK_REMINDED)?
                .execute(params![now, id])?;
            event(tx, *id, "system", "reminder_sent", None, None, "", now)?;
            tx.record(events::Event::PaymentReminderDue { order: o });
        }
    }
    Ok((remind.len(), due.len()))
}

/// Filters of the admin order list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub status: Option<String>,
    pub method: Option<String>,
    pub awaiting_verification: bool,
    pub unpaid_cod: bool,
    /// Order number, email or phone (substring).
    pub q: String,
    /// Show orders with id below this (cursor pagination, newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A row of the admin list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub number: String,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub status: String,
    pub payment_status: String,
    pub payment_method: String,
    pub total: i64,
    pub items: i64,
    pub created_at: i64,
}

pub fn list(c: &Connection, f: &Filter) -> Result<Vec<Row>> {
    let mut q = String::from(sql::LIST_HEAD);
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(s) = &f.status {
        args.push(s.clone().into());
        q.push_str(&format!(" AND o.status = ?{}", args.len()));
    }
    if let Some(m) = &f.method {
        args.push(m.clone().into());
        q.push_str(&format!(" AND o.payment_method = ?{}", args.len()));
    }
    if f.awaiting_verification {
        q.push_str(" AND o.status = 'awaiting_verification'");
    }
    if f.unpaid_cod {
        q.push_str(" AND o.payment_method = 'cod' AND o.payment_status = 'unpaid' AND o.status NOT IN ('cancelled', 'returned')");
    }
    let needle = f.q.trim();
    if !needle.is_empty() {
        let like = format!(
            "%{}%",
            needle
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        args.push(like.into());
        let n = args.len();
        q.push_str(&format!(
            " AND (o.number LIKE ?{n} ESCAPE '\\' OR o.email LIKE ?{n} ESCAPE '\\' OR o.phone LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(b) = f.before {
        args.push(b.into());
        q.push_str(&format!(" AND o.id < ?{}", args.len()));
    }
    args.push(f.limit.clamp(1, 200).into());
    q.push_str(&format!(" ORDER BY o.id DESC LIMIT ?{}", args.len()));
    let mut st = c.prepare(&q)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(Row {
            id: r.get(0)?,
            number: r.get(1)?,
            email: r.get(2)?,
            name: r.get(3)?,
            phone: r.get(4)?,
            status: r.get(5)?,
            payment_status: r.get(6)?,
            payment_method: r.get(7)?,
            total: r.get(8)?,
            items: r.get(9)?,
            created_at: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One row of a customer's order history.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub number: String,
    pub status: String,
    pub payment_status: String,
    pub payment_method: String,
    pub currency: String,
    pub total: i64,
    pub items: i64,
    pub created_at: i64,
    /// Its shipment's state (`shipping::State`), once it has one.
    pub shipment: Option<String>,
}

/// Links every guest order placed with `email` to `customer_id`; returns how many. Call it
/// in the transaction that accepts the proof of that email.
pub fn link_guest_orders(tx: &Tx, customer_id: i64, email: &str) -> Result<usize> {
    Ok(tx
        .prepare_cached(sql::LINK_GUEST)?
        .execute(params![customer_id, email])?)
}

/// The customer's orders, newest first.
pub fn for_customer(c: &Connection, customer_id: i64, limit: i64) -> Result<Vec<Summary>> {
    let mut st = c.prepare_cached(sql::FOR_CUSTOMER)?;
    let rows = st.query_map(params![customer_id, limit], |r| {
        Ok(Summary {
            number: r.get(0)?,
            status: r.get(1)?,
            payment_status: r.get(2)?,
            payment_method: r.get(3)?,
            currency: r.get(4)?,
            total: r.get(5)?,
            items: r.get(6)?,
            created_at: r.get(7)?,
            shipment: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The file of proof `proof_id` of order `order_id`: (file name, content type, order number).
pub fn proof_file(
    c: &Connection,
    order_id: i64,
    proof_id: i64,
) -> Result<Option<(String, String, String)>> {
    Ok(c.prepare_cached(sql::PROOF_FILE)?
        .query_row(params![proof_id, order_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

/// How to pay, for a bank-transfer order (the same words as the order page).
/// The payment methods this store offers now (the admin filters by these only).
pub fn methods_offered(cfg: &Config) -> Vec<lifecycle::Method> {
    use lifecycle::Method;
    let p = &cfg.payments;
    Method::ALL
        .into_iter()
        .filter(|m| match m {
            Method::Cod => p.cod,
            Method::BankTransfer => p.bank_transfer,
            Method::Razorpay => p.razorpay.enabled,
            Method::Stripe => p.stripe.enabled,
        })
        .collect()
}

pub fn bank_instructions(cfg: &Config, o: &Order) -> Vec<String> {
    let p = &cfg.payments;
    let m = crate::money::Money::of(&cfg.store);
    let mut v = vec![format!(
        "Please transfer {} to the account below and upload a screenshot of the transfer on your order page.",
        m.format(o.total)
    )];
    v.push(format!("Account name: {}", p.bank_account_name));
    v.push(format!("Account number: {}", p.bank_account_number));
    if !p.bank_name.is_empty() {
        v.push(format!("Bank: {}", p.bank_name));
    }
    if !p.bank_ifsc.is_empty() {
        v.push(format!("IFSC: {}", p.bank_ifsc));
    }
    if !p.bank_iban.is_empty() {
        v.push(format!("IBAN: {}", p.bank_iban));
    }
    v.push(format!("Reference: {}", o.number));
    if !p.bank_instructions.is_empty() {
        v.push(p.bank_instructions.clone());
    }
    v
}

pub mod sql {
    //! SQL of orders.
    pub const LINK_GUEST: &str =
        "UPDATE orders SET customer_id = ?1 WHERE email = ?2 AND customer_id IS NULL";
    pub const FOR_CUSTOMER: &str = "SELECT o.number, o.status, o.payment_status, o.payment_method, o.currency, o.total, (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_id = o.id), o.created_at, (SELECT s.state FROM shipments s WHERE s.order_id = o.id) FROM orders o WHERE o.customer_id = ?1 ORDER BY o.created_at DESC, o.id DESC LIMIT ?2";
    pub const GET: &str = "SELECT id, number, idempotency_key, customer_id, email, name, phone, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, shipping_zone, currency, status, payment_status, payment_method, subtotal, discount, shipping_fee, cod_fee, total, refunded, coupon_code, note, carrier, tracking_number, tracking_url, pay_by, paid_at, created_at, updated_at FROM orders WHERE id = ?1";
    pub const LINES: &str = "SELECT id, variant_id, product_id, title, options, sku, unit_price, quantity, returned FROM order_lines WHERE order_id = ?1 ORDER BY id";
    pub const EVENTS: &str = "SELECT at, actor, kind, from_status, to_status, note FROM order_events WHERE order_id = ?1 ORDER BY at, id";
    pub const PROOFS: &str = "SELECT id, file, content_type, size, status, reason, uploaded_at, decided_at, decided_by FROM payment_proofs WHERE order_id = ?1 ORDER BY uploaded_at DESC, id DESC";
    pub const REFUNDS: &str =
        "SELECT amount, note, actor, created_at FROM refunds WHERE order_id = ?1 ORDER BY id";
    pub const ID_BY_NUMBER: &str = "SELECT id FROM orders WHERE number = ?1";
    pub const ACCESS_BY_NUMBER: &str = "SELECT id, access_hash FROM orders WHERE number = ?1";
    pub const ID_FOR_CUSTOMER: &str =
        "SELECT id FROM orders WHERE number = ?1 AND customer_id = ?2";
    pub const INSERT_EVENT: &str = "INSERT INTO order_events (order_id, at, actor, kind, from_status, to_status, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    pub const INSERT_FUNNEL: &str =
        "INSERT INTO funnel_events (kind, subject, at) VALUES (?1, ?2, ?3)";
    pub const INSERT_FUNNEL_ONCE: &str = "INSERT INTO funnel_events (kind, subject, at) SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM funnel_events WHERE kind = ?1 AND subject = ?2)";
    pub const DECIDE_PROOF: &str = "UPDATE payment_proofs SET status = ?1, reason = ?2, decided_at = ?3, decided_by = ?4 WHERE order_id = ?5 AND status = 'pending'";
    pub const SET_SHIPMENT: &str =
        "UPDATE orders SET carrier = ?1, tracking_number = ?2, tracking_url = ?3 WHERE id = ?4";
    pub const VARIANT_STOCK: &str = "SELECT stock FROM variants WHERE id = ?1";
    pub const INSERT_REFUND: &str = "INSERT INTO refunds (order_id, amount, note, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    pub const ADD_REFUNDED: &str = "UPDATE orders SET refunded = refunded + ?1 WHERE id = ?2";
    pub const ADD_RETURNED: &str = "UPDATE order_lines SET returned = returned + ?1 WHERE id = ?2";
    pub const SET_STATE: &str = "UPDATE orders SET status = ?1, payment_status = ?2, pay_by = ?3, paid_at = coalesce(?4, paid_at), updated_at = ?5 WHERE id = ?6";
    pub const SUPERSEDE_PROOFS: &str = "UPDATE payment_proofs SET status = 'superseded' WHERE order_id = ?1 AND status = 'pending'";
    pub const INSERT_PROOF: &str = "INSERT INTO payment_proofs (order_id, file, content_type, size, sha256, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    pub const EXPIRE_DUE: &str = "SELECT id FROM orders WHERE pay_by IS NOT NULL AND pay_by <= ?1 AND status = 'pending_payment' ORDER BY pay_by";
    pub const REMIND_DUE: &str = "SELECT id FROM orders WHERE pay_by IS NOT NULL AND pay_by > ?2 AND status = 'pending_payment' AND payment_method = 'bank_transfer' AND reminded_at IS NULL AND created_at <= ?1";
    pub const MARK_REMINDED: &str = "UPDATE orders SET reminded_at = ?1 WHERE id = ?2";
    pub const PROOF_FILE: &str = "SELECT p.file, p.content_type, o.number FROM payment_proofs p JOIN orders o ON o.id = p.order_id WHERE p.id = ?1 AND p.order_id = ?2";
    pub const LIST_HEAD: &str = "SELECT o.id, o.number, o.email, o.name, o.phone, o.status, o.payment_status, o.payment_method, o.total, (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_id = o.id), o.created_at FROM orders o WHERE 1 = 1";
    pub const ALL: &[&str] = &[
        LINK_GUEST,
        FOR_CUSTOMER,
        GET,
        LINES,
        EVENTS,
        PROOFS,
        REFUNDS,
        ID_BY_NUMBER,
        ACCESS_BY_NUMBER,
        ID_FOR_CUSTOMER,
        INSERT_EVENT,
        INSERT_FUNNEL,
        INSERT_FUNNEL_ONCE,
        DECIDE_PROOF,
        SET_SHIPMENT,
        VARIANT_STOCK,
        INSERT_REFUND,
        ADD_REFUNDED,
        ADD_RETURNED,
        SET_STATE,
        SUPERSEDE_PROOFS,
        INSERT_PROOF,
        EXPIRE_DUE,
        REMIND_DUE,
        MARK_REMINDED,
        PROOF_FILE,
        LIST_HEAD,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, Sync};

    fn guest_order(tx: &Tx, n: i64, email: &str, customer: Option<i64>) {
        tx.execute(
            "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, customer_id, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES (?1, randomblob(32), ?1, x'00', ?2, ?3, 'A', '9876543210', 'l1', 'c', '1', 'IN', 'confirmed', 'cod', 'INR', 100, 100, ?4, ?4)",
            params![format!("BQ-{n}"), customer, email, n],
        )
        .unwrap();
    }

    #[test]
    fn proven_email_links_only_its_own_guest_orders() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), Sync::Normal, 2).unwrap();
        let (me, other) = db
            .write_tx(|tx| {
                let me = crate::shop::accounts::find_or_create(tx, "me@example.com", 1)?;
                let other = crate::shop::accounts::find_or_create(tx, "other@example.com", 1)?;
                guest_order(tx, 1, "me@example.com", None);
                guest_order(tx, 2, "ME@example.com", None);
                guest_order(tx, 3, "other@example.com", None);
                // Already someone's (placed while signed in): never moved.
                guest_order(tx, 4, "me@example.com", Some(other.id));
                Ok((me.id, other.id))
            })
            .unwrap();
        let c = db.read().unwrap();
        assert!(
            for_customer(&c, me, 50).unwrap().is_empty(),
            "not before proof"
        );
        drop(c);
        let n = db
            .write_tx(|tx| link_guest_orders(tx, me, "me@example.com"))
            .unwrap();
        assert_eq!(n, 2);
        let c = db.read().unwrap();
        let mine: Vec<String> = for_customer(&c, me, 50)
            .unwrap()
            .into_iter()
            .map(|s| s.number)
            .collect();
        assert_eq!(mine, vec!["BQ-2", "BQ-1"]);
        let theirs: Vec<String> = for_customer(&c, other, 50)
            .unwrap()
            .into_iter()
            .map(|s| s.number)
            .collect();
        assert_eq!(theirs, vec!["BQ-4"]);
        drop(c);
        // Linking again is a no-op.
        let again = db
            .write_tx(|tx| link_guest_orders(tx, me, "me@example.com"))
            .unwrap();
        assert_eq!(again, 0);
    }
}
