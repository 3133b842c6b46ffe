//! Stock as the owner runs it: adjustments with a reason (received, damaged, correction,
//! count), the per-variant ledger, the low-stock list, and the low-stock alert — an event
//! (`Event::StockLow`, one mail to the owner once the service reacts) when a variant's stock
//! crosses its threshold downward (from above it to at or below it). Later sales below the
//! threshold do not cross again, so the owner hears once per crossing, not once per sale.

use crate::config::Config;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::{self, Actor};
use crate::shop::catalog;
use crate::shop::events::Event;
use rusqlite::{Connection, OptionalExtension, params};

pub const REASONS: [&str; 4] = ["received", "damaged", "correction", "count"];

/// One variant with what the stock pages show about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub variant_id: i64,
    pub product_id: i64,
    pub title: String,
    pub sku: String,
    pub options: Vec<String>,
    pub stock: i64,
    /// The effective threshold (the variant's own, else the store-wide one).
    pub threshold: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRow {
    pub at: i64,
    pub actor: String,
    pub reason: String,
    pub delta: i64,
    pub stock_after: i64,
    pub note: String,
    pub reference: Option<String>,
}

fn item(r: &rusqlite::Row) -> rusqlite::Result<Item> {
    Ok(Item {
        variant_id: r.get(0)?,
        product_id: r.get(1)?,
        title: r.get(2)?,
        sku: r.get(3)?,
        options: [r.get::<_, Option<String>>(4)?, r.get(5)?, r.get(6)?]
            .into_iter()
            .flatten()
            .collect(),
        stock: r.get(7)?,
        threshold: r.get(8)?,
    })
}

pub fn item_by_id(c: &Connection, variant_id: i64, store_threshold: i64) -> Result<Option<Item>> {
    Ok(c.prepare_cached(sql::ITEM)?
        .query_row(params![variant_id, store_threshold], item)
        .optional()?)
}

pub fn item_by_sku(c: &Connection, sku: &str, store_threshold: i64) -> Result<Option<Item>> {
    Ok(c.prepare_cached(sql::ITEM_BY_SKU)?
        .query_row(params![sku.trim(), store_threshold], item)
        .optional()?)
}

