//! Placing an order, for the checkout page and the API alike: the per-cart attempt limit,
//! then one write transaction (prices, stock, coupon, the `[limits]`, the order and its
//! mails, `shop::orders::checkout::place`), then the mail worker is woken once it is durable.

use super::cart::Bag;
use crate::app::App;
use crate::error::Result;
use crate::shop::cart;
use crate::shop::orders;
use crate::shop::orders::checkout::{self, Buyer, Input, Placed};

/// Places `bag` as an order. `attempt_key` names the bag for the attempt limit (one key
/// per session or API cart); `client_ip` is the trusted-proxy-aware address the
/// `[limits]` count. A replay of an earlier idempotency key returns that order and sends
/// nothing again.
pub fn place_order(
    app: &App,
    bag: Bag,
    attempt_key: &str,
    buyer: Buyer,
    input: &Input,
    consent: Option<bool>,
    client_ip: &str,
) -> Result<Placed> {
    app.limits.hit(
        &format!("checkout/{attempt_key}"),
        crate::limits::CHECKOUT_PER_CART,
        std::time::Duration::from_secs(600),
        "Too many checkout attempts.",
    )?;
    let cfg = app.cfg();
    let now = crate::db::now();
    // A bag already short of stock is refused from a reader, not in the writer's queue
    // (a sold-out drop's late buyers); the write below decides everything else.
    {
        let conn = app.db.read()?;
        let cart_id = match &bag {
            Bag::Id(id) => Some(*id),
            Bag::Of(owner) => cart::find(&conn, owner)?,
        };
        if let Some(id) = cart_id
            && let Some(refusal) = checkout::short_before_writing(&conn, id, input)?
        {
            return Err(refusal);
        }
    }
    let placed = super::write(app, now, |tx| {
        let cart_id = match bag {
            Bag::Of(owner) => cart::ensure(tx, owner, now)?,
            Bag::Id(id) => id,
        };
        let placed = checkout::place(tx, &cfg, &app.hmac, cart_id, buyer, input, client_ip, now)?;
        if !placed.replay {
            super::follow_ups::placed(tx, cart_id, placed.id, input.email.trim(), consent, now)?;
        }
        Ok(placed)
    })?;
    Ok(placed)
}

/// Counts the checkout page's first view of a bag in the sales funnel (once per bag).
pub fn started(app: &App, cart_id: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        orders::funnel_once(tx, "checkout_started", &format!("cart/{cart_id}"), now)
    })
}
