//! The owner's dashboard as a use case: its figures are read from the daily sums, which
//! must be by the store's local days first — the first view after a new zone (or a new
//! store, or two years on) writes the day table and rebuilds the sums, every other view
//! only reads.

use crate::admin_data::reports::{self, Dashboard};
use crate::app::App;
use crate::error::Result;

/// Everything the dashboard shows as of `now`.
pub fn dashboard(app: &App, now: i64) -> Result<Dashboard> {
    let cfg = app.cfg();
    let zone = &cfg.store.zone;
    if !reports::days_current(&*app.db.read()?, zone, now)? {
        super::write(app, now, |tx| reports::ensure_days(tx, zone, now))?;
    }
    reports::dashboard(&*app.db.read()?, now, zone, cfg.catalog.low_stock_threshold)
}
