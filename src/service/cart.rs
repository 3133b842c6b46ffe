//! Bag writes: a new API cart, adding or setting a line (HTML bag and API cart alike), and
//! clearing the one-time notice a bag shows after a sign-in merge.

use crate::app::App;
use crate::error::Result;
use crate::shop::cart::{self, Mode, Owner};

/// Which cart: the one of a session or customer (made on first use), or one known by id.
pub enum Bag<'a> {
    Of(&'a Owner),
    Id(i64),
}

/// A new API cart's bearer token. Nothing is written: the cart's row (holding only the
/// token's hash) is made with its first item.
pub fn new_token_cart(app: &App) -> String {
    cart::new_token(&app.hmac)
}

/// Adds to or sets a line of `bag` under the `[cart]` caps (see `cart::put` for every
/// refusal; on one nothing is written). Returns the cart's id.
pub fn put_line(app: &App, bag: Bag, variant: i64, qty: i64, mode: Mode) -> Result<i64> {
    change_line(app, bag, |tx, id, caps, now| {
        cart::put(tx, id, variant, qty, mode, caps, now)?;
        Ok(id)
    })
}

/// Runs `f` on `bag`'s cart id (made for its owner if it has none yet) in one write.
fn change_line<T>(
    app: &App,
    bag: Bag,
    f: impl FnOnce(&crate::db::Tx, i64, &crate::config::CartConfig, i64) -> Result<T>,
) -> Result<T> {
    let caps = app.cfg().cart.clone();
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let id = match bag {
            Bag::Of(owner) => cart::ensure(tx, owner, now)?,
            Bag::Id(id) => id,
        };
        f(tx, id, &caps, now)
    })
}

/// [`put_line`] for the bag page: more than is left puts what is left (true) instead of
/// refusing (`cart::put_up_to`).
pub fn put_line_up_to(app: &App, bag: Bag, variant: i64, qty: i64, mode: Mode) -> Result<bool> {
    change_line(app, bag, |tx, id, caps, now| {
        cart::put_up_to(tx, id, variant, qty, mode, caps, now)
    })
}

/// The bag's notice was shown once; forget it.
pub fn clear_notice(app: &App, cart_id: i64) -> Result<()> {
    super::write(app, crate::db::now(), |tx| cart::clear_notice(tx, cart_id))
}
