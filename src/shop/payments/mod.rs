//! Card payments through a gateway (Razorpay, Stripe): the attempts (`gateway_payments`),
//! the log of webhook deliveries (`gateway_events`), and the one capture every path
//! converges on. What each gateway's wire says is in `razorpay.rs` and `stripe.rs`; here
//! it is already [`Happened`], in our terms.
//!
//! Exactly one capture per order: [`capture`] runs inside the single writer's transaction
//! and starts by reading the attempt's state, so the webhook, the shopper's return and
//! the owner's re-check — in any order, at the same instant, twenty times — find it
//! `captured` after the first and change nothing. A delivery is acted on only the first
//! time its event id arrives with a good signature ([`receive`]); repeats are logged as
//! duplicates. Nothing ever moves an attempt backwards: a failure or expiry reported
//! after a capture is logged and ignored.

pub mod razorpay;
pub mod refunds;
pub mod sandbox;
pub mod stripe;

use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use crate::shop::audit::Actor;
use crate::shop::orders::lifecycle::{Method, Payment, Status};
use crate::shop::orders::{self, Op};
use rusqlite::{Connection, OptionalExtension, Row, params};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gateway {
    Razorpay,
    Stripe,
}

impl Gateway {
    pub const ALL: [Gateway; 2] = [Gateway::Razorpay, Gateway::Stripe];
    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::Razorpay => "razorpay",
            Gateway::Stripe => "stripe",
        }
    }
    pub fn parse(s: &str) -> Option<Gateway> {
        Gateway::ALL.into_iter().find(|g| g.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Gateway::Razorpay => "Razorpay",
            Gateway::Stripe => "Stripe",
        }
    }
    /// Its store.toml section.
    pub fn section(self) -> &'static str {
        match self {
            Gateway::Razorpay => "payments.razorpay",
            Gateway::Stripe => "payments.stripe",
        }
    }
    /// The gateway a payment method goes through (None: COD, bank transfer).
    pub fn of(m: Method) -> Option<Gateway> {
        match m {
            Method::Razorpay => Some(Gateway::Razorpay),
            Method::Stripe => Some(Gateway::Stripe),
            _ => None,
        }
    }
    pub fn method(self) -> Method {
        match self {
            Gateway::Razorpay => Method::Razorpay,
            Gateway::Stripe => Method::Stripe,
        }
    }
}

/// The gateway's settings in `cfg`.
pub fn config(cfg: &crate::config::Config, g: Gateway) -> &crate::config::GatewayConfig {
    match g {
        Gateway::Razorpay => &cfg.payments.razorpay,
        Gateway::Stripe => &cfg.payments.stripe,
    }
}

/// Why gateway `g` cannot be offered to shoppers now (None: it can), in the owner's
/// words for the settings page. A disabled gateway is simply not offered.
pub fn offer_problem(cfg: &crate::config::Config, g: Gateway) -> Option<String> {
    let c = config(cfg, g);
    if !c.enabled {
        return Some(format!("{} is turned off (enabled = false).", g.label()));
    }
    match c.mode.as_str() {
        "sandbox" if !local_url(&cfg.store) => Some(format!(
            "{} is in sandbox mode, which pretends to take payments: it is offered only while [store] url is a local address, so a public store never takes pretend money. Set mode = \"test\" or \"live\" with your keys.",
            g.label()
        )),
        "sandbox" => None,
        mode => {
            let mut missing = Vec::new();
            if g == Gateway::Razorpay && c.key_id.trim().is_empty() {
                missing.push("key_id");
            }
            if c.api_secret.expose().is_empty() {
                missing.push(match g {
                    Gateway::Razorpay => "key_secret",
                    Gateway::Stripe => "secret_key",
                });
            }
            if c.webhook_secret.expose().is_empty() {
                missing.push("webhook_secret");
            }
            if !missing.is_empty() {
                return Some(format!(
                    "{} in {mode} mode needs {} (in [{}], a file, or the environment).",
                    g.label(),
                    missing.join(", "),
                    g.section()
                ));
            }
            // Test keys in live mode (or the reverse) would take no money, or real money
            // when the owner thinks it is a test.
            let key = match g {
                Gateway::Razorpay => c.key_id.trim().to_string(),
                Gateway::Stripe => c.api_secret.expose().to_string(),
            };
            let (test, live) = match g {
                Gateway::Razorpay => ("rzp_test_", "rzp_live_"),
                Gateway::Stripe => ("_test_", "_live_"),
            };
            let is_test = key.contains(test);
            let is_live = key.contains(live);
            match mode {
                "live" if is_test => Some(format!(
                    "{} is in live mode but its key is a test key: set mode = \"test\", or put in the live key.",
                    g.label()
                )),
                "test" if is_live => Some(format!(
                    "{} is in test mode but its key is a live key (real money): set mode = \"live\", or put in the test key.",
                    g.label()
                )),
                _ => None,
            }
        }
    }
}

