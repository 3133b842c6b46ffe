//! The owner's mail log writes: sending a failed, held or sent email again.

use crate::app::App;
use crate::error::Result;
use crate::jobs::outbox;

/// Puts email `id` back in the queue (404 unknown, 409 already on its way) and wakes the
/// mail worker so it goes out now rather than at the next poll.
pub fn resend(app: &App, id: i64) -> Result<()> {
    outbox::resend(&app.db, id, crate::db::now())?;
    app.mail_wake().notify();
    Ok(())
}
