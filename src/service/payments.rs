//! Card-payment use cases: a gateway's webhook delivery (verify, log, act once), and the
//! secrets each gateway signs with. Every path that learns of a capture ends in
//! `shop::payments::capture` inside one write, so it happens once.

use crate::app::App;
use crate::error::{Error, Result};
use crate::jobs::outbox::{self, NewJob};
use crate::shop::payments::{self, Gateway, Received, razorpay, stripe};

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
            let key = format!("refund/late/{}/{payment_id}", g.as_str());
            outbox::enqueue(
                tx,
                &NewJob {
                    kind: &format!("{}.refund", g.as_str()),
                    idempotency_key: Some(&key),
                    recipient: g.as_str(),
                    subject: &format!("Refund a late payment of order id {order_id}"),
                    template: "refund",
                    payload: serde_json::json!({
                        "order_id": order_id,
                        "payment_id": payment_id,
                        "amount": amount,
                        "reason": "captured after the order was closed and its stock was gone",
                    }),
                },
                now,
            )?;
            queued = true;
        }
        Ok(r)
    })?;
    if queued {
        app.mail_wake().notify();
    }
    Ok(received)
}

/// Logs a refused delivery (nothing else is written) and answers 400 with the reason.
fn reject(app: &App, g: Gateway, why: &str, body: &[u8], now: i64) -> Result<Received> {
    app.db
        .write_tx(|tx| payments::log_rejected(tx, g, why, body, now))?;
    log::warn!("{} webhook refused: {why}", g.label());
    Err(Error::bad_request(format!("Webhook refused: {why}.")))
}
