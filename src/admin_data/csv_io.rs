//! CSV in and out of the admin: products (one row per variant, Shopify-like columns) and
//! orders (one row per order in a date range) out; products in, first as a dry run that
//! says per row what would happen (create, update, unchanged, or the error), then applied
//! in ONE transaction that re-checks every row and writes nothing if any row is wrong.
//! Exported text cells that a spreadsheet would run as a formula (OWASP's list: `=`, `+`,
//! `-`, `@`, TAB, CR) get a leading `'`, which the import takes off again, so export →
//! import is a no-op. Every user-written text cell is guarded, category and coupon too.

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::shop::audit::{self, Actor};
use crate::shop::catalog::{self, NewProduct, NewVariant};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// The product columns, in order. Import requires exactly these names in the header
/// (in any order); extra columns are refused so a typo is not silently ignored.
pub const PRODUCT_COLUMNS: [&str; 14] = [
    "handle",
    "title",
    "status",
    "category",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "price",
    "compare_at_price",
    "stock",
];

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that already starts with `'` gets one more, so a title like `'=x` comes back
/// as itself and not as `=x`.
fn guard(s: &str) -> String {
    if s.starts_with(FORMULA_START) || s.starts_with('\'') {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn unguard(s: &str) -> String {
    let t = s.trim();
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) || rest.starts_with('\'') => rest.to_string(),
        _ => t.to_string(),
    }
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("csv: {e}"))
}

/// Every variant of every product (archived ones too), ordered by product then position.
pub fn export_products(c: &Connection, money: &Money) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(PRODUCT_COLUMNS).map_err(csv_error)?;
    let mut st = c.prepare_cached(sql::EXPORT_PRODUCTS)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let opt = |i: usize| -> rusqlite::Result<String> {
            Ok(guard(&r.get::<_, Option<String>>(i)?.unwrap_or_default()))
        };
        let compare: Option<i64> = r.get(12)?;
        w.write_record([
            r.get::<_, String>(0)?,
            guard(&r.get::<_, String>(1)?),
            r.get::<_, String>(2)?,
            opt(3)?,
            opt(4)?,
            opt(5)?,
            opt(6)?,
            opt(7)?,
            opt(8)?,
            opt(9)?,
            guard(&r.get::<_, String>(10)?),
            money.plain(r.get(11)?),
            compare.map(|v| money.plain(v)).unwrap_or_default(),
            r.get::<_, i64>(13)?.to_string(),
        ])
        .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// Orders placed from `from` (inclusive) to `to` (exclusive), unix seconds.
pub fn export_orders(c: &Connection, money: &Money, from: i64, to: i64) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "number",
        "placed_at",
        "email",
        "name",
        "phone",
        "status",
        "payment_status",
        "payment_method",
        "items",
        "subtotal",
        "discount",
        "shipping",
        "cod_fee",
        "total",
        "refunded",
        "coupon",
        "city",
        "region",
        "postal_code",
        "country",
        "currency",
    ])
    .map_err(csv_error)?;
    let mut st = c.prepare_cached(sql::EXPORT_ORDERS)?;
    let mut rows = st.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let m = |i: usize| -> rusqlite::Result<String> { Ok(money.plain(r.get(i)?)) };
        w.write_record([
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?.to_string(),
            guard(&r.get::<_, String>(2)?),
            guard(&r.get::<_, String>(3)?),
            guard(&r.get::<_, String>(4)?),
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?.to_string(),
            m(9)?,
            m(10)?,
            m(11)?,
            m(12)?,
            m(13)?,
            m(14)?,
            guard(&r.get::<_, Option<String>>(15)?.unwrap_or_default()),
            guard(&r.get::<_, String>(16)?),
            guard(&r.get::<_, String>(17)?),
            guard(&r.get::<_, String>(18)?),
            r.get::<_, String>(19)?,
            r.get::<_, String>(20)?,
        ])
        .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// One row of an import as read.
