//! The use cases: one function per thing a shopper, the owner or (next) a gateway webhook
//! does that writes. Each owns its `write_tx`, the domain calls inside it and the worker it
//! wakes after the commit, so two callers of the same use case (the HTML checkout and the
//! API checkout, the proof page and the API upload) cannot drift apart. Handlers in `web`
//! parse, authorize, call one function here and render; they never open a write
//! transaction themselves.

use crate::app::App;
use crate::db::Tx;
use crate::error::Result;

pub mod accounts;
pub mod admin_catalog;
pub mod admin_mail;
pub mod admin_merch;
pub mod admin_people;
pub mod cart;
pub mod checkout;
pub mod follow_ups;
pub mod notices;
pub mod orders;
pub mod payments;
pub mod reports;
pub mod reviews;
pub mod sessions;
pub mod shipping;
pub mod wishlist;

/// The one way a use case writes: `f` in one write transaction, then, still inside it, the
/// reactions to what the domain recorded (`notices::react`: the mails), so a change and its
/// mails commit or roll back together; once the commit is durable the mail worker is woken
/// for what they queued. `now` is the use case's clock (tests inject one). A use case that
/// queues a mail itself (a sign-in code) wakes the worker itself.
pub fn write<T>(app: &App, now: i64, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
    let cfg = app.cfg();
    let (out, events) = app.db.write_tx(|tx| {
        let out = f(tx)?;
        Ok((out, notices::react(tx, &cfg, &app.hmac, now)?))
    })?;
    if events > 0 {
        app.mail_wake().notify();
    }
    Ok(out)
}
