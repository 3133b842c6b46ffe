//! Carts: a guest's cart lives with the session, a signed-in customer's with the customer
//! (the same cart on every device), an API cart behind a bearer token. The caps of
//! store.toml [cart] are checked here with a clear message AND enforced by triggers on
//! `cart_lines` (the `cart_limits` row is brought in step inside each cart write, so a
//! reload applies to the next write). Reading a cart re-prices it from the catalog and
//! flags lines that can no longer be bought as they are; sign-in merges the guest cart.

pub mod coupons;
pub mod pricing;

use crate::config::CartConfig;
use crate::crypto;
use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// Who a cart belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    Session(i64),
    Customer(i64),
    /// The SHA-256 of an API cart token.
    Token(Vec<u8>),
}

/// Why a line cannot be bought as it stands, and what the shopper can do.
#[derive(Debug, Clone, PartialEq)]
pub enum Issue {
    /// The product was withdrawn or the variant archived: remove it.
    Unavailable,
    /// Sold out since it was added: remove it.
    SoldOut,
    /// Fewer left than in the cart: lower the quantity to `available`.
    Short { available: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub variant_id: i64,
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    pub options: Vec<String>,
    pub sku: String,
    pub unit_price: i64,
    pub compare_at: Option<i64>,
    pub quantity: i64,
    pub stock: i64,
    pub image: Option<String>,
    pub issue: Option<Issue>,
}

impl Line {
    pub fn total(&self) -> i64 {
        self.unit_price * self.quantity
    }
    pub fn options_label(&self) -> String {
        self.options.join(" / ")
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cart {
    pub id: i64,
    pub lines: Vec<Line>,
    /// What the last sign-in merge changed (shown once).
    pub notice: String,
}

impl Cart {
    pub fn subtotal(&self) -> i64 {
        self.lines.iter().map(Line::total).sum()
    }
    pub fn units(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }
    pub fn has_issues(&self) -> bool {
        self.lines.iter().any(|l| l.issue.is_some())
    }
}

/// The cart of `owner`, if it has one.
pub fn find(c: &Connection, owner: &Owner) -> Result<Option<i64>> {
    let (q, key): (&str, rusqlite::types::Value) = match owner {
        Owner::Session(id) => (sql::BY_SESSION, (*id).into()),
        Owner::Customer(id) => (sql::BY_CUSTOMER, (*id).into()),
        Owner::Token(h) => (sql::BY_TOKEN, h.clone().into()),
    };
    Ok(c.prepare_cached(q)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// The cart of `owner`, made on first need.
pub fn ensure(tx: &Tx, owner: &Owner, now: i64) -> Result<i64> {
    if let Some(id) = find(tx, owner)? {
        return Ok(id);
    }
    let (s, c, t) = match owner {
        Owner::Session(id) => (Some(*id), None, None),
        Owner::Customer(id) => (None, Some(*id), None),
        Owner::Token(h) => (None, None, Some(h.clone())),
    };
    tx.prepare_cached(sql::INSERT)?
        .execute(params![s, c, t, now])?;
    Ok(tx.last_insert_rowid())
}

/// A new API cart; returns (token, cart id). Only the token's hash is stored.
/// A new API cart's bearer token: random, with a tag from the server key, so the cart
/// needs no row until its first item (a bot that only creates carts writes nothing) and
/// a made-up token is still told apart from an empty cart.
pub fn new_token(hmac: &crypto::Hmac) -> String {
    let random = crypto::token();
    let tag = token_tag(hmac, &random);
    format!("{random}.{tag}")
}

fn token_tag(hmac: &crypto::Hmac, random: &str) -> String {
    crypto::hex(&hmac.sign(format!("api-cart\0{random}").as_bytes())[..12])
}

/// Whether `token` is one [`new_token`] made (compared in constant time).
pub fn token_is_ours(hmac: &crypto::Hmac, token: &str) -> bool {
    token.split_once('.').is_some_and(|(random, tag)| {
        crypto::same(token_tag(hmac, random).as_bytes(), tag.as_bytes())
    })
}

fn sync_limits(tx: &Tx, caps: &CartConfig) -> Result<()> {
    tx.prepare_cached(sql::SYNC_LIMITS)?
        .execute(params![caps.max_line_quantity, caps.max_lines as i64])?;
    Ok(())
}

/// Turns a cap trigger's abort into the shopper's message (a backstop: the checks below
/// normally say it first).
fn cap_error(e: rusqlite::Error, caps: &CartConfig) -> Error {
    let msg = e.to_string();
    if msg.contains("cart_line_quantity_cap") {
        Error::bad_request(format!(
            "You can have at most {} of one item in your bag.",
            caps.max_line_quantity
        ))
    } else if msg.contains("cart_lines_cap") {
        Error::bad_request(format!(
            "Your bag can hold at most {} different items.",
            caps.max_lines
        ))
    } else {
        e.into()
    }
}

/// What the catalog says about a variant right now: (stock, buyable).
fn variant_state(c: &Connection, variant_id: i64) -> Result<Option<(i64, bool)>> {
    Ok(c.prepare_cached(sql::VARIANT_STATE)?
        .query_row([variant_id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? == 1)))
        .optional()?)
}

/// How a quantity is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Add to what is already in the cart (the product page's button).
    Add,
    /// Set the line to exactly this (the cart page's field); 0 removes the line.
    Set,
    /// Like `Set`, but only for a line the cart already holds (the API's PATCH and
    /// DELETE of `/items/{variant}`): a line that is not there is a 404, not a new line.
    Update,
}

/// Adds or sets a line. Refuses, with a message for the shopper and nothing written: an
/// unknown, withdrawn or sold-out variant, a quantity over the per-line cap or over the
/// stock, a new line over the line cap. Returns the line's new quantity.
pub fn put(
    tx: &Tx,
    cart_id: i64,
    variant_id: i64,
    quantity: i64,
    mode: Mode,
    caps: &CartConfig,
    now: i64,
) -> Result<i64> {
    if !(0..=100_000).contains(&quantity) || (mode == Mode::Add && quantity == 0) {
        return Err(Error::bad_request("Please choose a quantity of 1 or more."));
    }
    sync_limits(tx, caps)?;
    let current = line_qty(tx, cart_id, variant_id)?;
    if mode == Mode::Update && current == 0 {
        return Err(Error::not_found("This cart holds no such line."));
    }
    let wanted = wanted(mode, current, quantity);
    if wanted == 0 {
        remove(tx, cart_id, variant_id)?;
        return Ok(0);
    }
    let Some((stock, buyable)) = variant_state(tx, variant_id)? else {
        return Err(Error::not_found("That item does not exist."));
    };
    if !buyable {
        return Err(Error::conflict("That item is no longer available."));
    }
    if wanted > caps.max_line_quantity {
        return Err(Error::bad_request(format!(
            "You can have at most {} of one item in your bag.",
            caps.max_line_quantity
        )));
    }
    if wanted > stock {
        let msg = match stock {
            0 => "Sorry, that item is sold out.".to_string(),
            n if current > 0 => format!("Only {n} left, and your bag already has {current}."),
            n => format!("Only {n} left in stock."),
        };
        return Err(Error::conflict(msg)
            .with_details(serde_json::json!({"variant_id": variant_id, "available": stock})));
    }
    if current == 0 {
        let lines: i64 = tx
            .prepare_cached(sql::LINE_COUNT)?
            .query_row([cart_id], |r| r.get(0))?;
        if lines >= caps.max_lines as i64 {
            return Err(Error::bad_request(format!(
                "Your bag can hold at most {} different items.",
                caps.max_lines
            )));
        }
    }
    tx.prepare_cached(sql::UPSERT_LINE)?
        .execute(params![cart_id, variant_id, wanted, now])
        .map_err(|e| cap_error(e, caps))?;
    touch(tx, cart_id, now)?;
    Ok(wanted)
}

/// How many of `variant_id` the cart holds (0: no line).
fn line_qty(c: &Connection, cart_id: i64, variant_id: i64) -> Result<i64> {
    Ok(c.prepare_cached(sql::LINE_QTY)?
        .query_row(params![cart_id, variant_id], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The line's quantity a change asks for: `quantity` more, or `quantity`.
fn wanted(mode: Mode, current: i64, quantity: i64) -> i64 {
    match mode {
        Mode::Add => current.saturating_add(quantity),
        Mode::Set | Mode::Update => quantity,
    }
}

/// [`put`] for a shopper's bag page: asking for more than is left puts what is left
/// (true: the caller says so) instead of refusing. Adding to a line that already holds
/// everything left is still refused, with words that say so; the per-line cap and every
/// other rule are [`put`]'s.
pub fn put_up_to(
    tx: &Tx,
    cart_id: i64,
    variant_id: i64,
    quantity: i64,
    mode: Mode,
    caps: &CartConfig,
    now: i64,
) -> Result<bool> {
    let current = line_qty(tx, cart_id, variant_id)?;
    let wanted = wanted(mode, current, quantity.max(0));
    let stock = match variant_state(tx, variant_id)? {
        Some((stock, true)) if stock > 0 && wanted > stock && wanted <= caps.max_line_quantity => {
            stock
        }
        _ => {
            put(tx, cart_id, variant_id, quantity, mode, caps, now)?;
            return Ok(false);
        }
    };
    if mode == Mode::Add && current >= stock {
        return Err(Error::conflict(format!(
            "Only {stock} left, and your bag already has all of them."
        ))
        .with_details(serde_json::json!({"variant_id": variant_id, "available": stock})));
    }
    put(tx, cart_id, variant_id, stock, Mode::Set, caps, now)?;
    Ok(true)
}

pub fn remove(tx: &Tx, cart_id: i64, variant_id: i64) -> Result<()> {
    tx.prepare_cached(sql::DELETE_LINE)?
        .execute(params![cart_id, variant_id])?;
    Ok(())
}

pub fn clear(tx: &Tx, cart_id: i64) -> Result<()> {
    tx.prepare_cached(sql::CLEAR)?.execute([cart_id])?;
    Ok(())
}

fn touch(tx: &Tx, cart_id: i64, now: i64) -> Result<()> {
    tx.prepare_cached(sql::TOUCH)?
        .execute(params![now, cart_id])?;
    Ok(())
}

/// The cart with today's prices and stock, each line flagged when it cannot be bought as
/// it stands.
pub fn view(c: &Connection, cart_id: i64) -> Result<Cart> {
    let notice: String = c
        .prepare_cached(sql::NOTICE)?
        .query_row([cart_id], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    let mut st = c.prepare_cached(sql::LINES)?;
    let lines = st
        .query_map([cart_id], |r| {
            let options: Vec<String> = [r.get::<_, Option<String>>(5)?, r.get(6)?, r.get(7)?]
                .into_iter()
                .flatten()
                .filter(|o| !o.is_empty())
                .collect();
            let quantity: i64 = r.get(11)?;
            let stock: i64 = r.get(12)?;
            let buyable = r.get::<_, i64>(13)? == 1;
            let issue = if !buyable {
                Some(Issue::Unavailable)
            } else if stock == 0 {
                Some(Issue::SoldOut)
            } else if quantity > stock {
                Some(Issue::Short { available: stock })
            } else {
                None
            };
            Ok(Line {
                variant_id: r.get(0)?,
                product_id: r.get(1)?,
                slug: r.get(2)?,
                title: r.get(3)?,
                sku: r.get(4)?,
                options,
                unit_price: r.get(8)?,
                compare_at: r.get(9)?,
                image: r.get(10)?,
                quantity,
                stock,
                issue,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Cart {
        id: cart_id,
        lines,
        notice,
    })
}

/// The cart of `owner` (empty when it has none).
pub fn view_of(c: &Connection, owner: &Owner) -> Result<Cart> {
    match find(c, owner)? {
        Some(id) => view(c, id),
        None => Ok(Cart::default()),
    }
}

/// Clears the one-time notice after it was shown.
pub fn clear_notice(tx: &Tx, cart_id: i64) -> Result<()> {
    tx.prepare_cached(sql::CLEAR_NOTICE)?.execute([cart_id])?;
    Ok(())
}

/// At sign-in: moves the guest cart of `session_id` into the customer's cart. Lines of the
/// same variant collapse into one; quantities are clamped to the per-line cap and to the
/// stock; withdrawn or sold-out items are dropped; lines over the cart cap are left out.
/// What changed is kept as the cart's notice and returned.
pub fn merge_on_sign_in(
    tx: &Tx,
    session_id: i64,
    customer_id: i64,
    caps: &CartConfig,
    now: i64,
) -> Result<Vec<String>> {
    let Some(guest) = find(tx, &Owner::Session(session_id))? else {
        return Ok(Vec::new());
    };
    let incoming = view(tx, guest)?;
    tx.prepare_cached(sql::DELETE_CART)?.execute([guest])?;
    if incoming.lines.is_empty() {
        return Ok(Vec::new());
    }
    sync_limits(tx, caps)?;
    let target = ensure(tx, &Owner::Customer(customer_id), now)?;
    let existing = view(tx, target)?;
    let mut notes = Vec::new();
    let mut count = existing.lines.len() as i64;
    for l in incoming.lines {
        let name = if l.options.is_empty() {
            l.title.clone()
        } else {
            format!("{} ({})", l.title, l.options_label())
        };
        match l.issue {
            Some(Issue::Unavailable) => {
                notes.push(format!("{name} is no longer available and was removed."));
                continue;
            }
            Some(Issue::SoldOut) => {
                notes.push(format!("{name} sold out and was removed."));
                continue;
            }
            _ => {}
        }
        let already = existing
            .lines
            .iter()
            .find(|e| e.variant_id == l.variant_id)
            .map(|e| e.quantity)
            .unwrap_or(0);
        if already == 0 && count >= caps.max_lines as i64 {
            notes.push(format!(
                "{name} was left out: a bag holds at most {} different items.",
                caps.max_lines
            ));
            continue;
        }
        let wanted = already + l.quantity;
        let qty = wanted.min(caps.max_line_quantity).min(l.stock);
        if qty < wanted {
            notes.push(format!(
                "{name}: quantity set to {qty} (you had {wanted} across your bags)."
            ));
        } else if already > 0 {
            notes.push(format!("{name}: your bags were combined ({qty} in all)."));
        }
        if already == 0 {
            count += 1;
        }
        tx.prepare_cached(sql::UPSERT_LINE)?
            .execute(params![target, l.variant_id, qty, now])
            .map_err(|e| cap_error(e, caps))?;
    }
    tx.prepare_cached(sql::SET_NOTICE)?
        .execute(params![notes.join("\n"), now, target])?;
    Ok(notes)
}

pub mod sql {
    //! SQL of carts.
    pub const BY_SESSION: &str = "SELECT id FROM carts WHERE session_id = ?1";
    pub const BY_CUSTOMER: &str = "SELECT id FROM carts WHERE customer_id = ?1";
    pub const BY_TOKEN: &str = "SELECT id FROM carts WHERE token_hash = ?1";
    pub const INSERT: &str = "INSERT INTO carts (session_id, customer_id, token_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
    pub const SYNC_LIMITS: &str = "UPDATE cart_limits SET max_line_quantity = ?1, max_lines = ?2 WHERE id = 1 AND (max_line_quantity <> ?1 OR max_lines <> ?2)";
    pub const VARIANT_STATE: &str = "SELECT v.stock, (p.status = 'active' AND v.archived = 0) FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?1";
    pub const LINE_QTY: &str =
        "SELECT quantity FROM cart_lines WHERE cart_id = ?1 AND variant_id = ?2";
    pub const LINE_COUNT: &str = "SELECT count(*) FROM cart_lines WHERE cart_id = ?1";
    pub const UPSERT_LINE: &str = "INSERT INTO cart_lines (cart_id, variant_id, quantity, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity";
    pub const DELETE_LINE: &str = "DELETE FROM cart_lines WHERE cart_id = ?1 AND variant_id = ?2";
    pub const CLEAR: &str = "DELETE FROM cart_lines WHERE cart_id = ?1";
    pub const TOUCH: &str = "UPDATE carts SET updated_at = ?1 WHERE id = ?2";
    pub const NOTICE: &str = "SELECT notice FROM carts WHERE id = ?1";
    pub const CLEAR_NOTICE: &str = "UPDATE carts SET notice = '' WHERE id = ?1 AND notice <> ''";
    pub const SET_NOTICE: &str = "UPDATE carts SET notice = ?1, updated_at = ?2 WHERE id = ?3";
    pub const DELETE_CART: &str = "DELETE FROM carts WHERE id = ?1";
    pub const LINES: &str = "SELECT v.id, p.id, p.slug, p.title, v.sku, v.option1, v.option2, v.option3, v.price, v.compare_at_price, (SELECT i.hash FROM product_images pi JOIN images i ON i.id = pi.image_id WHERE pi.product_id = p.id ORDER BY pi.position, pi.image_id LIMIT 1), cl.quantity, v.stock, (p.status = 'active' AND v.archived = 0) FROM cart_lines cl JOIN variants v ON v.id = cl.variant_id JOIN products p ON p.id = v.product_id WHERE cl.cart_id = ?1 ORDER BY cl.added_at, v.id";
    pub const ALL: &[&str] = &[
        BY_SESSION,
        BY_CUSTOMER,
        BY_TOKEN,
        INSERT,
        SYNC_LIMITS,
        VARIANT_STATE,
        LINE_QTY,
        LINE_COUNT,
        UPSERT_LINE,
        DELETE_LINE,
        CLEAR,
        TOUCH,
        NOTICE,
        CLEAR_NOTICE,
        SET_NOTICE,
        DELETE_CART,
        LINES,
    ];
}

/// Kind check used by handlers that turn a refused cart change into a page.
pub fn is_refusal(e: &Error) -> bool {
    matches!(e.kind, Kind::BadRequest | Kind::Conflict | Kind::NotFound)
}
