//! Card-payment use cases: opening the gateway's payment page for an order (outside any
//! transaction, the order and its held stock already durable), the shopper's return,
//! the owner's re-check, a webhook delivery (verify, log, act once), refunds through the
//! outbox, and the built-in sandbox gateway (mode = "sandbox") that plays the gateway's
//! part with properly signed webhooks. Every path that learns of a capture ends in
//! `shop::payments::capture` inside one write, so it happens once whichever comes first.
//!
//! This is one of the two places that call `remote` (the other is the outbox worker):
//! a shopper at checkout waits for the gateway to make the payment page, and the owner's
//! re-check reads the live state while they look. Neither call holds the writer.

use crate::app::App;
use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use crate::jobs::outbox::{self, Failure, NewJob, OutboxRow};
use crate::remote::SendError;
use crate::remote::gateway::{Client, NewPayment, State};
use crate::shop::orders::{self, lifecycle::Payment, lifecycle::Status};
use crate::shop::payments::{
    self, Attempt, Capture, Captured, Gateway, Received, razorpay, refunds, sandbox, stripe,
};

/// The secrets a gateway's messages are signed with.
pub struct Secrets {
    /// Razorpay's key secret (signs the Checkout result) / Stripe's secret key.
    pub api: String,
    /// Signs webhooks.
    pub webhook: String,
}

/// In sandbox mode the simulator and the store share secrets made from this store's own
/// key (so they differ per install and never need typing); otherwise store.toml's (or the
/// environment's).
pub fn secrets(app: &App, g: Gateway) -> Secrets {
    let cfg = app.cfg();
    let c = payments::config(&cfg, g);
    if c.mode == "sandbox" {
        let derive = |what: &str| {
            crate::crypto::hex(
                &app.hmac
                    .sign(format!("sandbox/{}/{what}", g.as_str()).as_bytes()),
            )
        };
        return Secrets {
            api: derive("api"),
            webhook: derive("webhook"),
        };
    }
    Secrets {
        api: c.api_secret.expose().to_string(),
        webhook: c.webhook_secret.expose().to_string(),
    }
}

/// What a webhook request carried, as the handler read it.
pub struct Incoming<'a> {
    /// `X-Razorpay-Signature` / `Stripe-Signature`.
    pub signature: Option<&'a str>,
    /// `x-razorpay-event-id` (Stripe's id is in the body).
    pub event_id: Option<&'a str>,
    pub body: &'a [u8],
}

/// One webhook delivery: the signature is checked over the raw body before anything is
/// parsed; a bad one is logged and answered 400 with nothing else written. A good one is
/// logged and acted on the first time its event id arrives (repeats are logged as
/// duplicates). A capture that came too late to keep queues the gateway refund in the
/// same write.
pub fn webhook(app: &App, g: Gateway, inc: &Incoming, now: i64) -> Result<Received> {
    let secret = secrets(app, g).webhook;
    let refused = match g {
        Gateway::Razorpay => {
            let sig = inc.signature.unwrap_or("");
            if secret.is_empty() {
                Some("no webhook secret is configured for Razorpay")
            } else if razorpay::webhook_signature_ok(&secret, inc.body, sig) {
                None
            } else if sig.is_empty() {
                Some("the X-Razorpay-Signature header is missing")
            } else {
                Some("the signature does not match")
            }
        }
        Gateway::Stripe => {
            if secret.is_empty() {
                Some("no webhook secret is configured for Stripe")
            } else {
                stripe::verify(&secret, inc.signature.unwrap_or(""), inc.body, now)
                    .err()
                    .map(stripe::SigError::describe)
            }
        }
    };
    if let Some(why) = refused {
        return reject(app, g, why, inc.body, now);
    }
    let parsed = match g {
        Gateway::Razorpay => razorpay::parse_event(inc.event_id.unwrap_or(""), inc.body),
        Gateway::Stripe => stripe::parse_event(inc.body),
    };
    let d = match parsed {
        Ok(d) => d,
        Err(e) => return reject(app, g, &e.public, inc.body, now),
    };
    let mut queued = false;
    let received = super::write(app, now, |tx| {
        let r = payments::receive(tx, g, &d, inc.body, now)?;
        if let Some((order_id, payment_id, amount)) = &r.refund_due {
            queue_late_refund(tx, g, *order_id, payment_id, *amount, now)?;
            queued = true;
        }
        Ok(r)
    })?;
    if queued {
        app.mail_wake().notify();
    }
    Ok(received)
}

