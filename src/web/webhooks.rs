//! `/webhooks/razorpay` and `/webhooks/stripe`: the raw body and the signature header go
//! to `service::payments::webhook`, which verifies before it parses. No session, no CSRF
//! (the signature is the authentication); errors are the JSON envelope. A delivery the
//! store handled — including a duplicate or an event type it ignores — is answered 200 so
//! the gateway stops retrying; a refused one (bad signature, stale, malformed) is 400, and
//! a refund that overtook the capture it refunds is 409 (delivered again later).
//! `/webhooks/shiprocket` (and `/webhooks/courier`, the address to register, since
//! Shiprocket refuses its own name in one): the `x-api-key` token and the raw body go to
//! `service::shipping::webhook`; 401 for a bad token, 400 for a body that is not JSON,
//! 200 for everything else (Shiprocket wants only 200s back).

use super::Outcome;
use crate::app::App;
use crate::error::Error;
use crate::http::{Req, Resp};
use crate::service::payments::{self, Incoming};
use crate::shop::payments::Gateway;
use serde_json::json;

pub fn receive(app: &App, req: &Req, g: Gateway) -> Outcome {
    let signature = match g {
        Gateway::Razorpay => req.header("x-razorpay-signature"),
        Gateway::Stripe => req.header("stripe-signature"),
    };
    let inc = Incoming {
        signature,
        event_id: req.header("x-razorpay-event-id"),
        body: &req.body,
    };
    let r = payments::webhook(app, g, &inc, crate::db::now())?;
    if r.deferred {
        // A refund ahead of its capture: not handled yet, so not acknowledged — the
        // gateway delivers it again, by which time the capture is recorded.
        let mut e = Error::conflict(format!("Not yet: {}.", r.outcome));
        e.retry_after = Some(60);
        return Err(e);
    }
    Ok(Resp::json(
        200,
        &json!({"received": true, "duplicate": r.duplicate, "outcome": r.outcome}),
    ))
}

pub fn courier(app: &App, req: &Req) -> Outcome {
    let r = crate::service::shipping::webhook(
        app,
        req.header("x-api-key"),
        &req.body,
        crate::db::now(),
    )?;
    Ok(Resp::json(
        200,
        &json!({"received": true, "duplicate": r.duplicate, "outcome": r.outcome}),
    ))
}
