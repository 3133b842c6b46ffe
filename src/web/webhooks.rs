//! `/webhooks/razorpay` and `/webhooks/stripe`: the raw body and the signature header go
//! to `service::payments::webhook`, which verifies before it parses. No session, no CSRF
//! (the signature is the authentication); errors are the JSON envelope. A delivery the
//! store handled — including a duplicate or an event type it ignores — is answered 200 so
//! the gateway stops retrying; only a refused one (bad signature, stale, malformed) is 400.

use super::Outcome;
use crate::app::App;
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
    Ok(Resp::json(
        200,
        &json!({"received": true, "duplicate": r.duplicate, "outcome": r.outcome}),
    ))
}