/// Whether the store's address is one only this machine or a test network reaches.
fn local_url(store: &crate::config::StoreConfig) -> bool {
    let host = store.host();
    store.url.is_empty()
        || store.on_this_machine()
        || host.ends_with(".localhost")
        || host.ends_with(".test")
        || host.ends_with(".example")
}

/// What a gateway told us, in our terms. `remote_id` is the gateway object we created
/// for the attempt: a Razorpay order id or a Stripe Checkout Session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    Captured {
        remote_id: String,
        payment_id: String,
        amount: i64,
        currency: String,
    },
    /// One try failed; the shopper may try again on the same attempt.
    Failed { remote_id: String, reason: String },
    /// The attempt can no longer be paid.
    Expired { remote_id: String },
    /// A refund of payment `payment_id` went through. `of`: the Razorpay order the
    /// payment belongs to, when the event says.
    Refunded {
        payment_id: String,
        refund_id: String,
        amount: i64,
        of: Option<String>,
    },
    /// Payment `payment_id` is now refunded by `total` in all (Stripe's charge). `of`:
    /// our order number from the charge's metadata, when there.
    RefundedTotal {
        payment_id: String,
        total: i64,
        of: Option<String>,
    },
    /// An event type the store does not act on.
    Ignored,
}

/// One verified webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event_id: String,
    pub event_type: String,
    pub happened: Happened,
}

/// One attempt to take an order's money through a gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: i64,
    pub order_id: i64,
    pub gateway: Gateway,
    pub attempt: i64,
    pub remote_id: Option<String>,
    pub checkout_url: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub payment_id: Option<String>,
    pub captured_amount: Option<i64>,
    pub captured_currency: Option<String>,
    pub captured_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Attempt {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Attempt> {
        let g: String = r.get(2)?;
        Ok(Attempt {
            id: r.get(0)?,
            order_id: r.get(1)?,
            // The CHECK constraint admits only the two names.
            gateway: Gateway::parse(&g).unwrap_or(Gateway::Razorpay),
            attempt: r.get(3)?,
            remote_id: r.get(4)?,
            checkout_url: r.get(5)?,
            amount: r.get(6)?,
            currency: r.get(7)?,
            status: r.get(8)?,
            payment_id: r.get(9)?,
            captured_amount: r.get(10)?,
            captured_currency: r.get(11)?,
            captured_by: r.get(12)?,
            last_error: r.get(13)?,
            created_at: r.get(14)?,
            updated_at: r.get(15)?,
        })
    }
    /// Captured (or captured with a problem the owner must look at): nothing more to do.
    pub fn settled(&self) -> bool {
        matches!(self.status.as_str(), "captured" | "mismatch" | "late")
    }
}

