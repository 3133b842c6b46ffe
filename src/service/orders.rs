//! Order writes after checkout: a shopper's payment proof (page and API), and the owner's
//! operations of the order state machine (`shop::orders::lifecycle`) and the payment-window
//! sweep; each through `service::write`, so their mails commit with them.

use crate::app::App;
use crate::error::Result;
use crate::shop::audit::Actor;
use crate::shop::orders::proofs;
use crate::shop::orders::{self, Op};

/// Judges, stores and attaches a proof. At most `PROOFS_PER_ORDER` uploads an hour per
/// order; the file is removed again if the order refuses it, so a refusal leaves nothing.
pub fn accept_proof(app: &App, order_id: i64, bytes: &[u8]) -> Result<()> {
    app.limits.hit(
        &format!("proof/{order_id}"),
        crate::limits::PROOFS_PER_ORDER,
        std::time::Duration::from_secs(3600),
        "Too many uploads for this order.",
    )?;
    let cfg = app.cfg();
    let stored = proofs::store(&app.data_dir, bytes, cfg.payments.proof_max_bytes)?;
    let now = crate::db::now();
    match super::write(app, now, |tx| {
        orders::attach_proof(tx, order_id, &stored, now)
    }) {
        Ok(_) => Ok(()),
        Err(e) => {
            proofs::discard(&app.data_dir, &stored);
            Err(e)
        }
    }
}

/// Applies one owner operation (verify, reject, ship, cancel, refund...) to the order, as
/// `actor`; refused (409) when the state machine does not allow it in the order's state.
/// Shipping by hand goes through the known carriers' rules first, and the shipment
/// follows the order in the same write (`shipping::follow_owner`).
pub fn apply(app: &App, order_id: i64, op: &Op, actor: &Actor) -> Result<()> {
    let op = super::shipping::resolve_manual(&app.cfg(), op.clone())?;
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let o = orders::apply(tx, order_id, &op, actor, now)?;
        super::shipping::follow_owner(tx, &op, &o, now)
    })
}

/// The payment-window sweep at `now` (the sweeper's clock; tests inject one): reminders,
/// then expiry, and their mails. Returns (reminded, expired).
pub fn sweep(app: &App, now: i64) -> Result<(usize, usize)> {
    let cfg = app.cfg();
    super::write(app, now, |tx| orders::sweep(tx, &cfg, now))
}