#[derive(Debug, Clone, PartialEq, Default)]
struct Incoming {
    line: u64,
    handle: String,
    title: String,
    status: String,
    category: String,
    options: Vec<(String, String)>,
    sku: String,
    price: i64,
    compare_at: Option<i64>,
    stock: i64,
}

/// What the import does with one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create,
    Update(Vec<String>),
    Unchanged,
    Error(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub handle: String,
    pub sku: String,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub rows: Vec<PlannedRow>,
}

impl Plan {
    pub fn errors(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.action, Action::Error(_)))
            .count()
    }
    pub fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.rows.iter().filter(|r| f(&r.action)).count()
    }
}

fn parse(bytes: &[u8], money: &Money) -> Result<Vec<std::result::Result<Incoming, (u64, String)>>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::bad_request("The file is not UTF-8 text. Export it again as CSV (UTF-8).")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| Error::bad_request(format!("The first line is not a CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let missing: Vec<&str> = PRODUCT_COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    let unknown: Vec<&String> = header
        .iter()
        .filter(|h| !PRODUCT_COLUMNS.contains(&h.as_str()))
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        return Err(Error::bad_request(format!(
            "The header must have the columns {}. Missing: {}. Unknown: {}.",
            PRODUCT_COLUMNS.join(", "),
            if missing.is_empty() {
                "none".into()
            } else {
                missing.join(", ")
            },
            if unknown.is_empty() {
                "none".to_string()
            } else {
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let idx: HashMap<&str, usize> = PRODUCT_COLUMNS.iter().map(|c| (*c, col(c))).collect();
    let mut out = Vec::new();
    for (n, rec) in rd.records().enumerate() {
        let line = n as u64 + 2;
        if n >= 20_000 {
            return Err(Error::bad_request(
                "The file has more than 20,000 rows. Split it.",
            ));
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.push(Err((line, format!("cannot read this line: {e}"))));
                continue;
            }
        };
        if rec.len() != header.len() {
            out.push(Err((
                line,
                format!("has {} cells, the header has {}", rec.len(), header.len()),
            )));
            continue;
        }
        let get = |c: &str| unguard(rec.get(idx[c]).unwrap_or(""));
        let amount = |c: &str| -> std::result::Result<Option<i64>, String> {
            let v = get(c);
            if v.is_empty() {
                return Ok(None);
            }
            money
                .parse(&v)
                .map(Some)
                .ok_or_else(|| format!("{c} \"{v}\" is not an amount like 1299 or 1299.50"))
        };
        let row = (|| -> std::result::Result<Incoming, String> {
            // Single-line columns: no control characters (a CR or NUL in a title is never
            // meant, and breaks the next export). Checked on the cell as read, before trim.
            for c in PRODUCT_COLUMNS {
                let raw = rec.get(idx[c]).unwrap_or("");
                // (Whitespace at either end is trimmed away, as for every cell.)
                if crate::shop::text::has_control(&unguard(raw)) {
                    return Err(format!(
                        "{c} must be one line of text, without line breaks, tabs or other control characters"
                    ));
                }
            }
            let price = amount("price")?.ok_or("price is empty")?;
            let stock_text = get("stock");
            let stock: i64 = stock_text
                .parse()
                .ok()
                .filter(|s: &i64| (0..=10_000_000).contains(s))
                .ok_or_else(|| {
                    format!("stock \"{stock_text}\" is not a whole number of 0 or more")
                })?;
            let mut options = Vec::new();
            for i in 1..=3 {
                let name = get(&format!("option{i}_name"));
                let value = get(&format!("option{i}_value"));
                match (name.is_empty(), value.is_empty()) {
                    (true, true) => {}
                    (false, false) => options.push((name, value)),
                    _ => return Err(format!("option{i}_name and option{i}_value go together")),
                }
            }
            let status = get("status").to_lowercase();
            if !matches!(status.as_str(), "draft" | "active" | "archived") {
                return Err(format!(
                    "status \"{status}\" must be draft, active or archived"
                ));
            }
            let handle = get("handle");
            catalog::check_slug(&handle).map_err(|e| format!("handle: {}", e.public))?;
            let title = get("title");
            if title.is_empty() || title.chars().count() > 200 {
                return Err("title must be 1 to 200 characters".into());
            }
            let sku = get("sku");
            if sku.is_empty() || sku.len() > 64 {
                return Err("sku must be 1 to 64 characters".into());
            }
            Ok(Incoming {
                line,
                handle,
                title,
                status,
                category: get("category"),
                options,
                sku,
                price,
                compare_at: amount("compare_at_price")?,
                stock,
            })
        })();
        out.push(row.map_err(|e| (line, e)));
    }
    if out.is_empty() {
        return Err(Error::bad_request("The file has a header but no rows."));
    }
    Ok(out)
}

/// The current state of one variant, by SKU.
struct Current {
    product_id: i64,
    handle: String,
    title: String,
    status: String,
    category: String,
    option_names: Vec<String>,
    options: Vec<String>,
    price: i64,
    compare_at: Option<i64>,
    stock: i64,
    variant_id: i64,
}

fn current_by_sku(c: &Connection, sku: &str) -> Result<Option<Current>> {
    Ok(c.prepare_cached(sql::BY_SKU)?
        .query_row([sku], |r| {
            let names: Vec<String> = [r.get::<_, Option<String>>(5)?, r.get(6)?, r.get(7)?]
                .into_iter()
                .flatten()
                .collect();
            let opts: Vec<String> = [r.get::<_, Option<String>>(8)?, r.get(9)?, r.get(10)?]
                .into_iter()
                .flatten()
                .collect();
            Ok(Current {
                product_id: r.get(0)?,
                handle: r.get(1)?,
                title: r.get(2)?,
                status: r.get(3)?,
                category: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                option_names: names,
                options: opts,
                price: r.get(11)?,
                compare_at: r.get(12)?,
                stock: r.get(13)?,
                variant_id: r.get(14)?,
            })
        })
        .optional()?)
}

fn product_by_handle(c: &Connection, handle: &str) -> Result<Option<i64>> {
    Ok(c.prepare_cached(sql::PRODUCT_BY_HANDLE)?
        .query_row([handle], |r| r.get(0))
        .optional()?)
}

fn category_id(c: &Connection, slug: &str) -> Result<Option<Option<i64>>> {
    if slug.is_empty() {
        return Ok(Some(None));
    }
    Ok(c.prepare_cached(sql::CATEGORY_BY_SLUG)?
        .query_row([slug], |r| r.get::<_, i64>(0))
        .optional()?
        .map(Some))
}

/// What each row would do against the store as it is in `c`.
fn plan_rows(
    c: &Connection,
    rows: &[std::result::Result<Incoming, (u64, String)>],
) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut seen_skus: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let r = match row {
            Err((line, msg)) => {
                plan.rows.push(PlannedRow {
                    line: *line,
                    handle: String::new(),
                    sku: String::new(),
                    action: Action::Error(msg.clone()),
                });
                continue;
            }
            Ok(r) => r,
        };
        let mut push = |action: Action| {
            plan.rows.push(PlannedRow {
                line: r.line,
                handle: r.handle.clone(),
                sku: r.sku.clone(),
                action,
            })
        };
        if let Some(first) = seen_skus.insert(r.sku.to_lowercase(), r.line) {
            push(Action::Error(format!(
                "sku {} is also on line {first}",
                r.sku
            )));
            continue;
        }
        if category_id(c, &r.category)?.is_none() {
            push(Action::Error(format!(
                "category \"{}\" does not exist (use a category's address, like clothing)",
                r.category
            )));
            continue;
        }
        match current_by_sku(c, &r.sku)? {
            Some(cur) if cur.handle != r.handle => push(Action::Error(format!(
                "sku {} belongs to the product {}",
                r.sku, cur.handle
            ))),
            Some(cur) => {
                let names: Vec<String> = r.options.iter().map(|o| o.0.clone()).collect();
                let values: Vec<String> = r.options.iter().map(|o| o.1.clone()).collect();
                let mut changes = Vec::new();
                if cur.title != r.title {
                    changes.push("title".to_string());
                }
                if cur.status != r.status {
                    changes.push(format!("status {} → {}", cur.status, r.status));
                }
                if cur.category != r.category {
                    changes.push("category".into());
                }
                if cur.option_names != names {
                    changes.push("option names".into());
                }
                if cur.options != values {
                    changes.push("options".into());
                }
                if cur.price != r.price {
                    changes.push("price".into());
                }
                if cur.compare_at != r.compare_at {
                    changes.push("compare-at price".into());
                }
                if cur.stock != r.stock {
                    changes.push(format!("stock {} → {}", cur.stock, r.stock));
                }
                push(if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Update(changes)
                });
            }
            None => push(Action::Create),
        }
    }
    Ok(plan)
}

/// The dry run: what importing `bytes` would do, nothing written.
pub fn preview(c: &Connection, bytes: &[u8], money: &Money) -> Result<Plan> {
    let rows = parse(bytes, money)?;
    plan_rows(c, &rows)
}

/// Applies an import in one transaction. Every row is planned again here (the store may
/// have changed since the preview); if any row is wrong, nothing is written and the plan
/// (with its errors) comes back as the Err's details for the page.
pub fn apply(tx: &Tx, bytes: &[u8], money: &Money, actor: &Actor, now: i64) -> Result<Plan> {
    let rows = parse(bytes, money)?;
    let plan = plan_rows(tx, &rows)?;
    if plan.errors() > 0 {
        return Err(Error::bad_request(format!(
            "{} row(s) have errors; nothing was imported.",
            plan.errors()
        )));
    }
    for (r, p) in rows.iter().filter_map(|r| r.as_ref().ok()).zip(&plan.rows) {
        let cat = category_id(tx, &r.category)?.flatten();
        let names: Vec<&str> = r.options.iter().map(|o| o.0.as_str()).collect();
        let values: Vec<&str> = r.options.iter().map(|o| o.1.as_str()).collect();
        match &p.action {
            Action::Unchanged | Action::Error(_) => {}
            Action::Create => {
                let pid = match product_by_handle(tx, &r.handle)? {
                    Some(id) => id,
                    None => catalog::create_product(
                        tx,
                        &NewProduct {
                            category_id: cat,
                            slug: &r.handle,
                            title: &r.title,
                            description: "",
                            status: &r.status,
                            featured: false,
                            option_names: &names,
                            seo_title: "",
                            seo_description: "",
                        },
                        now,
                    )?,
                };
                let position: i64 = tx.query_row(sql::NEXT_POSITION, [pid], |x| x.get(0))?;
                catalog::create_variant(
                    tx,
                    pid,
                    &NewVariant {
                        sku: &r.sku,
                        options: &values,
                        price: r.price,
                        compare_at: r.compare_at,
                        stock: r.stock,
                        low_stock_threshold: None,
                        weight_grams: 0,
                        position,
                    },
                    now,
                )?;
            }
            Action::Update(_) => {
                let cur = current_by_sku(tx, &r.sku)?
                    .ok_or_else(|| Error::conflict("A variant vanished during the import."))?;
                let name = |i: usize| names.get(i).copied();
                let value = |i: usize| values.get(i).copied();
                tx.prepare_cached(sql::UPDATE_PRODUCT)?.execute(params![
                    r.title,
                    r.status,
                    cat,
                    name(0),
                    name(1),
                    name(2),
                    now,
                    cur.product_id
                ])?;
                tx.prepare_cached(sql::UPDATE_VARIANT)?.execute(params![
                    value(0),
                    value(1),
                    value(2),
                    r.price,
                    r.compare_at,
                    cur.variant_id
                ])?;
                if r.stock != cur.stock {
                    catalog::move_stock(
                        tx,
                        cur.variant_id,
                        r.stock - cur.stock,
                        "import",
                        &actor.name,
                        "CSV import",
                        None,
                        now,
                    )?
                    .ok_or_else(|| Error::conflict("Stock changed during the import."))?;
                }
            }
        }
    }
    let summary = format!(
        "{} created, {} updated, {} unchanged",
        plan.count(|a| *a == Action::Create),
        plan.count(|a| matches!(a, Action::Update(_))),
        plan.count(|a| *a == Action::Unchanged)
    );
    audit::record(
        tx,
        actor,
        "import",
        "products",
        "products.csv",
        &summary,
        now,
    )?;
    Ok(plan)
}

pub mod sql {
    //! SQL of CSV export and import.
    pub const EXPORT_PRODUCTS: &str = "SELECT p.slug, p.title, p.status, c.slug, p.option1_name, v.option1, p.option2_name, v.option2, p.option3_name, v.option3, v.sku, v.price, v.compare_at_price, v.stock FROM variants v JOIN products p ON p.id = v.product_id LEFT JOIN categories c ON c.id = p.category_id ORDER BY p.id, v.position, v.id";
    pub const EXPORT_ORDERS: &str = "SELECT o.number, o.created_at, o.email, o.name, o.phone, o.status, o.payment_status, o.payment_method, (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_id = o.id), o.subtotal, o.discount, o.shipping_fee, o.cod_fee, o.total, o.refunded, o.coupon_code, o.ship_city, o.ship_region, o.ship_postal_code, o.ship_country, o.currency FROM orders o WHERE o.created_at >= ?1 AND o.created_at < ?2 ORDER BY o.created_at, o.id";
    pub const BY_SKU: &str = "SELECT p.id, p.slug, p.title, p.status, c.slug, p.option1_name, p.option2_name, p.option3_name, v.option1, v.option2, v.option3, v.price, v.compare_at_price, v.stock, v.id FROM variants v JOIN products p ON p.id = v.product_id LEFT JOIN categories c ON c.id = p.category_id WHERE v.sku = ?1";
    pub const PRODUCT_BY_HANDLE: &str = "SELECT id FROM products WHERE slug = ?1";
    pub const CATEGORY_BY_SLUG: &str = "SELECT id FROM categories WHERE slug = ?1";
    pub const NEXT_POSITION: &str =
        "SELECT coalesce(max(position), -1) + 1 FROM variants WHERE product_id = ?1";
    pub const UPDATE_PRODUCT: &str = "UPDATE products SET title = ?1, status = ?2, category_id = ?3, option1_name = ?4, option2_name = ?5, option3_name = ?6, updated_at = ?7 WHERE id = ?8";
    pub const UPDATE_VARIANT: &str = "UPDATE variants SET option1 = ?1, option2 = ?2, option3 = ?3, price = ?4, compare_at_price = ?5 WHERE id = ?6";
    pub const ALL: &[&str] = &[
        EXPORT_PRODUCTS,
        EXPORT_ORDERS,
        BY_SKU,
        PRODUCT_BY_HANDLE,
        CATEGORY_BY_SLUG,
        NEXT_POSITION,
        UPDATE_PRODUCT,
        UPDATE_VARIANT,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_guard_covers_owasps_list_and_round_trips() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "'abc"] {
            let g = guard(s);
            assert!(g.starts_with('\''), "{s:?} → {g:?}");
            assert_eq!(unguard(&g), s, "{s:?}");
        }
        for s in ["Linen shirt", "50% off", "a=b", ""] {
            assert_eq!(guard(s), s);
            assert_eq!(unguard(&guard(s)), s);
        }
    }
}
