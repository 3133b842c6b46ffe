//! Wishlist use cases: add and remove (the canonical row and its projection event in one
//! write), the projector job (`wishlist.project`, run by the outbox worker), and the
//! guest's wishlist joining the account at sign-in (`accounts::sign_in` calls `merged`).

use crate::app::App;
use crate::db::Tx;
use crate::error::Result;
use crate::jobs::outbox::{self, Failure, NewJob, OutboxRow};
use crate::shop::wishlist::{self, Owner};
use serde_json::{Value, json};

/// The projector's job kind.
pub const PROJECT: &str = "wishlist.project";

/// Queues the projection event of (owner, product) in `tx`: a fresh event id each time.
pub fn queue(tx: &Tx, owner: Owner, product_id: i64, now: i64) -> Result<()> {
    let event = crate::crypto::hex(&crate::crypto::random_bytes::<12>());
    let key = format!("wishlist/{event}");
    outbox::enqueue(
        tx,
        &NewJob {
            kind: PROJECT,
            idempotency_key: Some(&key),
            recipient: "wishlist view",
            subject: "Project a wishlist change",
            template: "project",
            payload: json!({"event": event, "owner": owner.key(), "product": product_id}),
        },
        now,
    )?;
    Ok(())
}

/// Saves or removes a product; returns whether anything changed.
pub fn change(app: &App, owner: Owner, product_id: i64, add: bool) -> Result<bool> {
    let now = crate::db::now();
    let changed = super::write(app, now, |tx| {
        let changed = if add {
            wishlist::add(tx, owner, product_id, now)?
        } else {
            wishlist::remove(tx, owner, product_id)?
        };
        if changed {
            queue(tx, owner, product_id, now)?;
        }
        Ok(changed)
    })?;
    if changed {
        app.mail_wake().notify();
    }
    Ok(changed)
}

/// In the sign-in write: the guest's saved products join the customer's, with their
/// projection events.
pub fn merged(tx: &Tx, session_id: i64, customer_id: i64, now: i64) -> Result<()> {
    for (owner, product) in wishlist::merge(tx, session_id, customer_id)? {
        queue(tx, owner, product, now)?;
    }
    Ok(())
}

/// The projector: applies one event (a repeat changes nothing).
pub fn run_job(app: &App, row: &OutboxRow) -> std::result::Result<(), Failure> {
    let v: Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let (Some(event), Some(owner), Some(product)) = (
        v.get("event").and_then(Value::as_str),
        v.get("owner")
            .and_then(Value::as_str)
            .and_then(Owner::parse),
        v.get("product").and_then(Value::as_i64),
    ) else {
        return Err(Failure::Permanent("the job is not a wishlist event".into()));
    };
    let now = crate::db::now();
    super::write(app, now, |tx| {
        wishlist::project(tx, event, owner, product, now)
    })
    .map(|_| ())
    .map_err(|e| Failure::Retry(e.to_string()))
}
