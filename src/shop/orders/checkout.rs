//! Placing an order: ONE `write_tx` that re-prices every line from the catalog, takes the
//! stock with conditional updates (never below zero; any short line rolls everything
//! back and is named), redeems the coupon, and writes the order, its line and address
//! snapshots, the ledger rows, the first order event, the mails (shopper confirmation
//! with payment instructions, owner notification) and the funnel event. Nothing the
//! client says about money is read. The idempotency key makes a replay return the same
//! order; the same key with a different request is refused (422).
//!
//! The abuse limits of `[limits]` are checked here, inside the same transaction, so
//! racing requests cannot slip past them and a restart does not reset them (they are
//! counted from the orders table): orders per client address and per email in the last
//! hour, and the units one client address holds in orders nobody has paid yet.

use crate::config::Config;
use crate::crypto::{self, Hmac};
use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use crate::shop::accounts::{self, addresses, signin};
use crate::shop::cart::coupons;
use crate::shop::cart::pricing::{self, Ask};
use crate::shop::cart::{self, Issue};
use crate::shop::catalog;
use crate::shop::events::Event;
use crate::shop::orders::lifecycle::{Method, Status};
use crate::shop::payments::{self, Gateway};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

/// What the shopper submits. Money never appears here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    pub email: String,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub method: String,
    pub coupon: String,
    pub note: String,
    pub idempotency_key: String,
}

impl Input {
    /// A fingerprint of the request and of the cart it came from, to tell a replay from a
    /// different order sent with a used key. The cart is part of it so that a key (which a
    /// client may choose weakly) never hands one cart's order to another cart.
    fn fingerprint(&self, cart_id: i64) -> Vec<u8> {
        let cart = cart_id.to_string();
        let parts = [
            &cart,
            &self.email,
            &self.name,
            &self.phone,
            &self.line1,
            &self.line2,
            &self.city,
            &self.region,
            &self.postal_code,
            &self.country,
            &self.method,
            &self.coupon,
            &self.note,
        ];
        let mut buf = Vec::new();
        for p in parts {
            buf.extend_from_slice(p.trim().as_bytes());
            buf.push(0);
        }
        crypto::sha256(&buf)
    }
}

/// The outcome: the order, its secret access token, and whether this was a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub id: i64,
    pub number: String,
    pub access_token: String,
    pub replay: bool,
}

/// The order's secret link token. Derived from the server key (never stored; only its
/// hash is), so a replayed request can be answered with the same token.
pub fn access_token(hmac: &Hmac, number: &str, idempotency_key: &str) -> String {
    let tag = hmac.sign(format!("order-access\0{number}\0{idempotency_key}").as_bytes());
    crypto::b64(&tag)
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control()) {
        return Err(Error::bad_request(
            "The checkout form is missing its one-time key. Reload the page and try again.",
        ));
    }
    Ok(())
}

fn check_note(note: &str) -> Result<String> {
    let note = note.trim();
    if note.chars().count() > 500
        || note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(Error::bad_request(
            "Please keep the note under 500 characters.",
        ));
    }
    Ok(note.replace("\r\n", "\n"))
}

/// Who is buying: a signed-in customer (the order is theirs at once) or a guest (the
/// order waits for the email to be proven).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Buyer {
    Customer(i64),
    Guest,
}

