//! Session writes: a new guest session, and the occasional "last seen" touch.

use crate::app::App;
use crate::error::Result;
use crate::shop::accounts::sessions::{self, Session};

/// Records that `s` was used now, at most every `TOUCH_EVERY_SECS` (a read otherwise).
pub fn touch_if_due(app: &App, s: &Session) -> Result<()> {
    let now = crate::db::now();
    if now - s.last_seen_at >= sessions::TOUCH_EVERY_SECS {
        super::write(app, now, |tx| sessions::touch(tx, s, now))?;
    }
    Ok(())
}

/// A new guest session; returns its cookie token and the session.
pub fn start_guest(app: &App, user_agent: &str, client_ip: &str) -> Result<(String, Session)> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        sessions::create(tx, None, user_agent, client_ip, now)
    })
}