/// Starts a new attempt for order `order_id` (status `creating`: the gateway object is
/// made afterwards, outside the transaction). Returns its id.
pub fn start(
    tx: &Tx,
    order_id: i64,
    gateway: Gateway,
    amount: i64,
    currency: &str,
    now: i64,
) -> Result<i64> {
    let n: i64 = tx
        .prepare_cached(sql::NEXT_ATTEMPT)?
        .query_row([order_id], |r| r.get(0))?;
    tx.prepare_cached(sql::INSERT_ATTEMPT)?.execute(params![
        order_id,
        gateway.as_str(),
        n,
        amount,
        currency,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Records the gateway object made for attempt `id` (and its hosted page, for Stripe).
pub fn opened(
    tx: &Tx,
    id: i64,
    remote_id: &str,
    checkout_url: Option<&str>,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(sql::OPENED)?
        .execute(params![remote_id, checkout_url, now, id])?;
    Ok(())
}

pub fn by_remote(c: &Connection, gateway: Gateway, remote_id: &str) -> Result<Option<Attempt>> {
    Ok(c.prepare_cached(sql::BY_REMOTE)?
        .query_row(params![gateway.as_str(), remote_id], Attempt::from_row)
        .optional()?)
}

pub fn of_order(c: &Connection, order_id: i64) -> Result<Vec<Attempt>> {
    let rows = c
        .prepare_cached(sql::OF_ORDER)?
        .query_map([order_id], Attempt::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// What [`capture`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    /// The order is paid now.
    Paid { order_id: i64 },
    /// An earlier call captured it already: nothing changed.
    Already { order_id: i64 },
    /// The gateway took another amount or currency than the order's: flagged for the
    /// owner, not paid.
    Mismatch { order_id: i64 },
    /// The order had been cancelled or expired; its stock was there, so it is paid and
    /// confirmed after all.
    Revived { order_id: i64 },
    /// The order had been cancelled or expired and its stock is gone: the money must go
    /// back (the caller queues the refund).
    Late { order_id: i64 },
    /// No attempt of ours has this gateway id.
    Unknown,
}

impl Captured {
    pub fn order_id(&self) -> Option<i64> {
        match self {
            Captured::Paid { order_id }
            | Captured::Already { order_id }
            | Captured::Mismatch { order_id }
            | Captured::Revived { order_id }
            | Captured::Late { order_id } => Some(*order_id),
            Captured::Unknown => None,
        }
    }
    /// For the delivery log and the re-check answer.
    pub fn describe(&self) -> &'static str {
        match self {
            Captured::Paid { .. } => "captured: order paid",
            Captured::Already { .. } => "already captured: nothing changed",
            Captured::Mismatch { .. } => {
                "captured amount or currency differs from the order: flagged, not paid"
            }
            Captured::Revived { .. } => {
                "captured after the order was closed: stock taken again, order paid"
            }
            Captured::Late { .. } => {
                "captured after the order was closed and its stock is gone: refund queued"
            }
            Captured::Unknown => "no payment of this store has that id",
        }
    }
}

/// A capture as the gateway reported it.
#[derive(Debug, Clone, Copy)]
pub struct Capture<'a> {
    /// Our attempt's gateway object (Razorpay order / Stripe session).
    pub remote_id: &'a str,
    pub payment_id: &'a str,
    pub amount: i64,
    pub currency: &'a str,
}

/// The one capture: what the webhook, the shopper's return and the owner's re-check all
/// call. `by` names who reported it (for the timeline: "razorpay webhook", "stripe
/// return"...). Idempotent: the second call for an attempt is [`Captured::Already`].
pub fn capture(tx: &Tx, gateway: Gateway, c: &Capture, by: &str, now: i64) -> Result<Captured> {
    let Capture {
        remote_id,
        payment_id,
        amount,
        currency,
    } = *c;
    let Some(a) = by_remote(tx, gateway, remote_id)? else {
        return Ok(Captured::Unknown);
    };
    let order_id = a.order_id;
    if a.settled() {
        return Ok(Captured::Already { order_id });
    }
    let set = |status: &str| -> Result<()> {
        tx.prepare_cached(sql::SETTLE)?
            .execute(params![status, payment_id, amount, currency, by, now, a.id])?;
        Ok(())
    };
    let label = gateway.label();
    if amount != a.amount || !currency.eq_ignore_ascii_case(&a.currency) {
        set("mismatch")?;
        note(
            tx,
            order_id,
            by,
            "payment_mismatch",
            &format!(
                "{label} captured {amount} {currency} (minor units) for this order of {} {}: not marked paid; check the payment in the {label} dashboard and refund or confirm it by hand.",
                a.amount, a.currency
            ),
            now,
        )?;
        return Ok(Captured::Mismatch { order_id });
    }
    let o =
        orders::get(tx, order_id)?.ok_or_else(|| Error::not_found("There is no such order."))?;
    let actor = Actor {
        id: None,
        name: by.to_string(),
    };
    let what = format!("{label} payment {payment_id}");
    match (o.status, o.payment) {
        (Status::PendingPayment, Payment::Unpaid) => {
            orders::apply(
                tx,
                order_id,
                &Op::GatewayCapture { note: what },
                &actor,
                now,
            )?;
            set("captured")?;
            paid_for_bag(tx, order_id)?;
            Ok(Captured::Paid { order_id })
        }
        (Status::Cancelled, Payment::Unpaid) => {
            match orders::apply(tx, order_id, &Op::LateCapture { note: what }, &actor, now) {
                Ok(_) => {
                    set("captured")?;
                    paid_for_bag(tx, order_id)?;
                    Ok(Captured::Revived { order_id })
                }
                Err(e) if e.kind == Kind::Conflict => {
                    set("late")?;
                    tx.record(crate::shop::events::Event::LatePaymentRefunded {
                        order: o.clone(),
                        amount,
                    });
                    note(
                        tx,
                        order_id,
                        by,
                        "payment_late",
                        &format!(
                            "{label} payment {payment_id} arrived after the order was closed and its stock is gone ({}): it is refunded through {label}.",
                            e.public
                        ),
                        now,
                    )?;
                    Ok(Captured::Late { order_id })
                }
                Err(e) => Err(e),
            }
        }
        _ => {
            // Paid another way already (the owner confirmed it by hand): the money came
            // twice; the owner decides.
            set("mismatch")?;
            note(
                tx,
                order_id,
                by,
                "payment_mismatch",
                &format!(
                    "{label} captured payment {payment_id}, but the order was already {} / {}: check it and refund one of the payments.",
                    o.status.as_str(),
                    o.payment.as_str()
                ),
                now,
            )?;
            Ok(Captured::Mismatch { order_id })
        }
    }
}

/// The bag a card order came from is paid for: it empties (a card order keeps it until
/// then, so a shopper who gave up on the payment page still has it).
fn paid_for_bag(tx: &Tx, order_id: i64) -> Result<()> {
    let cart: Option<i64> = tx
        .prepare_cached(sql::CART_OF_ORDER)?
        .query_row([order_id], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(id) = cart {
        crate::shop::cart::clear(tx, id)?;
        tx.prepare_cached(sql::FORGET_CART)?.execute([order_id])?;
    }
    Ok(())
}

/// The attempt a shopper pays on now: the latest one of the order.
pub fn current(c: &Connection, order_id: i64) -> Result<Option<Attempt>> {
    Ok(of_order(c, order_id)?.pop())
}

/// Records why making the gateway object of attempt `id` failed (the pay page and the
/// owner read it); the attempt stays `creating`, so trying again makes it.
pub fn open_failed(tx: &Tx, id: i64, why: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::OPEN_FAILED)?
        .execute(params![why, now, id])?;
    Ok(())
}

/// A failed try or an expired attempt: recorded on the attempt (unless it is settled:
/// nothing moves backwards) and on the order's timeline. The order keeps waiting; the
/// payment window's sweeper closes it if no payment comes.
pub fn not_paid(
    tx: &Tx,
    gateway: Gateway,
    remote_id: &str,
    expired: bool,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<(String, Option<i64>)> {
    let Some(a) = by_remote(tx, gateway, remote_id)? else {
        return Ok(("no payment of this store has that id".into(), None));
    };
    if a.settled() {
        return Ok((
            format!("ignored: the payment was already {}", a.status),
            Some(a.order_id),
        ));
    }
    let status = if expired { "expired" } else { "open" };
    tx.prepare_cached(sql::NOT_PAID)?
        .execute(params![status, reason, now, a.id])?;
    let what = if expired {
        format!("{} payment page expired", gateway.label())
    } else {
        format!("{} payment attempt failed: {reason}", gateway.label())
    };
    note(tx, a.order_id, by, "payment_failed", &what, now)?;
    Ok((what, Some(a.order_id)))
}

/// A step on the order's timeline that changes no state (the gateway's word).
fn note(tx: &Tx, order_id: i64, by: &str, kind: &str, text: &str, now: i64) -> Result<()> {
    orders::event(tx, order_id, by, kind, None, None, text, now).map(|_| ())
}

/// Largest raw body kept in the delivery log.
pub const MAX_LOGGED_BODY: usize = 64 * 1024;
/// Deliveries with a bad signature kept (the oldest beyond are pruned).
pub const KEEP_REJECTED: i64 = 1000;

/// Logs a delivery whose signature failed; nothing else is written.
pub fn log_rejected(tx: &Tx, gateway: Gateway, why: &str, body: &[u8], now: i64) -> Result<()> {
    tx.prepare_cached(sql::INSERT_EVENT)?.execute(params![
        gateway.as_str(),
        Option::<&str>::None,
        "",
        now,
        0,
        0,
        format!("rejected: {why}"),
        Option::<i64>::None,
        logged_body(body),
        0
    ])?;
    tx.prepare_cached(sql::PRUNE_REJECTED)?
        .execute(params![gateway.as_str(), KEEP_REJECTED])?;
    Ok(())
}

fn logged_body(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_LOGGED_BODY)];
    String::from_utf8_lossy(cut).into_owned()
}

/// What [`receive`] did with a signed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub duplicate: bool,
    pub outcome: String,
    pub order_id: Option<i64>,
    /// A capture that came too late to keep: the caller queues the gateway refund.
    pub refund_due: Option<(i64, String, i64)>,
    /// A refund that overtook its capture: logged, not handled; ask for it again.
    pub deferred: bool,
}