/// A payment captured too late to keep (the order was closed and its stock is gone):
/// the money goes back through the gateway, by the outbox, in the write that found it.
fn queue_late_refund(
    tx: &Tx,
    g: Gateway,
    order_id: i64,
    payment_id: &str,
    amount: i64,
    now: i64,
) -> Result<()> {
    let id = refunds::request(
        tx,
        &refunds::Ask {
            order_id,
            gateway: g,
            payment_id,
            amount,
            reason: "captured after the order was closed and its stock was gone",
            applies: false,
            by: "system",
        },
        now,
    )?;
    queue_refund(tx, g, id, order_id, now)
}

fn queue_refund(tx: &Tx, g: Gateway, refund_id: i64, order_id: i64, now: i64) -> Result<()> {
    let key = refunds::key(refund_id);
    outbox::enqueue(
        tx,
        &NewJob {
            kind: &format!("{}.refund", g.as_str()),
            idempotency_key: Some(&key),
            recipient: g.as_str(),
            subject: &format!("Refund #{refund_id} of order id {order_id}"),
            template: "refund",
            payload: serde_json::json!({ "refund_id": refund_id }),
        },
        now,
    )?;
    Ok(())
}

/// Logs a refused delivery (nothing else is written) and answers 400 with the reason.
fn reject(app: &App, g: Gateway, why: &str, body: &[u8], now: i64) -> Result<Received> {
    app.db
        .write_tx(|tx| payments::log_rejected(tx, g, why, body, now))?;
    log::warn!("{} webhook refused: {why}", g.label());
    Err(Error::bad_request(format!("Webhook refused: {why}.")))
}

/// The gateway's API client with this store's keys (test and live modes).
fn client(app: &App, g: Gateway) -> Client {
    let cfg = app.cfg();
    let c = payments::config(&cfg, g);
    Client::new(g, &c.base_url, &c.key_id, c.api_secret.expose())
}

fn sandboxed(app: &App, g: Gateway) -> bool {
    payments::config(&app.cfg(), g).mode == "sandbox"
}

/// Where the shopper goes to pay an order, as the pay page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayPage {
    /// Razorpay's Checkout, opened over our page with these.
    Razorpay {
        key_id: String,
        remote_id: String,
        /// The sandbox's stand-in for Checkout (mode = "sandbox").
        sandbox_url: Option<String>,
    },
    /// Stripe's hosted page (or the sandbox's).
    Redirect(String),
    /// Already paid: nothing to do.
    Paid,
    /// The order no longer takes payment (cancelled, expired, not a card order).
    Closed(String),
    /// The gateway could not make the payment page now; the order keeps waiting and
    /// the shopper can try again or pay another way.
    Unavailable(String),
}

/// The addresses the gateway sends the shopper back to (absolute for a real gateway).
pub struct Returns {
    /// `/orders/{n}/paid/{gateway}?token=…` (Stripe adds `&session_id=…`).
    pub success: String,
    /// The pay page, told the shopper left.
    pub cancel: String,
}