/// Refuses (429) an order from `client_ip` for `email` of `units` more units when it
/// would pass one of the `[limits]`; the wait is until the oldest counted order leaves
/// the hour (or, for held units, until the first unpaid order's payment window ends).
fn check_limits(
    tx: &Tx,
    cfg: &Config,
    client_ip: &str,
    email: &str,
    units: i64,
    now: i64,
) -> Result<()> {
    let l = &cfg.limits;
    let since = now - 3600;
    let (n, first): (i64, Option<i64>) = tx.prepare_cached(sql::COUNT_BY_IP)?.query_row(
        params![client_ip, since, l.orders_per_address_per_hour],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if n >= l.orders_per_address_per_hour {
        return Err(Error::rate_limited(
            first.unwrap_or(now) + 3600 - now,
            "Too many orders were placed from your network in the last hour.",
        ));
    }
    let (n, first): (i64, Option<i64>) = tx
        .prepare_cached(sql::COUNT_BY_EMAIL)?
        .query_row(params![email, since, l.orders_per_email_per_hour], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if n >= l.orders_per_email_per_hour {
        return Err(Error::rate_limited(
            first.unwrap_or(now) + 3600 - now,
            "Too many orders were placed for this email address in the last hour.",
        ));
    }
    let (held, first_pay_by): (i64, Option<i64>) = tx
        .prepare_cached(sql::UNPAID_UNITS_BY_IP)?
        .query_row(params![client_ip, l.unpaid_units_per_address + 1], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if held + units > l.unpaid_units_per_address {
        // Held units free up as unpaid orders are paid, expire or are cancelled; COD ones
        // only when shipped, so without a payment deadline ask for an hour.
        let wait = first_pay_by.map_or(3600, |t| t - now).clamp(60, 3600);
        return Err(Error::rate_limited(
            wait,
            &format!(
                "Orders from your network already hold {}; the most is {}. Pay for or cancel an earlier order first.",
                // The count stops past the limit (see the query).
                if held > l.unpaid_units_per_address {
                    format!("more than {} unpaid items", l.unpaid_units_per_address)
                } else {
                    crate::shop::text::count_of(held, "unpaid item", "unpaid items")
                },
                l.unpaid_units_per_address
            ),
        ));
    }
    Ok(())
}

/// The refusal for lines there is not enough of: every short item named at once.
fn short_error(short: &[&cart::Line]) -> Error {
    let names: Vec<String> = short
        .iter()
        .map(|l| match l.stock {
            0 => format!("{} is sold out", l.title),
            n => format!("only {n} of {} left", l.title),
        })
        .collect();
    let details: Vec<_> = short
        .iter()
        .map(|l| json!({"variant_id": l.variant_id, "sku": l.sku, "requested": l.quantity, "available": l.stock}))
        .collect();
    Error::conflict(format!(
        "Not enough stock: {}. Update your bag to continue.",
        names.join("; ")
    ))
    .with_details(json!({ "short": details }))
}

/// Before the writer, on a read connection: the refusal `place` would give for a bag that
/// is short of stock right now, so the many late buyers of a sold-out drop are answered
/// without queueing for the single writer. None whenever `place` must decide (a repeated
/// key, which answers with its order; a card payment that may be waiting; a withdrawn
/// item; enough stock — which `place` checks again under the write lock, so this can
/// never sell what is not there).
pub fn short_before_writing(
    c: &rusqlite::Connection,
    cart_id: i64,
    input: &Input,
) -> Result<Option<Error>> {
    let repeat = c
        .prepare_cached(sql::BY_KEY)?
        .query_row([&input.idempotency_key], |_| Ok(()))
        .optional()?
        .is_some();
    let card = Method::parse(input.method.trim())
        .is_some_and(|m| m != Method::Cod && m != Method::BankTransfer);
    // A card order waiting for this bag holds stock that `place` may give back to it.
    let held = c
        .prepare_cached(sql::PENDING_CARD_ORDER)?
        .query_row([cart_id], |_| Ok(()))
        .optional()?
        .is_some();
    if repeat || card || held {
        return Ok(None);
    }
    let bag = cart::view(c, cart_id)?;
    if bag
        .lines
        .iter()
        .any(|l| l.issue == Some(Issue::Unavailable))
    {
        return Ok(None);
    }
    let short: Vec<&cart::Line> = bag.lines.iter().filter(|l| l.stock < l.quantity).collect();
    Ok((!short.is_empty()).then(|| short_error(&short)))
}

/// Places the order of `cart_id` for a visitor at `client_ip` (the trusted-proxy-aware
/// address, `web::session::client_ip`). See the module doc for everything it does; on
/// any refusal nothing is written (the caller's transaction rolls back).
#[allow(clippy::too_many_arguments)]
pub fn place(
    tx: &Tx,
    cfg: &Config,
    hmac: &Hmac,
    cart_id: i64,
    buyer: Buyer,
    input: &Input,
    client_ip: &str,
    now: i64,
) -> Result<Placed> {
    check_key(&input.idempotency_key)?;
    let fingerprint = input.fingerprint(cart_id);
    let existing: Option<(i64, String, Vec<u8>)> = tx
        .prepare_cached(sql::BY_KEY)?
        .query_row([&input.idempotency_key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((id, number, hash)) = existing {
        if hash != fingerprint {
            return Err(Error::new(
                Kind::Unprocessable,
                "This idempotency key was already used for a different order.",
            ));
        }
        return Ok(Placed {
            id,
            access_token: access_token(hmac, &number, &input.idempotency_key),
            number,
            replay: true,
        });
    }

    crate::shop::text::single_line("Email", &input.email)?;
    crate::shop::text::single_line("Name", &input.name)?;
    let email = signin::normalize_email(&input.email)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::bad_request(
            "Please enter the name to deliver to (up to 80 characters).",
        ));
    }
    let addr = addresses::validate(&addresses::Address {
        name: name.to_string(),
        phone: input.phone.clone(),
        line1: input.line1.clone(),
        line2: input.line2.clone(),
        city: input.city.clone(),
        region: input.region.clone(),
        postal_code: input.postal_code.clone(),
        country: input.country.clone(),
        ..Default::default()
    })?;
    let note = check_note(&input.note)?;
    let method = Method::parse(input.method.trim())
        .ok_or_else(|| Error::bad_request("Please choose how you want to pay."))?;

    let cart = cart::view(tx, cart_id)?;
    if cart.lines.is_empty() {
        return Err(Error::bad_request("Your bag is empty."));
    }
    let bag = bag_hash(&cart, input);
    if let Some(p) = pending_card_order(tx, hmac, cart_id, &bag, now)? {
        return Ok(p);
    }
    if let Some(l) = cart
        .lines
        .iter()
        .find(|l| l.issue == Some(Issue::Unavailable))
    {
        return Err(Error::conflict(format!(
            "{} is no longer available. Remove it from your bag to continue.",
            l.title
        ))
        .with_details(json!({"unavailable": [l.variant_id]})));
    }
    let quote = pricing::quote(
        tx,
        cfg,
        &Ask {
            subtotal: cart.subtotal(),
            country: &addr.country,
            region: &addr.region,
            method: Some(method),
            coupon: &input.coupon,
            email: &email,
        },
        now,
    )?;
    pricing::check_placeable(&quote, method, &addr.country)?;
    // After every check a shopper can fix (a typo should not cost them a slot), before
    // anything is taken or written.
    let units: i64 = cart.lines.iter().map(|l| l.quantity).sum();
    check_limits(tx, cfg, client_ip, &email, units, now)?;

    let id: i64 = tx.query_row(sql::NEXT_ID, [], |r| r.get(0))?;
    let number = format!("{}-{}", cfg.store.order_prefix, 10_000 + id);

    // Take the stock, every line, before anything else is written: the first short line
    // does not stop the loop, so the shopper hears about every short item at once.
    let mut short = Vec::new();
    for l in &cart.lines {
        let took = catalog::move_stock(
            tx,
            l.variant_id,
            -l.quantity,
            "sale",
            "shopper",
            "",
            Some(&number),
            now,
        )?;
        match took {
            // A sale that takes a variant to its low-stock threshold tells the owner
            // (rolled back with everything else if the order fails).
            Some(after) => {
                crate::shop::catalog::stock::alert_if_crossed(
                    tx,
                    cfg,
                    l.variant_id,
                    after + l.quantity,
                    after,
                )?;
            }
            None => short.push(l),
        }
    }
    if !short.is_empty() {
        return Err(short_error(&short));
    }

    let customer_id = match buyer {
        Buyer::Customer(cid) => Some(cid),
        Buyer::Guest => {
            // The guest gets a customer record; the order joins it only once the email
            // is proven (see orders::link_guest_orders).
            accounts::find_or_create(tx, &email, now)?;
            None
        }
    };
    let status = method.initial();
    let gateway = Gateway::of(method);
    let pay_by = match gateway {
        // A card is paid on the spot: its stock is held for minutes, not days.
        Some(g) => Some(now + payments::config(cfg, g).payment_window_minutes * 60),
        None => (status == Status::PendingPayment)
            .then(|| now + cfg.payments.payment_window_hours * 3600),
    };
    let token = access_token(hmac, &number, &input.idempotency_key);
    tx.prepare_cached(sql::INSERT)?.execute(params![
        id,
        number,
        crypto::token_hash(&token),
        input.idempotency_key,
        fingerprint,
        customer_id,
        email,
        addr.name,
        addr.phone,
        addr.line1,
        addr.line2,
        addr.city,
        addr.region,
        addr.postal_code,
        addr.country,
        quote.zone.clone().unwrap_or_default(),
        status.as_str(),
        method.as_str(),
        cfg.store.currency,
        quote.subtotal,
        quote.discount,
        quote.shipping_fee,
        quote.cod_fee,
        quote.total,
        quote.coupon.as_ref().map(|k| k.code.clone()),
        note,
        pay_by,
        now,
        client_ip
    ])?;
    for l in &cart.lines {
        tx.prepare_cached(sql::INSERT_LINE)?.execute(params![
            id,
            l.variant_id,
            l.product_id,
            l.title,
            l.options_label(),
            l.sku,
            l.unit_price,
            l.quantity
        ])?;
    }
    if let Some(k) = &quote.coupon {
        coupons::redeem(tx, k, id, &email, quote.discount, now)?;
    }
    crate::shop::orders::event(tx, id, "shopper", "placed", None, Some(status), "", now)?;
    crate::shop::orders::funnel(tx, "order_placed", &number, now)?;
    match gateway {
        // The bag stays until the card payment is captured: a shopper who leaves the
        // payment page, or whose card is declined, still has it.
        Some(g) => {
            tx.prepare_cached(sql::REMEMBER_BAG)?
                .execute(params![cart_id, bag, id])?;
            payments::start(tx, id, g, quote.total, &cfg.store.currency, now)?;
        }
        None => cart::clear(tx, cart_id)?,
    }
    let guest_link = match buyer {
        Buyer::Guest => {
            let link = signin::issue_link_for_order(tx, &email, &number, now)?;
            crate::shop::orders::funnel(tx, "signin_link_sent", &number, now)?;
            Some(link)
        }
        Buyer::Customer(_) => None,
    };
    tx.record(Event::OrderPlaced {
        order_id: id,
        access_token: token.clone(),
        guest_link,
    });
    Ok(Placed {
        id,
        number,
        access_token: token,
        replay: false,
    })
}

/// What makes two checkouts "the same bag": its lines and everything the shopper
/// typed, except the idempotency key (a fresh page has a fresh one).
fn bag_hash(cart: &cart::Cart, input: &Input) -> String {
    let mut lines: Vec<String> = cart
        .lines
        .iter()
        .map(|l| format!("{}x{}", l.variant_id, l.quantity))
        .collect();
    lines.sort();
    let mut buf = lines.join(",").into_bytes();
    buf.extend_from_slice(&input.fingerprint(0));
    crypto::hex(&crypto::sha256(&buf))
}

/// A card order from this bag still waiting for its payment: the same bag gets it again
/// (no second order, no second hold on the stock); a changed bag or other details
/// replace it — it is cancelled and its stock goes back before the new one takes its
/// own. A payment that still comes for the replaced order is handled like any late
/// payment (the order comes back if its stock is there, else the money goes back).
fn pending_card_order(
    tx: &Tx,
    hmac: &Hmac,
    cart_id: i64,
    bag: &str,
    now: i64,
) -> Result<Option<Placed>> {
    let found: Option<(i64, String, String, Option<String>)> = tx
        .prepare_cached(sql::PENDING_CARD_ORDER)?
        .query_row([cart_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((id, number, key, hash)) = found else {
        return Ok(None);
    };
    if hash.as_deref() == Some(bag) {
        return Ok(Some(Placed {
            id,
            access_token: access_token(hmac, &number, &key),
            number,
            replay: true,
        }));
    }
    crate::shop::orders::apply(
        tx,
        id,
        &crate::shop::orders::Op::Cancel {
            reason: "The bag changed at checkout before this order was paid; it was replaced by a new order.".into(),
        },
        &crate::shop::audit::Actor {
            id: None,
            name: "shopper".into(),
        },
        now,
    )?;
    tx.prepare_cached(sql::FORGET_BAG)?.execute([id])?;
    Ok(None)
}

pub mod sql {
    //! SQL of placing orders.
    pub const REMEMBER_BAG: &str = "UPDATE orders SET cart_id = ?1, bag_hash = ?2 WHERE id = ?3";
    pub const FORGET_BAG: &str = "UPDATE orders SET cart_id = NULL WHERE id = ?1";
    pub const PENDING_CARD_ORDER: &str = "SELECT id, number, idempotency_key, bag_hash FROM orders WHERE cart_id = ?1 AND status = 'pending_payment' AND payment_status = 'unpaid' AND payment_method IN ('razorpay', 'stripe') ORDER BY id DESC LIMIT 1";
    pub const BY_KEY: &str =
        "SELECT id, number, request_hash FROM orders WHERE idempotency_key = ?1";
    pub const NEXT_ID: &str = "SELECT coalesce(max(id), 0) + 1 FROM orders";
    pub const INSERT: &str = "INSERT INTO orders (id, number, access_hash, idempotency_key, request_hash, customer_id, email, name, phone, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, shipping_zone, status, payment_method, currency, subtotal, discount, shipping_fee, cod_fee, total, coupon_code, note, pay_by, created_at, updated_at, client_ip) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?28, ?29)";
    pub const INSERT_LINE: &str = "INSERT INTO order_lines (order_id, variant_id, product_id, title, options, sku, unit_price, quantity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// ?3 the limit: the count stops there (a busy address costs at most that many rows).
    pub const COUNT_BY_IP: &str = "SELECT count(*), min(created_at) FROM (SELECT created_at FROM orders WHERE client_ip = ?1 AND created_at > ?2 ORDER BY created_at LIMIT ?3)";
    pub const COUNT_BY_EMAIL: &str = "SELECT count(*), min(created_at) FROM (SELECT created_at FROM orders WHERE email = ?1 AND created_at > ?2 ORDER BY created_at LIMIT ?3)";
    /// Units held by an address's orders nobody has paid: awaiting payment or proof
    /// review, and COD orders not shipped yet (they hold stock as surely, and an abuser
    /// would simply pick COD if it did not count). Shipped ones are the owner's decision.
    /// Through the partial index `orders_unpaid_ip` (migration 12), earliest deadline
    /// first, and only as many lines as can matter: every line holds at least one unit, so
    /// ?2 = limit + 1 lines are enough to tell "over the limit"; the earliest deadline of
    /// those is the first that frees units up.
    pub const UNPAID_UNITS_BY_IP: &str = "SELECT coalesce(sum(q), 0), min(pay_by) FROM (SELECT l.quantity AS q, o.pay_by AS pay_by FROM orders o INDEXED BY orders_unpaid_ip JOIN order_lines l ON l.order_id = o.id WHERE o.client_ip = ?1 AND o.payment_status = 'unpaid' AND o.status IN ('pending_payment', 'awaiting_verification', 'confirmed', 'processing') ORDER BY o.pay_by LIMIT ?2)";
    pub const ALL: &[&str] = &[
        BY_KEY,
        NEXT_ID,
        INSERT,
        INSERT_LINE,
        COUNT_BY_IP,
        COUNT_BY_EMAIL,
        UNPAID_UNITS_BY_IP,
        REMEMBER_BAG,
        FORGET_BAG,
        PENDING_CARD_ORDER,
    ];
}
