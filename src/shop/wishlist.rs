//! The wishlist: canonical rows (`wishlist_items`: who saved which product) and their
//! projection (`wishlist_view`: what the wishlist page shows). A change writes the
//! canonical row and returns the (owner, product) pairs whose view must follow; the
//! service queues one projection event per pair in the same transaction. Projecting is
//! idempotent twice over: an event id is applied once (`projected_events`), and what it
//! writes is derived from the canonical row as it is now, so events arriving late or out
//! of order still leave the view equal to the truth. `rebuild` recomputes the whole view
//! and reports what differed.

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::catalog;
use rusqlite::{Connection, OptionalExtension, params};

/// Who a wishlist belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Customer(i64),
    Session(i64),
}

impl Owner {
    /// 'c:12' / 's:34': the view's key.
    pub fn key(self) -> String {
        match self {
            Owner::Customer(id) => format!("c:{id}"),
            Owner::Session(id) => format!("s:{id}"),
        }
    }
    pub fn parse(s: &str) -> Option<Owner> {
        let (kind, id) = s.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "c" => Some(Owner::Customer(id)),
            "s" => Some(Owner::Session(id)),
            _ => None,
        }
    }
    fn cols(self) -> (Option<i64>, Option<i64>) {
        match self {
            Owner::Customer(id) => (Some(id), None),
            Owner::Session(id) => (None, Some(id)),
        }
    }
}

/// At most this many saved products per wishlist.
pub const MAX_ITEMS: i64 = 200;