/// Opens (or reopens) the payment page of a card order waiting for its payment: the
/// current attempt's page if it has one, a new attempt when the last one expired, and
/// the gateway object made now — outside any transaction, the order already durable.
pub fn pay(app: &App, order_id: i64, back: &Returns) -> Result<PayPage> {
    let conn = app.db.read()?;
    let o = orders::get(&conn, order_id)?.ok_or_else(|| Error::not_found("No such order."))?;
    let Some(g) = Gateway::of(o.method) else {
        return Ok(PayPage::Closed(
            "This order is not paid by card.".to_string(),
        ));
    };
    if o.payment != Payment::Unpaid {
        return Ok(PayPage::Paid);
    }
    if o.status != Status::PendingPayment {
        return Ok(PayPage::Closed(
            "This order no longer takes payment: it was cancelled or its payment time ran out."
                .to_string(),
        ));
    }
    let current = payments::current(&conn, order_id)?;
    drop(conn);
    let now = crate::db::now();
    let a = match current {
        Some(a) if a.settled() => return Ok(PayPage::Paid),
        Some(a) if a.status != "expired" => a,
        _ => {
            let id = super::write(app, now, |tx| {
                payments::start(tx, order_id, g, o.total, &o.currency, now)
            })?;
            payments::current(&*app.db.read()?, order_id)?
                .filter(|a| a.id == id)
                .ok_or_else(|| Error::internal("the new payment attempt vanished"))?
        }
    };
    let a = match a.remote_id {
        Some(_) => a,
        None => match open_remote(app, g, &o, &a, back, now) {
            Ok(a) => a,
            Err(why) => {
                log::warn!("{} payment page for order {}: {why}", g.label(), o.number);
                super::write(app, now, |tx| {
                    payments::open_failed(tx, a.id, &why.to_string(), now)?;
                    orders::event(
                        tx,
                        order_id,
                        g.as_str(),
                        "payment_open_failed",
                        None,
                        None,
                        &why.to_string(),
                        now,
                    )
                    .map(|_| ())
                })?;
                return Ok(PayPage::Unavailable(format!(
                    "We could not reach {} to open the payment page just now. Your order is saved and its items are held: try again in a moment, or pay another way.",
                    g.label()
                )));
            }
        },
    };
    let remote_id = a.remote_id.clone().unwrap_or_default();
    Ok(match g {
        Gateway::Razorpay => PayPage::Razorpay {
            key_id: payments::config(&app.cfg(), g).key_id.clone(),
            sandbox_url: sandboxed(app, g).then(|| format!("/sandbox/razorpay/{remote_id}")),
            remote_id,
        },
        Gateway::Stripe => PayPage::Redirect(a.checkout_url.clone().unwrap_or_default()),
    })
}

/// Makes the gateway object of attempt `a` and records it. Two tabs at once may both
/// make one; the first recorded wins and the other is never shown (nobody can pay it).
fn open_remote(
    app: &App,
    g: Gateway,
    o: &orders::Order,
    a: &Attempt,
    back: &Returns,
    now: i64,
) -> std::result::Result<Attempt, SendError> {
    let fail = |e: Error| SendError::Retry(e.to_string());
    let (remote_id, url) = if sandboxed(app, g) {
        let id = super::write(app, now, |tx| {
            sandbox::create(
                tx,
                &sandbox::New {
                    gateway: g,
                    order_id: o.id,
                    amount: a.amount,
                    currency: &a.currency,
                    return_url: &back.success,
                    cancel_url: &back.cancel,
                },
                now,
            )
        })
        .map_err(fail)?;
        let url = format!("/sandbox/{}/{id}", g.as_str());
        (id, (g == Gateway::Stripe).then_some(url))
    } else {
        let cfg = app.cfg();
        let window = payments::config(&cfg, g).payment_window_minutes * 60;
        // Stripe takes 30 minutes to 24 hours; the order's own window still decides.
        let expires_at = now + window.clamp(31 * 60, 24 * 3600);
        // The gateway sends the browser back to the store's public address.
        let abs = |path: &str| format!("{}{path}", cfg.store.url.trim_end_matches('/'));
        let made = client(app, g).create(&NewPayment {
            number: &o.number,
            amount: a.amount,
            currency: &a.currency,
            email: &o.email,
            description: &format!("Order {} at {}", o.number, cfg.store.name),
            success_url: &abs(&format!(
                "{}&session_id={{CHECKOUT_SESSION_ID}}",
                back.success
            )),
            cancel_url: &abs(&format!("{}&left=1", back.cancel)),
            idempotency_key: &format!("checkout:{}:{}", o.id, a.attempt),
            expires_at,
        })?;
        (made.remote_id, made.checkout_url)
    };
    super::write(app, now, |tx| {
        payments::opened(tx, a.id, &remote_id, url.as_deref(), now)?;
        let what = match g {
            Gateway::Razorpay => "order",
            Gateway::Stripe => "Checkout Session",
        };
        orders::event(
            tx,
            o.id,
            g.as_str(),
            "payment_opened",
            None,
            None,
            &format!("{} {what} {remote_id}", g.label()),
            now,
        )
        .map(|_| ())
    })
    .map_err(fail)?;
    payments::current(&*app.db.read().map_err(fail)?, o.id)
        .map_err(fail)?
        .filter(|x| x.id == a.id && x.remote_id.is_some())
        .ok_or_else(|| SendError::Retry("the payment attempt changed meanwhile".into()))
}