/// Live variants at or below their threshold, emptiest first.
pub fn low(c: &Connection, store_threshold: i64, limit: i64) -> Result<Vec<Item>> {
    let mut st = c.prepare_cached(sql::LOW)?;
    let rows = st.query_map(params![store_threshold, limit], item)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A variant's ledger, newest first.
pub fn ledger(c: &Connection, variant_id: i64, limit: i64) -> Result<Vec<LedgerRow>> {
    let mut st = c.prepare_cached(sql::LEDGER)?;
    let rows = st.query_map(params![variant_id, limit], |r| {
        Ok(LedgerRow {
            at: r.get(0)?,
            actor: r.get(1)?,
            reason: r.get(2)?,
            delta: r.get(3)?,
            stock_after: r.get(4)?,
            note: r.get(5)?,
            reference: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records [`Event::StockLow`] when stock went from above the variant's threshold to at or
/// below it (the service mails the owner). Returns whether it did. Call it in the
/// transaction that moved the stock.
pub fn alert_if_crossed(
    tx: &Tx,
    cfg: &Config,
    variant_id: i64,
    before: i64,
    after: i64,
) -> Result<bool> {
    if after >= before {
        return Ok(false);
    }
    let Some(item) = item_by_id(tx, variant_id, cfg.catalog.low_stock_threshold)? else {
        return Ok(false);
    };
    if !(before > item.threshold && after <= item.threshold) {
        return Ok(false);
    }
    // The ledger row of this move makes the alert unique per crossing.
    let ledger_id: i64 = tx.query_row(sql::LAST_LEDGER_ID, [variant_id], |r| r.get(0))?;
    tx.record(Event::StockLow {
        item,
        after,
        ledger_id,
    });
    Ok(true)
}

/// Changes stock through the ledger and alerts on a downward crossing. `delta` as given.
#[allow(clippy::too_many_arguments)]
pub fn change(
    tx: &Tx,
    cfg: &Config,
    variant_id: i64,
    delta: i64,
    reason: &str,
    actor: &str,
    note: &str,
    now: i64,
) -> Result<i64> {
    let after = catalog::adjust_stock(tx, variant_id, delta, reason, actor, note, now)?;
    alert_if_crossed(tx, cfg, variant_id, after - delta, after)?;
    Ok(after)
}

/// The stock page's adjustment: `received` adds `qty`, `damaged` takes it away,
/// `correction` adds a signed `qty`, `count` sets the stock to the counted `qty`.
/// Returns the stock after.
#[allow(clippy::too_many_arguments)]
pub fn adjust(
    tx: &Tx,
    cfg: &Config,
    actor: &Actor,
    variant_id: i64,
    reason: &str,
    qty: i64,
    note: &str,
    now: i64,
) -> Result<i64> {
    let it = item_by_id(tx, variant_id, cfg.catalog.low_stock_threshold)?
        .ok_or_else(|| Error::not_found("There is no such variant."))?;
    let delta = match reason {
        "received" if qty > 0 => qty,
        "damaged" if qty > 0 => -qty,
        "correction" if qty != 0 => qty,
        "count" if qty >= 0 => qty - it.stock,
        "received" | "damaged" => {
            return Err(Error::bad_request("Please enter how many, more than zero."));
        }
        "correction" => return Err(Error::bad_request("A correction of zero changes nothing.")),
        "count" => return Err(Error::bad_request("A count cannot be negative.")),
        _ => {
            return Err(Error::bad_request(
                "The reason must be received, damaged, correction or count.",
            ));
        }
    };
    let note: String = note.chars().take(300).collect();
    let after = if delta == 0 {
        // A count that matches: recorded in the ledger all the same (who counted, when).
        catalog::move_stock(tx, variant_id, 0, reason, &actor.name, &note, None, now)?
            .unwrap_or(it.stock)
    } else {
        change(tx, cfg, variant_id, delta, reason, &actor.name, &note, now)?
    };
    audit::record(
        tx,
        actor,
        &format!("stock.{reason}"),
        "variant",
        &it.sku,
        &format!("stock {} → {after} ({delta:+})", it.stock),
        now,
    )?;
    Ok(after)
}

pub mod sql {
    //! SQL of the stock pages. Every constant here is prepared against the schema by a test.

    macro_rules! item_select {
        () => {
            "SELECT v.id, p.id, p.title, v.sku, v.option1, v.option2, v.option3, v.stock, COALESCE(v.low_stock_threshold, ?2) \
             FROM variants v JOIN products p ON p.id = v.product_id "
        };
    }
    pub const ITEM: &str = concat!(item_select!(), "WHERE v.id = ?1 AND v.archived = 0");
    pub const ITEM_BY_SKU: &str = concat!(item_select!(), "WHERE v.sku = ?1 AND v.archived = 0");
    pub const LOW: &str = "SELECT v.id, p.id, p.title, v.sku, v.option1, v.option2, v.option3, v.stock, COALESCE(v.low_stock_threshold, ?1) \
        FROM variants v JOIN products p ON p.id = v.product_id \
        WHERE v.archived = 0 AND p.status <> 'archived' AND v.stock <= COALESCE(v.low_stock_threshold, ?1) \
        ORDER BY v.stock, p.title, v.position, v.id LIMIT ?2";
    pub const LEDGER: &str = "SELECT created_at, actor, reason, delta, stock_after, note, ref FROM stock_ledger WHERE variant_id = ?1 ORDER BY id DESC LIMIT ?2";
    pub const LAST_LEDGER_ID: &str =
        "SELECT COALESCE(max(id), 0) FROM stock_ledger WHERE variant_id = ?1";

    pub const ALL: &[&str] = &[ITEM, ITEM_BY_SKU, LOW, LEDGER, LAST_LEDGER_ID];
}