/// Logs a verified delivery and, the first time its event id arrives, acts on it.
pub fn receive(tx: &Tx, gateway: Gateway, d: &Delivery, body: &[u8], now: i64) -> Result<Received> {
    let first: Option<(i64, Option<i64>)> = tx
        .prepare_cached(sql::FIRST_DELIVERY)?
        .query_row(params![gateway.as_str(), d.event_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let by = format!("{} webhook", gateway.as_str());
    let (duplicate, outcome, order_id, refund_due) = match first {
        Some((first_id, order_id)) => (
            true,
            format!("duplicate of delivery #{first_id}: nothing changed"),
            order_id,
            None,
        ),
        None => {
            let (outcome, order_id, refund) = act(tx, gateway, &d.happened, &by, now)?;
            (false, outcome, order_id, refund)
        }
    };
    let deferred = outcome == DEFERRED;
    tx.prepare_cached(sql::INSERT_EVENT)?.execute(params![
        gateway.as_str(),
        d.event_id,
        d.event_type,
        now,
        1,
        duplicate as i64,
        outcome,
        order_id,
        logged_body(body),
        deferred as i64
    ])?;
    Ok(Received {
        duplicate,
        outcome,
        order_id,
        refund_due,
        deferred,
    })
}

type Acted = (String, Option<i64>, Option<(i64, String, i64)>);

/// What [`receive`] logs for a refund that overtook its capture.
pub const DEFERRED: &str = "deferred: the refund arrived before its payment was recorded; the gateway will deliver it again";

fn deferred(order_id: i64) -> Acted {
    (DEFERRED.to_string(), Some(order_id), None)
}

/// A refund of a payment we have not recorded yet, for an order of ours still waiting
/// for that payment (`of` names its Razorpay order or our order number): the capture is
/// on its way and the refund must wait for it. Returns that order.
fn overtaken(tx: &Tx, gateway: Gateway, payment_id: &str, of: Option<&str>) -> Result<Option<i64>> {
    let known: Option<i64> = tx
        .prepare_cached(sql::ORDER_OF_PAYMENT)?
        .query_row(params![gateway.as_str(), payment_id], |r| r.get(0))
        .optional()?;
    let Some(of) = of.filter(|_| known.is_none()) else {
        return Ok(None);
    };
    Ok(tx
        .prepare_cached(sql::WAITING_FOR)?
        .query_row(params![gateway.as_str(), of], |r| r.get(0))
        .optional()?)
}

fn act(tx: &Tx, gateway: Gateway, h: &Happened, by: &str, now: i64) -> Result<Acted> {
    Ok(match h {
        Happened::Captured {
            remote_id,
            payment_id,
            amount,
            currency,
        } => {
            let cap = Capture {
                remote_id,
                payment_id,
                amount: *amount,
                currency,
            };
            let c = capture(tx, gateway, &cap, by, now)?;
            let refund = match c {
                Captured::Late { order_id } => Some((order_id, payment_id.clone(), *amount)),
                _ => None,
            };
            (c.describe().to_string(), c.order_id(), refund)
        }
        Happened::Failed { remote_id, reason } => {
            let (o, id) = not_paid(tx, gateway, remote_id, false, reason, by, now)?;
            (o, id, None)
        }
        Happened::Expired { remote_id } => {
            let (o, id) = not_paid(tx, gateway, remote_id, true, "", by, now)?;
            (o, id, None)
        }
        Happened::Refunded {
            payment_id,
            refund_id,
            amount,
            of,
        } => {
            if let Some(order_id) = overtaken(tx, gateway, payment_id, of.as_deref())? {
                return Ok(deferred(order_id));
            }
            let (o, id) = refunds::confirm(tx, gateway, payment_id, refund_id, *amount, by, now)?;
            (o, id, None)
        }
        Happened::RefundedTotal {
            payment_id,
            total,
            of,
        } => {
            if let Some(order_id) = overtaken(tx, gateway, payment_id, of.as_deref())? {
                return Ok(deferred(order_id));
            }
            let (o, id) = refunds::confirm_total(tx, gateway, payment_id, *total, by, now)?;
            (o, id, None)
        }
        Happened::Ignored => ("ignored: not an event the store acts on".into(), None, None),
    })
}

/// One logged delivery, for the owner's payments page.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub id: i64,
    pub gateway: String,
    pub event_id: Option<String>,
    pub event_type: String,
    pub received_at: i64,
    pub signature_ok: bool,
    pub duplicate: bool,
    pub outcome: String,
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    pub payload: String,
}

impl LoggedEvent {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<LoggedEvent> {
        Ok(LoggedEvent {
            id: r.get(0)?,
            gateway: r.get(1)?,
            event_id: r.get(2)?,
            event_type: r.get(3)?,
            received_at: r.get(4)?,
            signature_ok: r.get(5)?,
            duplicate: r.get(6)?,
            outcome: r.get(7)?,
            order_id: r.get(8)?,
            order_number: r.get(9)?,
            payload: r.get(10)?,
        })
    }
}

/// Which deliveries the payments page lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    pub gateway: Option<Gateway>,
    /// "rejected" (bad signature), "duplicate", or None for all.
    pub only: Option<String>,
    pub order: Option<String>,
}