/// What the shopper's return (or the owner's re-check) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Captured now or before: the order is paid (or flagged for the owner).
    Captured(Captured),
    /// Not paid yet (the shopper may still pay).
    Open,
    /// The gateway could not be asked; the webhook will tell.
    Unknown(String),
}

/// The live state of attempt `a`, from the gateway (or the sandbox's books).
fn live_state(app: &App, g: Gateway, remote_id: &str) -> std::result::Result<State, SendError> {
    if sandboxed(app, g) {
        let conn = app.db.read().map_err(|e| SendError::Retry(e.to_string()))?;
        let o = sandbox::get(&conn, remote_id)
            .map_err(|e| SendError::Retry(e.to_string()))?
            .ok_or_else(|| SendError::Permanent("The id provided does not exist".into()))?;
        return Ok(match (o.status.as_str(), o.payment_id) {
            ("paid", Some(payment_id)) => State::Paid {
                payment_id,
                amount: o.amount,
                currency: o.currency,
            },
            ("expired", _) => State::Expired,
            _ => State::Open,
        });
    }
    client(app, g).fetch(remote_id)
}

/// Asks the gateway about attempt `remote_id` and acts on the answer through the same
/// capture as the webhook (`by`: "stripe return", "owner re-check"...).
fn check(app: &App, g: Gateway, remote_id: &str, by: &str) -> Result<Checked> {
    let now = crate::db::now();
    match live_state(app, g, remote_id) {
        Ok(State::Paid {
            payment_id,
            amount,
            currency,
        }) => {
            let c = super::write(app, now, |tx| {
                let c = payments::capture(
                    tx,
                    g,
                    &Capture {
                        remote_id,
                        payment_id: &payment_id,
                        amount,
                        currency: &currency,
                    },
                    by,
                    now,
                )?;
                if let Captured::Late { order_id } = c {
                    queue_late_refund(tx, g, order_id, &payment_id, amount, now)?;
                }
                Ok(c)
            })?;
            if matches!(c, Captured::Late { .. }) {
                app.mail_wake().notify();
            }
            Ok(Checked::Captured(c))
        }
        Ok(State::Expired) => {
            super::write(app, now, |tx| {
                payments::not_paid(tx, g, remote_id, true, "", by, now)
            })?;
            Ok(Checked::Open)
        }
        Ok(State::Open) => Ok(Checked::Open),
        Err(e) => {
            log::warn!("{} state of {remote_id}: {e}", g.label());
            Ok(Checked::Unknown(e.to_string()))
        }
    }
}

/// The shopper's browser back from the gateway. Razorpay's Checkout result is trusted
/// only when its signature, made over the Razorpay order id of one of this order's
/// attempts as we recorded it, holds; Stripe's session id only when it is one of the
/// order's. Either way the payment itself is then read from the gateway.
pub fn returned(
    app: &App,
    g: Gateway,
    order_id: i64,
    p: &crate::http::query::Params,
) -> Result<Checked> {
    let attempts = payments::of_order(&*app.db.read()?, order_id)?;
    let remote_id = match g {
        Gateway::Razorpay => {
            let payment_id = p.get("razorpay_payment_id").unwrap_or("");
            let sig = p.get("razorpay_signature").unwrap_or("");
            let secret = secrets(app, g).api;
            attempts
                .iter()
                .filter(|a| a.gateway == g)
                .filter_map(|a| a.remote_id.clone())
                .find(|rid| {
                    !secret.is_empty()
                        && razorpay::checkout_signature_ok(&secret, rid, payment_id, sig)
                })
                .ok_or_else(|| {
                    Error::bad_request(
                        "This payment confirmation could not be verified. If you paid, the payment will still reach your order; otherwise please try again.",
                    )
                })?
        }
        Gateway::Stripe => {
            let sid = p.get("session_id").unwrap_or("");
            attempts
                .iter()
                .filter_map(|a| a.remote_id.clone())
                .find(|rid| rid == sid)
                .ok_or_else(|| {
                    Error::bad_request("This payment page is not one of this order's.")
                })?
        }
    };
    check(app, g, &remote_id, &format!("{} return", g.as_str()))
}

