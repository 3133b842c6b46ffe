//! Order writes after checkout: a shopper's payment proof (page and API), and the owner's
//! operations of the order state machine (`shop::orders::lifecycle`), each followed by a wake of
//! the mail worker for the notices they queued.

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
    match app
        .db
        .write_tx(|tx| orders::attach_proof(tx, &cfg, order_id, &stored, now))
    {
        Ok(_) => {
            app.mail_wake().notify();
            Ok(())
        }
        Err(e) => {
            proofs::discard(&app.data_dir, &stored);
            Err(e)
        }
    }
}

/// Applies one owner operation (verify, reject, ship, cancel, refund...) to the order, as
/// `actor`; refused (409) when the state machine does not allow it in the order's state.
pub fn apply(app: &App, order_id: i64, op: &Op, actor: &Actor) -> Result<()> {
    let cfg = app.cfg();
    let now = crate::db::now();
    app.db
        .write_tx(|tx| orders::apply(tx, &cfg, &app.hmac, order_id, op, actor, now))?;
    app.mail_wake().notify();
    Ok(())
}