/// Newest first, at most `limit`.
pub fn events(c: &Connection, f: &EventFilter, limit: i64) -> Result<Vec<LoggedEvent>> {
    let rows = c
        .prepare_cached(sql::EVENTS)?
        .query_map(
            params![
                f.gateway.map(Gateway::as_str),
                f.only.as_deref(),
                f.order.as_deref(),
                limit
            ],
            LoggedEvent::from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn event(c: &Connection, id: i64) -> Result<Option<LoggedEvent>> {
    Ok(c.prepare_cached(sql::EVENT)?
        .query_row([id], LoggedEvent::from_row)
        .optional()?)
}

pub mod sql {
    //! SQL of card payments. Every constant here is prepared against the schema by a test.

    pub const NEXT_ATTEMPT: &str =
        "SELECT coalesce(max(attempt), 0) + 1 FROM gateway_payments WHERE order_id = ?1";
    pub const INSERT_ATTEMPT: &str = "INSERT INTO gateway_payments (order_id, gateway, attempt, amount, currency, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'creating', ?6, ?6)";
    pub const OPENED: &str = "UPDATE gateway_payments SET remote_id = ?1, checkout_url = ?2, status = 'open', updated_at = ?3 WHERE id = ?4 AND status = 'creating'";
    pub const BY_REMOTE: &str = "SELECT id, order_id, gateway, attempt, remote_id, checkout_url, amount, currency, status, payment_id, captured_amount, captured_currency, captured_by, last_error, created_at, updated_at FROM gateway_payments WHERE gateway = ?1 AND remote_id = ?2";
    pub const OF_ORDER: &str = "SELECT id, order_id, gateway, attempt, remote_id, checkout_url, amount, currency, status, payment_id, captured_amount, captured_currency, captured_by, last_error, created_at, updated_at FROM gateway_payments WHERE order_id = ?1 ORDER BY attempt";
    pub const SETTLE: &str = "UPDATE gateway_payments SET status = ?1, payment_id = ?2, captured_amount = ?3, captured_currency = ?4, captured_by = ?5, updated_at = ?6 WHERE id = ?7";
    pub const NOT_PAID: &str =
        "UPDATE gateway_payments SET status = ?1, last_error = ?2, updated_at = ?3 WHERE id = ?4";
    pub const ORDER_OF_PAYMENT: &str =
        "SELECT order_id FROM gateway_payments WHERE gateway = ?1 AND payment_id = ?2";
    pub const FIRST_DELIVERY: &str = "SELECT id, order_id FROM gateway_events WHERE gateway = ?1 AND event_id = ?2 AND signature_ok = 1 AND duplicate = 0 AND deferred = 0";
    pub const INSERT_EVENT: &str = "INSERT INTO gateway_events (gateway, event_id, event_type, received_at, signature_ok, duplicate, outcome, order_id, payload, deferred) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    pub const WAITING_FOR: &str = "SELECT o.id FROM orders o JOIN gateway_payments a ON a.order_id = o.id WHERE a.gateway = ?1 AND (a.remote_id = ?2 OR o.number = ?2) AND a.status NOT IN ('captured', 'mismatch', 'late') AND o.payment_status = 'unpaid' LIMIT 1";
    pub const PRUNE_REJECTED: &str = "DELETE FROM gateway_events WHERE gateway = ?1 AND signature_ok = 0 AND id <= (SELECT id FROM gateway_events WHERE gateway = ?1 AND signature_ok = 0 ORDER BY id DESC LIMIT 1 OFFSET ?2)";
    pub const EVENTS: &str = "SELECT e.id, e.gateway, e.event_id, e.event_type, e.received_at, e.signature_ok, e.duplicate, e.outcome, e.order_id, o.number, e.payload FROM gateway_events e LEFT JOIN orders o ON o.id = e.order_id WHERE (?1 IS NULL OR e.gateway = ?1) AND (?2 IS NULL OR (?2 = 'rejected' AND e.signature_ok = 0) OR (?2 = 'duplicate' AND e.duplicate = 1)) AND (?3 IS NULL OR o.number = ?3) ORDER BY e.id DESC LIMIT ?4";
    pub const EVENT: &str = "SELECT e.id, e.gateway, e.event_id, e.event_type, e.received_at, e.signature_ok, e.duplicate, e.outcome, e.order_id, o.number, e.payload FROM gateway_events e LEFT JOIN orders o ON o.id = e.order_id WHERE e.id = ?1";

    pub const CART_OF_ORDER: &str = "SELECT cart_id FROM orders WHERE id = ?1";
    pub const FORGET_CART: &str = "UPDATE orders SET cart_id = NULL WHERE id = ?1";
    pub const OPEN_FAILED: &str = "UPDATE gateway_payments SET last_error = ?1, updated_at = ?2 WHERE id = ?3 AND status = 'creating'";

    pub const ALL: &[&str] = &[
        CART_OF_ORDER,
        FORGET_CART,
        OPEN_FAILED,
        NEXT_ATTEMPT,
        INSERT_ATTEMPT,
        OPENED,
        BY_REMOTE,
        OF_ORDER,
        SETTLE,
        NOT_PAID,
        ORDER_OF_PAYMENT,
        FIRST_DELIVERY,
        INSERT_EVENT,
        WAITING_FOR,
        PRUNE_REJECTED,
        EVENTS,
        EVENT,
    ];
}