/// The owner's "re-check with the gateway": every attempt of the order not settled yet
/// is read from the gateway and acted on. Returns what it found, for the notice.
pub fn recheck(app: &App, order_id: i64) -> Result<String> {
    let attempts = payments::of_order(&*app.db.read()?, order_id)?;
    let mut said = Vec::new();
    for a in attempts.iter().filter(|a| !a.settled()) {
        let Some(rid) = &a.remote_id else { continue };
        let found = check(app, a.gateway, rid, "owner re-check")?;
        said.push(match found {
            Checked::Captured(c) => format!("{}: {}", a.gateway.label(), c.describe()),
            Checked::Open => format!("{} {rid}: not paid", a.gateway.label()),
            Checked::Unknown(why) => format!("{} could not be asked: {why}", a.gateway.label()),
        });
    }
    if said.is_empty() {
        return Ok("Nothing to re-check: no payment of this order is waiting at a gateway.".into());
    }
    Ok(said.join("; "))
}

/// The owner refunds `amount` of a card order: recorded as asked and sent to the gateway
/// by the outbox (idempotency key of its own); the order's payment changes when the
/// gateway confirms it.
pub fn refund(app: &App, order_id: i64, amount: i64, note: &str, by: &str) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let captured = payments::of_order(tx, order_id)?
            .into_iter()
            .find(|a| a.status == "captured")
            .ok_or_else(|| Error::conflict("This order has no captured card payment to refund."))?;
        let payment_id = captured.payment_id.clone().unwrap_or_default();
        let g = captured.gateway;
        let id = refunds::request(
            tx,
            &refunds::Ask {
                order_id,
                gateway: g,
                payment_id: &payment_id,
                amount,
                reason: note.trim(),
                applies: true,
                by,
            },
            now,
        )?;
        orders::event(
            tx,
            order_id,
            by,
            "refund_requested",
            None,
            None,
            &format!("Refund of {amount} (minor units) asked from {}", g.label()),
            now,
        )?;
        queue_refund(tx, g, id, order_id, now)
    })?;
    app.mail_wake().notify();
    Ok(())
}

/// The outbox worker's handler of `razorpay.refund` / `stripe.refund` jobs: sends the
/// refund (same key every try) and records the gateway's answer. A refusal for good
/// (over the amount left, bad key) is shown on the order; a network failure retries.
pub fn run_refund_job(app: &App, row: &OutboxRow) -> std::result::Result<(), Failure> {
    let internal = |e: Error| Failure::Retry(e.to_string());
    let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let id = payload
        .get("refund_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| Failure::Permanent("the job names no refund".into()))?;
    let r = refunds::get(&*app.db.read().map_err(internal)?, id)
        .map_err(internal)?
        .ok_or_else(|| Failure::Permanent(format!("refund #{id} does not exist")))?;
    if r.status == "confirmed" {
        return Ok(());
    }
    let g = r.gateway;
    let now = crate::db::now();
    let by = format!("{} refund", g.as_str());
    if sandboxed(app, g) {
        let done = super::write(app, now, |tx| {
            let (obj, rid) = sandbox::refund(tx, &r.payment_id, r.amount)?;
            refunds::confirm_row(tx, r.id, &rid, &by, now)?;
            Ok((obj, rid))
        });
        return match done {
            Ok((obj, rid)) => {
                sandbox_refund_event(app, g, &obj, &rid, r.amount);
                Ok(())
            }
            Err(e) if e.kind == Kind::Internal => Err(internal(e)),
            Err(e) => {
                let _ = super::write(app, now, |tx| refunds::failed(tx, r.id, &e.public, now));
                Err(Failure::Permanent(e.public))
            }
        };
    }
    match client(app, g).refund(&r.payment_id, r.amount, &r.idempotency_key) {
        Ok(made) => super::write(app, now, |tx| {
            if made.done {
                refunds::confirm_row(tx, r.id, &made.remote_id, &by, now).map(|_| ())
            } else {
                refunds::sent(tx, r.id, &made.remote_id, now)
            }
        })
        .map_err(internal),
        Err(SendError::Permanent(why)) => {
            super::write(app, now, |tx| refunds::failed(tx, r.id, &why, now)).map_err(internal)?;
            Err(Failure::Permanent(why))
        }
        Err(e) => Err(Failure::from(e)),
    }
}

/// What the pretend shopper did on the sandbox's payment page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxAction {
    Pay,
    Fail,
    Abandon,
}