/// Saves `product_id` for `owner`. True when it was not saved before.
pub fn add(tx: &Tx, owner: Owner, product_id: i64, now: i64) -> Result<bool> {
    let exists: Option<i64> = tx
        .prepare_cached(sql::PRODUCT_ACTIVE)?
        .query_row([product_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Err(Error::not_found("There is no such product."));
    }
    let (c, s) = owner.cols();
    let n: i64 = tx
        .prepare_cached(sql::COUNT_OF)?
        .query_row(params![c, s], |r| r.get(0))?;
    if n >= MAX_ITEMS {
        return Err(Error::conflict(format!(
            "Your wishlist is full ({MAX_ITEMS} items): remove something first."
        )));
    }
    Ok(tx
        .prepare_cached(sql::INSERT)?
        .execute(params![c, s, product_id, now])?
        > 0)
}

/// Removes `product_id` from `owner`'s wishlist. True when it was there.
pub fn remove(tx: &Tx, owner: Owner, product_id: i64) -> Result<bool> {
    let (c, s) = owner.cols();
    Ok(tx
        .prepare_cached(sql::DELETE)?
        .execute(params![c, s, product_id])?
        > 0)
}

/// A guest signs in: their saved products move to the customer (ones the customer has
/// already are dropped). Returns the pairs whose view must follow (both owners).
pub fn merge(tx: &Tx, session_id: i64, customer_id: i64) -> Result<Vec<(Owner, i64)>> {
    let mut st = tx.prepare_cached(sql::PRODUCTS_OF_SESSION)?;
    let moved: Vec<i64> = st
        .query_map([session_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(st);
    if moved.is_empty() {
        return Ok(vec![]);
    }
    tx.prepare_cached(sql::MOVE_TO_CUSTOMER)?
        .execute(params![customer_id, session_id])?;
    tx.prepare_cached(sql::DROP_SESSION)?
        .execute([session_id])?;
    Ok(moved
        .iter()
        .flat_map(|p| {
            [
                (Owner::Session(session_id), *p),
                (Owner::Customer(customer_id), *p),
            ]
        })
        .collect())
}

/// Applies projection event `event_id` for (owner, product): once per event id, and by
/// what the canonical rows say now. False when the event had been applied already.
pub fn project(tx: &Tx, event_id: &str, owner: Owner, product_id: i64, now: i64) -> Result<bool> {
    if tx
        .prepare_cached(sql::MARK_APPLIED)?
        .execute(params![event_id, now])?
        == 0
    {
        return Ok(false);
    }
    refresh(tx, owner, product_id)?;
    Ok(true)
}

/// Makes the view row of (owner, product) equal to what the canonical row and the
/// catalog say now: present with the product's card data, or absent.
fn refresh(tx: &Tx, owner: Owner, product_id: i64) -> Result<()> {
    let (c, s) = owner.cols();
    let added: Option<i64> = tx
        .prepare_cached(sql::ADDED_AT)?
        .query_row(params![c, s, product_id], |r| r.get(0))
        .optional()?;
    let key = owner.key();
    match (added, catalog::cards_by_ids(tx, &[product_id])?.pop()) {
        (Some(at), Some(card)) => {
            tx.prepare_cached(sql::UPSERT_VIEW)?.execute(params![
                key,
                product_id,
                card.slug,
                card.title,
                card.image.as_ref().map(|i| i.hash.clone()),
                card.price,
                card.compare_at,
                card.in_stock as i64,
                at
            ])?;
        }
        _ => {
            tx.prepare_cached(sql::DELETE_VIEW)?
                .execute(params![key, product_id])?;
        }
    }
    Ok(())
}

/// Re-derives the view rows of products whose price, stock, title or picture changed
/// since the last call (the `wishlist_dirty` triggers), at most `limit` products; returns
/// how many products were refreshed.
pub fn refresh_changed(tx: &Tx, limit: usize) -> Result<usize> {
    let products: Vec<i64> = tx
        .prepare_cached(sql::DIRTY)?
        .query_map([limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &p in &products {
        let owners: Vec<(Option<i64>, Option<i64>)> = tx
            .prepare_cached(sql::OWNERS_OF)?
            .query_map([p], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for o in owners {
            if let Some(owner) = match o {
                (Some(c), _) => Some(Owner::Customer(c)),
                (_, Some(s)) => Some(Owner::Session(s)),
                _ => None,
            } {
                refresh(tx, owner, p)?;
            }
        }
        tx.prepare_cached(sql::CLEAN)?.execute([p])?;
    }
    Ok(products.len())
}

/// A signed-in wisher whose saved product now costs less than they last saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceDrop {
    pub item_id: i64,
    pub email: String,
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    pub was: i64,
    pub now: i64,
}

pub fn price_drops(c: &Connection, limit: usize) -> Result<Vec<PriceDrop>> {
    let mut st = c.prepare_cached(sql::PRICE_DROPS)?;
    let rows = st.query_map([limit as i64], |r| {
        Ok(PriceDrop {
            item_id: r.get(0)?,
            email: r.get(1)?,
            product_id: r.get(2)?,
            slug: r.get(3)?,
            title: r.get(4)?,
            was: r.get(5)?,
            now: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The wisher has now been told of (or passed over for) this price.
pub fn saw_price(tx: &Tx, item_id: i64, price: i64) -> Result<()> {
    tx.prepare_cached(sql::SET_PRICE_SEEN)?
        .execute(params![item_id, price])?;
    Ok(())
}

/// One saved product as the wishlist page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    pub image_hash: Option<String>,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub in_stock: bool,
    pub added_at: i64,
}

/// The wishlist page: the projection, newest first.
pub fn view(c: &Connection, owner: Owner) -> Result<Vec<Saved>> {
    let mut st = c.prepare_cached(sql::VIEW)?;
    let rows = st.query_map([owner.key()], |r| {
        Ok(Saved {
            product_id: r.get(0)?,
            slug: r.get(1)?,
            title: r.get(2)?,
            image_hash: r.get(3)?,
            price: r.get(4)?,
            compare_at: r.get(5)?,
            in_stock: r.get::<_, i64>(6)? == 1,
            added_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether `owner` saved `product_id` (canonical).
pub fn has(c: &Connection, owner: Owner, product_id: i64) -> Result<bool> {
    let (cu, s) = owner.cols();
    Ok(c.prepare_cached(sql::ADDED_AT)?
        .query_row(params![cu, s, product_id], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some())
}

/// What a rebuild found and fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rebuilt {
    /// Canonical items whose view row was missing.
    pub missing: usize,
    /// View rows that differed from the truth (price, title, picture, availability…).
    pub stale: usize,
    /// View rows with no canonical item behind them.
    pub extra: usize,
    /// Rows in the rebuilt view.
    pub rows: usize,
}

/// Recomputes the whole view from the canonical rows and the catalog, in `tx`, and
/// reports how it differed from what was there.
pub fn rebuild(tx: &Tx) -> Result<Rebuilt> {
    type Row = (
        String,
        i64,
        String,
        String,
        Option<String>,
        i64,
        Option<i64>,
        i64,
        i64,
    );
    let read = |tx: &Tx| -> Result<Vec<Row>> {
        let mut st = tx.prepare_cached(sql::VIEW_ALL)?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let before = read(tx)?;
    tx.prepare_cached(sql::CLEAR_VIEW)?.execute([])?;
    let mut st = tx.prepare_cached(sql::ALL_ITEMS)?;
    let items: Vec<(Option<i64>, Option<i64>, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(st);
    for (c, s, p) in items {
        let owner = match (c, s) {
            (Some(c), _) => Owner::Customer(c),
            (_, Some(s)) => Owner::Session(s),
            _ => continue,
        };
        refresh(tx, owner, p)?;
    }
    let after = read(tx)?;
    let key = |r: &Row| (r.0.clone(), r.1);
    let mut out = Rebuilt {
        rows: after.len(),
        ..Rebuilt::default()
    };
    for a in &after {
        match before.iter().find(|b| key(b) == key(a)) {
            None => out.missing += 1,
            Some(b) if b != a => out.stale += 1,
            Some(_) => {}
        }
    }
    out.extra = before
        .iter()
        .filter(|b| !after.iter().any(|a| key(a) == key(b)))
        .count();
    Ok(out)
}

pub mod sql {
    pub const PRODUCT_ACTIVE: &str = "SELECT id FROM products WHERE id = ?1 AND status = 'active'";
    pub const COUNT_OF: &str =
        "SELECT count(*) FROM wishlist_items WHERE customer_id IS ?1 AND session_id IS ?2";
    pub const INSERT: &str = "INSERT INTO wishlist_items (customer_id, session_id, product_id, created_at, price_seen) VALUES (?1, ?2, ?3, ?4, (SELECT min_price FROM products WHERE id = ?3)) ON CONFLICT DO NOTHING";
    pub const DIRTY: &str = "SELECT product_id FROM wishlist_dirty ORDER BY product_id LIMIT ?1";
    pub const CLEAN: &str = "DELETE FROM wishlist_dirty WHERE product_id = ?1";
    pub const OWNERS_OF: &str =
        "SELECT customer_id, session_id FROM wishlist_items WHERE product_id = ?1";
    pub const PRICE_DROPS: &str = "SELECT w.id, c.email, p.id, p.slug, p.title, w.price_seen, p.min_price \
        FROM wishlist_items w JOIN customers c ON c.id = w.customer_id JOIN products p ON p.id = w.product_id \
        WHERE p.status = 'active' AND p.in_stock = 1 AND w.price_seen IS NOT NULL AND p.min_price < w.price_seen \
        ORDER BY w.id LIMIT ?1";
    pub const SET_PRICE_SEEN: &str = "UPDATE wishlist_items SET price_seen = ?2 WHERE id = ?1";
    pub const DELETE: &str = "DELETE FROM wishlist_items WHERE customer_id IS ?1 AND session_id IS ?2 AND product_id = ?3";
    pub const ADDED_AT: &str = "SELECT created_at FROM wishlist_items WHERE customer_id IS ?1 AND session_id IS ?2 AND product_id = ?3";
    pub const PRODUCTS_OF_SESSION: &str =
        "SELECT product_id FROM wishlist_items WHERE session_id = ?1";
    pub const MOVE_TO_CUSTOMER: &str = "UPDATE OR IGNORE wishlist_items SET customer_id = ?1, session_id = NULL WHERE session_id = ?2";
    pub const DROP_SESSION: &str = "DELETE FROM wishlist_items WHERE session_id = ?1";
    pub const MARK_APPLIED: &str = "INSERT INTO projected_events (event_id, applied_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
    pub const UPSERT_VIEW: &str = "INSERT INTO wishlist_view (owner, product_id, slug, title, image_hash, price, compare_at, in_stock, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (owner, product_id) DO UPDATE SET slug = excluded.slug, title = excluded.title, image_hash = excluded.image_hash, price = excluded.price, compare_at = excluded.compare_at, in_stock = excluded.in_stock, added_at = excluded.added_at";
    pub const DELETE_VIEW: &str = "DELETE FROM wishlist_view WHERE owner = ?1 AND product_id = ?2";
    pub const VIEW: &str = "SELECT product_id, slug, title, image_hash, price, compare_at, in_stock, added_at FROM wishlist_view WHERE owner = ?1 ORDER BY added_at DESC, product_id DESC";
    pub const VIEW_ALL: &str = "SELECT owner, product_id, slug, title, image_hash, price, compare_at, in_stock, added_at FROM wishlist_view ORDER BY owner, product_id";
    pub const CLEAR_VIEW: &str = "DELETE FROM wishlist_view";
    pub const ALL_ITEMS: &str =
        "SELECT customer_id, session_id, product_id FROM wishlist_items ORDER BY id";
    pub const ALL: &[&str] = &[
        PRODUCT_ACTIVE,
        DIRTY,
        CLEAN,
        OWNERS_OF,
        PRICE_DROPS,
        SET_PRICE_SEEN,
        COUNT_OF,
        INSERT,
        DELETE,
        ADDED_AT,
        PRODUCTS_OF_SESSION,
        MOVE_TO_CUSTOMER,
        DROP_SESSION,
        MARK_APPLIED,
        UPSERT_VIEW,
        DELETE_VIEW,
        VIEW,
        VIEW_ALL,
        CLEAR_VIEW,
        ALL_ITEMS,
    ];
}