/// The sandbox gateway acting on its payment page: like the real one, it tells the store
/// by a signed webhook (through the same verification as any delivery) and sends the
/// browser back — Razorpay with the signed Checkout result, Stripe to the success page
/// with the session id. Returns where the browser goes.
pub fn sandbox_act(
    app: &App,
    g: Gateway,
    remote_id: &str,
    action: SandboxAction,
) -> Result<String> {
    if !sandboxed(app, g) || payments::offer_problem(&app.cfg(), g).is_some() {
        return Err(Error::not_found("There is no sandbox payment page here."));
    }
    let obj = sandbox::get(&*app.db.read()?, remote_id)?
        .filter(|o| o.gateway == g)
        .ok_or_else(|| Error::not_found("There is no such sandbox payment."))?;
    let now = crate::db::now();
    let join = |url: &str, q: &str| {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}{q}")
    };
    match action {
        SandboxAction::Abandon => Ok(join(&obj.cancel_url, "left=1")),
        SandboxAction::Fail => {
            let pid = sandbox::new_id(if g == Gateway::Razorpay {
                "pay_"
            } else {
                "pi_"
            });
            let body = match g {
                Gateway::Razorpay => serde_json::json!({
                    "entity": "event", "account_id": "acc_sandbox", "event": "payment.failed",
                    "contains": ["payment"], "created_at": now,
                    "payload": {"payment": {"entity": {
                        "id": pid, "entity": "payment", "amount": obj.amount,
                        "currency": obj.currency, "status": "failed", "order_id": obj.remote_id,
                        "captured": false, "notes": [],
                        "error_code": "BAD_REQUEST_ERROR",
                        "error_description": "Your card was declined (sandbox).",
                        "error_source": "bank", "error_step": "payment_authorization",
                        "error_reason": "payment_failed"}}}
                }),
                Gateway::Stripe => serde_json::json!({
                    "id": sandbox::new_id("evt_"), "object": "event", "created": now,
                    "type": "payment_intent.payment_failed", "livemode": false,
                    "data": {"object": {"id": pid, "object": "payment_intent",
                        "amount": obj.amount, "currency": obj.currency.to_lowercase(),
                        "status": "requires_payment_method",
                        "metadata": {"session": obj.remote_id},
                        "last_payment_error": {"type": "card_error", "code": "card_declined",
                            "message": "Your card was declined (sandbox)."}}}
                }),
            };
            sandbox_deliver(app, g, &body);
            Ok(format!(
                "/sandbox/{}/{}?declined=1",
                g.as_str(),
                obj.remote_id
            ))
        }
        SandboxAction::Pay => {
            let obj = super::write(app, now, |tx| sandbox::pay(tx, remote_id))?;
            let pid = obj.payment_id.clone().unwrap_or_default();
            let body = match g {
                Gateway::Razorpay => serde_json::json!({
                    "entity": "event", "account_id": "acc_sandbox", "event": "payment.captured",
                    "contains": ["payment"], "created_at": now,
                    "payload": {"payment": {"entity": {
                        "id": pid, "entity": "payment", "amount": obj.amount,
                        "currency": obj.currency, "status": "captured",
                        "order_id": obj.remote_id, "captured": true, "method": "card",
                        "notes": []}}}
                }),
                Gateway::Stripe => serde_json::json!({
                    "id": sandbox::new_id("evt_"), "object": "event", "created": now,
                    "type": "checkout.session.completed", "livemode": false,
                    "data": {"object": {"id": obj.remote_id, "object": "checkout.session",
                        "mode": "payment", "status": "complete", "payment_status": "paid",
                        "amount_total": obj.amount, "currency": obj.currency.to_lowercase(),
                        "payment_intent": pid}}
                }),
            };
            sandbox_deliver(app, g, &body);
            Ok(match g {
                Gateway::Razorpay => {
                    let sig = razorpay::sign_checkout(&secrets(app, g).api, &obj.remote_id, &pid);
                    join(
                        &obj.return_url,
                        &format!(
                            "razorpay_payment_id={pid}&razorpay_order_id={}&razorpay_signature={sig}",
                            obj.remote_id
                        ),
                    )
                }
                Gateway::Stripe => join(&obj.return_url, &format!("session_id={}", obj.remote_id)),
            })
        }
    }
}

/// The sandbox's refund event (Razorpay `refund.processed`, Stripe `charge.refunded`).
fn sandbox_refund_event(app: &App, g: Gateway, obj: &sandbox::Object, rid: &str, amount: i64) {
    let now = crate::db::now();
    let pid = obj.payment_id.clone().unwrap_or_default();
    let body = match g {
        Gateway::Razorpay => serde_json::json!({
            "entity": "event", "account_id": "acc_sandbox", "event": "refund.processed",
            "contains": ["refund", "payment"], "created_at": now,
            "payload": {
                "refund": {"entity": {"id": rid, "entity": "refund", "amount": amount,
                    "currency": obj.currency, "payment_id": pid, "notes": [],
                    "status": "processed"}},
                "payment": {"entity": {"id": pid, "entity": "payment", "amount": obj.amount,
                    "currency": obj.currency, "order_id": obj.remote_id,
                    "amount_refunded": obj.refunded, "captured": true, "notes": []}}}
        }),
        Gateway::Stripe => serde_json::json!({
            "id": sandbox::new_id("evt_"), "object": "event", "created": now,
            "type": "charge.refunded", "livemode": false,
            "data": {"object": {"id": sandbox::new_id("ch_"), "object": "charge",
                "amount": obj.amount, "amount_refunded": obj.refunded,
                "refunded": obj.refunded >= obj.amount,
                "currency": obj.currency.to_lowercase(), "payment_intent": pid,
                "metadata": {}}}
        }),
    };
    sandbox_deliver(app, g, &body);
}

/// Signs `body` as the gateway would and hands it to the webhook receiver. A refusal is
/// logged there like any other delivery's.
fn sandbox_deliver(app: &App, g: Gateway, body: &serde_json::Value) {
    let bytes = body.to_string().into_bytes();
    let now = crate::db::now();
    let secret = secrets(app, g).webhook;
    let event_id = sandbox::new_id("evt_");
    let signature = match g {
        Gateway::Razorpay => razorpay::sign_webhook(&secret, &bytes),
        Gateway::Stripe => stripe::sign(&secret, now, &bytes),
    };
    let inc = Incoming {
        signature: Some(&signature),
        event_id: Some(&event_id),
        body: &bytes,
    };
    if let Err(e) = webhook(app, g, &inc, now) {
        log::warn!("sandbox {} webhook: {e}", g.as_str());
    }
}

/// For the pay page: the sandbox's record of its payment page.
pub fn sandbox_page(app: &App, g: Gateway, remote_id: &str) -> Result<sandbox::Object> {
    if !sandboxed(app, g) || payments::offer_problem(&app.cfg(), g).is_some() {
        return Err(Error::not_found("There is no sandbox payment page here."));
    }
    sandbox::get(&*app.db.read()?, remote_id)?
        .filter(|o| o.gateway == g)
        .ok_or_else(|| Error::not_found("There is no such sandbox payment."))
}
