//! The owner's side of the catalog: the product list with search, filters and a cursor,
//! product create/edit (the variant matrix generated from option values), per-variant
//! edits and the inline price/stock edit, images (add, order, alt text, remove), status and
//! hard delete. Every write takes the caller's transaction and records an audit row in it;
//! every stock change goes through `catalog::move_stock`, so the ledger stays whole.

use crate::config::Config;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::{self, Actor};
use crate::shop::catalog::images::ImageSet;
use crate::shop::catalog::{self, NewProduct, NewVariant};
use crate::shop::text;
use rusqlite::{Connection, OptionalExtension, params};

/// At most this many variants come out of one generated matrix.
pub const MAX_VARIANTS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub q: String,
    pub status: Option<String>,
    pub category_id: Option<i64>,
    pub low_stock: bool,
    /// Cursor: show products with a smaller id (the list is newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantRow {
    pub id: i64,
    pub sku: String,
    pub options: Vec<String>,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: Option<i64>,
    pub weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub category: Option<String>,
    pub variants: Vec<VariantRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdminImage {
    pub image_id: i64,
    pub hash: String,
    pub alt: String,
    pub position: i64,
}

/// Everything the edit page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Editable {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub category_id: Option<i64>,
    pub featured: bool,
    /// Shoppers run out of it: a reorder reminder follows delivery.
    pub consumable: bool,
    pub option_names: Vec<String>,
    pub seo_title: String,
    pub seo_description: String,
    pub variants: Vec<VariantRow>,
    pub images: Vec<AdminImage>,
    pub order_lines: i64,
}

/// The product's own fields, as typed on the form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductFields {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub status: String,
    pub category_id: Option<i64>,
    pub featured: bool,
    pub consumable: bool,
    pub seo_title: String,
    pub seo_description: String,
}

/// The variant matrix to generate: option names with their values, and what every
/// generated variant starts with (each can be edited afterwards).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    pub options: Vec<(String, Vec<String>)>,
    pub sku_prefix: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: Option<i64>,
    pub weight_grams: i64,
}

/// One variant's edit (from the edit page's variant table).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantEdit {
    pub id: i64,
    pub sku: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: Option<i64>,
    pub weight_grams: i64,
}

/// "S, M ,L" → ["S", "M", "L"] (blank entries and repeats dropped).
pub fn split_values(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in s.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        if !out.iter().any(|o| o == v) {
            out.push(v.chars().take(60).collect());
        }
    }
    out
}

/// Every combination of the option values, first option varying slowest.
pub fn combinations(options: &[(String, Vec<String>)]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for (_, values) in options {
        let mut next = Vec::new();
        for prefix in &out {
            for v in values {
                let mut c = prefix.clone();
                c.push(v.clone());
                next.push(c);
            }
        }
        out = next;
    }
    out
}

/// A SKU from a prefix and option values: "LIN-SHIRT" + ["S", "Red"] → "LIN-SHIRT-S-RED".
pub fn sku_for(prefix: &str, values: &[String]) -> String {
    let mut parts = vec![prefix.trim().to_uppercase()];
    for v in values {
        let clean: String = v
            .to_uppercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        parts.push(clean.trim_matches('-').to_string());
    }
    parts.retain(|p| !p.is_empty());
    parts.join("-").chars().take(64).collect()
}

fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

fn variant_row(r: &rusqlite::Row) -> rusqlite::Result<VariantRow> {
    Ok(VariantRow {
        id: r.get(0)?,
        sku: r.get(1)?,
        options: [r.get::<_, Option<String>>(2)?, r.get(3)?, r.get(4)?]
            .into_iter()
            .flatten()
            .collect(),
        price: r.get(5)?,
        compare_at: r.get(6)?,
        stock: r.get(7)?,
        low_stock_threshold: r.get(8)?,
        weight_grams: r.get(9)?,
    })
}

pub fn variants_of(c: &Connection, product_id: i64) -> Result<Vec<VariantRow>> {
    let mut st = c.prepare_cached(sql::VARIANTS)?;
    let rows = st.query_map([product_id], variant_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One page of products for the admin list (all statuses), newest first.
pub fn list(c: &Connection, f: &Filter, store_threshold: i64) -> Result<Vec<Row>> {
    let q = f.q.trim();
    let pattern = (!q.is_empty()).then(|| like_pattern(q));
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map(
        params![
            pattern,
            f.status,
            f.category_id,
            f.low_stock,
            store_threshold,
            f.before,
            f.limit.clamp(1, 200)
        ],
        |r| {
            Ok(Row {
                id: r.get(0)?,
                slug: r.get(1)?,
                title: r.get(2)?,
                status: r.get(3)?,
                category: r.get(4)?,
                variants: Vec::new(),
            })
        },
    )?;
    let mut out: Vec<Row> = rows.collect::<rusqlite::Result<_>>()?;
    for row in &mut out {
        row.variants = variants_of(c, row.id)?;
    }
    Ok(out)
}

pub fn editable(c: &Connection, id: i64) -> Result<Option<Editable>> {
    let head = c
        .prepare_cached(sql::PRODUCT)?
        .query_row([id], |r| {
            Ok(Editable {
                id: r.get(0)?,
                slug: r.get(1)?,
                title: r.get(2)?,
                description: r.get(3)?,
                status: r.get(4)?,
                category_id: r.get(5)?,
                featured: r.get(6)?,
                option_names: [r.get::<_, Option<String>>(7)?, r.get(8)?, r.get(9)?]
                    .into_iter()
                    .flatten()
                    .collect(),
                seo_title: r.get(10)?,
                seo_description: r.get(11)?,
                variants: Vec::new(),
                images: Vec::new(),
                order_lines: r.get(12)?,
                consumable: r.get(13)?,
            })
        })
        .optional()?;
    let Some(mut p) = head else {
        return Ok(None);
    };
    p.variants = variants_of(c, id)?;
    let mut st = c.prepare_cached(sql::IMAGES)?;
    let rows = st.query_map([id], |r| {
        Ok(AdminImage {
            image_id: r.get(0)?,
            hash: r.get(1)?,
            alt: r.get(2)?,
            position: r.get(3)?,
        })
    })?;
    p.images = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(p))
}

fn check_fields(f: &ProductFields) -> Result<()> {
    text::single_line("Title", &f.title)?;
    text::single_line("SEO title", &f.seo_title)?;
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(Error::bad_request(
            "Please give the product a title (up to 200 characters).",
        ));
    }
    catalog::check_slug(&f.slug)?;
    if !matches!(f.status.as_str(), "draft" | "active" | "archived") {
        return Err(Error::bad_request(
            "Status must be draft, active or archived.",
        ));
    }
    Ok(())
}

fn conflict_on_constraint(e: rusqlite::Error, msg: &str) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::conflict(msg).with_detail(e)
        }
        other => Error::from(other),
    }
}

/// Creates a product and its generated variants (one plain variant when no options).
pub fn create(tx: &Tx, actor: &Actor, f: &ProductFields, m: &Matrix, now: i64) -> Result<i64> {
    check_fields(f)?;
    let options: Vec<(String, Vec<String>)> = m
        .options
        .iter()
        .filter(|(n, _)| !n.trim().is_empty())
        .cloned()
        .collect();
    if options.len() > 3 {
        return Err(Error::bad_request("A product has at most three options."));
    }
    text::single_line("SKU prefix", &m.sku_prefix)?;
    for (name, values) in &options {
        text::single_line("Option name", name)?;
        for v in values {
            text::single_line("Option value", v)?;
        }
    }
    if let Some((name, _)) = options.iter().find(|(_, v)| v.is_empty()) {
        return Err(Error::bad_request(format!(
            "Please list the values of the option \"{name}\", separated by commas."
        )));
    }
    let combos = combinations(&options);
    if combos.len() > MAX_VARIANTS {
        return Err(Error::bad_request(format!(
            "That makes {} variants; at most {MAX_VARIANTS} are allowed.",
            combos.len()
        )));
    }
    let prefix = if m.sku_prefix.trim().is_empty() {
        f.slug.to_uppercase()
    } else {
        m.sku_prefix.clone()
    };
    let names: Vec<&str> = options.iter().map(|(n, _)| n.trim()).collect();
    let id = catalog::create_product(
        tx,
        &NewProduct {
            category_id: f.category_id,
            slug: &f.slug,
            title: f.title.trim(),
            description: &f.description,
            status: &f.status,
            featured: f.featured,
            option_names: &names,
            seo_title: &f.seo_title,
            seo_description: &f.seo_description,
        },
        now,
    )?;
    if f.consumable {
        set_consumable(tx, id, true)?;
    }
    for (i, combo) in combos.iter().enumerate() {
        let sku = sku_for(&prefix, combo);
        let opts: Vec<&str> = combo.iter().map(String::as_str).collect();
        catalog::create_variant(
            tx,
            id,
            &NewVariant {
                sku: &sku,
                options: &opts,
                price: m.price,
                compare_at: m.compare_at,
                stock: m.stock,
                low_stock_threshold: m.low_stock_threshold,
                weight_grams: m.weight_grams,
                position: i as i64,
            },
            now,
        )?;
    }
    audit::record(
        tx,
        actor,
        "product.create",
        "product",
        &f.slug,
        &format!(
            "created \"{}\" ({}) with {} variant(s)",
            f.title.trim(),
            f.status,
            combos.len()
        ),
        now,
    )?;
    Ok(id)
}

/// Marks a product as one shoppers run out of (a reorder reminder follows delivery).
pub fn set_consumable(tx: &Tx, product_id: i64, on: bool) -> Result<()> {
    tx.prepare_cached(sql::SET_CONSUMABLE)?
        .execute(params![product_id, on])?;
    Ok(())
}

/// An amount in minor units as the owner types it ("450.00"): the audit log is written
/// where the store's currency format is not at hand.
fn minor(v: i64) -> String {
    format!("{}.{:02}", v / 100, (v % 100).abs())
}

fn head_of(tx: &Tx, id: i64) -> Result<(String, String)> {
    tx.prepare_cached(sql::SLUG_STATUS)?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::not_found("There is no such product."))
}

pub fn update(tx: &Tx, actor: &Actor, id: i64, f: &ProductFields, now: i64) -> Result<()> {
    check_fields(f)?;
    let (slug, status) = head_of(tx, id)?;
    type Before = (String, String, Option<i64>, bool, String, String, bool);
    let b: Before = tx.prepare_cached(sql::EDITABLE)?.query_row([id], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    tx.prepare_cached(sql::UPDATE_PRODUCT)?
        .execute(params![
            id,
            f.category_id,
            f.slug,
            f.title.trim(),
            f.description,
            f.status,
            f.featured,
            f.seo_title,
            f.seo_description,
            now,
            f.consumable
        ])
        .map_err(|e| conflict_on_constraint(e, "A product with that address already exists."))?;
    let yes_no = |v: bool| if v { "yes" } else { "no" };
    let changes = audit::Changes::new()
        .field("title", &b.0, f.title.trim())
        .field("address", &slug, &f.slug)
        .field("status", &status, &f.status)
        .text("description", b.1 != f.description)
        .text("category", b.2 != f.category_id)
        .field("featured", yes_no(b.3), yes_no(f.featured))
        .text("search title", b.4 != f.seo_title)
        .text("search description", b.5 != f.seo_description)
        .field(
            "runs out (reorder reminder)",
            yes_no(b.6),
            yes_no(f.consumable),
        );
    audit::record_changes(
        tx,
        actor,
        "product.update",
        "product",
        &f.slug,
        &changes,
        now,
    )
}

pub fn set_status(tx: &Tx, actor: &Actor, id: i64, status: &str, now: i64) -> Result<()> {
    if !matches!(status, "draft" | "active" | "archived") {
        return Err(Error::bad_request(
            "Status must be draft, active or archived.",
        ));
    }
    let (slug, before) = head_of(tx, id)?;
    if before == status {
        return Ok(());
    }
    tx.prepare_cached(sql::SET_STATUS)?
        .execute(params![id, status, now])?;
    audit::record(
        tx,
        actor,
        "product.status",
        "product",
        &slug,
        &format!("status {before} → {status}"),
        now,
    )
}

/// Deletes a product for good, only when no order line points at it (orders keep their
/// own snapshot, but the owner's reports follow the link); otherwise offers archiving.
pub fn delete(tx: &Tx, actor: &Actor, id: i64, now: i64) -> Result<()> {
    let (slug, _) = head_of(tx, id)?;
    let lines: i64 = tx.query_row(sql::ORDER_LINES_OF, [id], |r| r.get(0))?;
    if lines > 0 {
        return Err(Error::conflict(format!(
            "This product is on {lines} order line(s), so it cannot be deleted. Archive it instead: it leaves the shop but the orders keep their link."
        )));
    }
    tx.prepare_cached(sql::DELETE_PRODUCT)?.execute([id])?;
    audit::record(
        tx,
        actor,
        "product.delete",
        "product",
        &slug,
        "deleted",
        now,
    )
}

fn set_stock(
    tx: &Tx,
    cfg: &Config,
    actor: &Actor,
    variant_id: i64,
    target: i64,
    now: i64,
) -> Result<()> {
    if target < 0 {
        return Err(Error::bad_request("Stock cannot be negative."));
    }
    let current: i64 = tx.query_row(catalog::sql::STOCK_OF, [variant_id], |r| r.get(0))?;
    if current != target {
        crate::shop::catalog::stock::change(
            tx,
            cfg,
            variant_id,
            target - current,
            "correction",
            &actor.name,
            "edited in the admin",
            now,
        )?;
    }
    Ok(())
}

/// The inline edit from the list: a variant's price and stock (stock through the ledger).
pub fn quick_edit(
    tx: &Tx,
    cfg: &Config,
    actor: &Actor,
    variant_id: i64,
    price: i64,
    stock: i64,
    now: i64,
) -> Result<()> {
    if price < 0 {
        return Err(Error::bad_request("A price cannot be negative."));
    }
    let (sku, old_price, old_stock): (String, i64, i64) = tx
        .prepare_cached(sql::VARIANT_HEAD)?
        .query_row([variant_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| Error::not_found("There is no such variant."))?;
    tx.prepare_cached(sql::SET_PRICE)?
        .execute(params![variant_id, price])?;
    set_stock(tx, cfg, actor, variant_id, stock, now)?;
    let changes = audit::Changes::new()
        .field("price", minor(old_price), minor(price))
        .field("stock", old_stock, stock);
    audit::record_changes(tx, actor, "variant.update", "variant", &sku, &changes, now)
}

/// Saves the edit page's variant table.
pub fn update_variants(
    tx: &Tx,
    cfg: &Config,
    actor: &Actor,
    product_id: i64,
    edits: &[VariantEdit],
    now: i64,
) -> Result<()> {
    let (slug, _) = head_of(tx, product_id)?;
    for e in edits {
        text::single_line("SKU", &e.sku)?;
        if e.sku.trim().is_empty() || e.sku.len() > 64 {
            return Err(Error::bad_request(
                "Every variant needs a SKU (up to 64 characters).",
            ));
        }
        if e.price < 0 || e.weight_grams < 0 || e.low_stock_threshold.is_some_and(|t| t < 0) {
            return Err(Error::bad_request(
                "Prices, weights and thresholds cannot be negative.",
            ));
        }
        let n = tx
            .prepare_cached(sql::UPDATE_VARIANT)?
            .execute(params![
                e.id,
                product_id,
                e.sku.trim(),
                e.price,
                e.compare_at,
                e.low_stock_threshold,
                e.weight_grams
            ])
            .map_err(|er| {
                conflict_on_constraint(er, "That SKU is already used by another variant.")
            })?;
        if n == 0 {
            return Err(Error::not_found("There is no such variant."));
        }
        set_stock(tx, cfg, actor, e.id, e.stock, now)?;
    }
    audit::record(
        tx,
        actor,
        "variant.update",
        "product",
        &slug,
        &format!("saved {} variant(s)", edits.len()),
        now,
    )
}

/// Attaches already-processed images after the product's last one.
pub fn add_images(
    tx: &Tx,
    actor: &Actor,
    product_id: i64,
    sets: &[ImageSet],
    alt: &str,
    now: i64,
) -> Result<()> {
    let (slug, _) = head_of(tx, product_id)?;
    let first: i64 = tx.query_row(sql::NEXT_IMAGE_POSITION, [product_id], |r| r.get(0))?;
    for (pos, set) in (first..).zip(sets) {
        let image_id = catalog::store_image(tx, set, alt, now)?;
        catalog::attach_image(tx, product_id, image_id, pos)?;
    }
    audit::record(
        tx,
        actor,
        "product.images_add",
        "product",
        &slug,
        &format!("added {} image(s)", sets.len()),
        now,
    )
}

/// Saves image order and alt texts: (image id, position, alt).
pub fn update_images(
    tx: &Tx,
    actor: &Actor,
    product_id: i64,
    edits: &[(i64, i64, String)],
    now: i64,
) -> Result<()> {
    let (slug, _) = head_of(tx, product_id)?;
    for (image_id, position, alt) in edits {
        let n = tx
            .prepare_cached(sql::SET_IMAGE_POSITION)?
            .execute(params![product_id, image_id, position])?;
        if n == 0 {
            return Err(Error::not_found("There is no such image on this product."));
        }
        let alt: String = alt.chars().take(300).collect();
        tx.prepare_cached(sql::SET_IMAGE_ALT)?
            .execute(params![image_id, alt])?;
    }
    audit::record(
        tx,
        actor,
        "product.images_update",
        "product",
        &slug,
        &format!("reordered / captioned {} image(s)", edits.len()),
        now,
    )
}

/// A variant added by hand on the edit page: one value per option of the product.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVariantFields {
    pub options: Vec<String>,
    pub sku: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: Option<i64>,
    pub weight_grams: i64,
}

pub fn add_variant(
    tx: &Tx,
    actor: &Actor,
    product_id: i64,
    v: &NewVariantFields,
    now: i64,
) -> Result<i64> {
    let (slug, _) = head_of(tx, product_id)?;
    let names: i64 = tx.query_row(sql::OPTION_COUNT, [product_id], |r| r.get(0))?;
    for o in &v.options {
        text::single_line("Option value", o)?;
    }
    text::single_line("SKU", &v.sku)?;
    let options: Vec<&str> = v.options.iter().map(|o| o.trim()).collect();
    if options.len() as i64 != names || options.iter().any(|o| o.is_empty()) {
        return Err(Error::bad_request(
            "Please give a value for every option of the product.",
        ));
    }
    let taken: i64 = tx.query_row(
        sql::SAME_OPTIONS,
        params![product_id, options.first(), options.get(1), options.get(2)],
        |r| r.get(0),
    )?;
    if taken > 0 {
        return Err(Error::conflict(
            "The product already has a variant with these option values.",
        ));
    }
    let position: i64 = tx.query_row(sql::NEXT_VARIANT_POSITION, [product_id], |r| r.get(0))?;
    let id = catalog::create_variant(
        tx,
        product_id,
        &NewVariant {
            sku: v.sku.trim(),
            options: &options,
            price: v.price,
            compare_at: v.compare_at,
            stock: v.stock,
            low_stock_threshold: v.low_stock_threshold,
            weight_grams: v.weight_grams,
            position,
        },
        now,
    )?;
    audit::record(
        tx,
        actor,
        "variant.create",
        "product",
        &slug,
        &format!(
            "added {} ({}), stock {}",
            v.sku.trim(),
            options.join(" / "),
            v.stock
        ),
        now,
    )?;
    Ok(id)
}

/// Takes a variant out of the shop for good (orders keep their snapshot; its ledger stays).
pub fn archive_variant(
    tx: &Tx,
    actor: &Actor,
    product_id: i64,
    variant_id: i64,
    now: i64,
) -> Result<()> {
    let (slug, _) = head_of(tx, product_id)?;
    let n = tx
        .prepare_cached(sql::ARCHIVE_VARIANT)?
        .execute(params![variant_id, product_id])?;
    if n == 0 {
        return Err(Error::not_found(
            "There is no such variant on this product.",
        ));
    }
    audit::record(
        tx,
        actor,
        "variant.archive",
        "product",
        &slug,
        &format!("archived variant {variant_id}"),
        now,
    )
}

pub fn remove_image(
    tx: &Tx,
    actor: &Actor,
    product_id: i64,
    image_id: i64,
    now: i64,
) -> Result<()> {
    let (slug, _) = head_of(tx, product_id)?;
    let n = tx
        .prepare_cached(sql::DETACH_IMAGE)?
        .execute(params![product_id, image_id])?;
    if n == 0 {
        return Err(Error::not_found("There is no such image on this product."));
    }
    audit::record(
        tx,
        actor,
        "product.image_remove",
        "product",
        &slug,
        &format!("removed image {image_id}"),
        now,
    )
}

pub mod sql {
    //! SQL of the admin catalog. Every constant here is prepared against the schema by a test.

    pub const LIST: &str = "SELECT p.id, p.slug, p.title, p.status, c.name FROM products p LEFT JOIN categories c ON c.id = p.category_id \
        WHERE (?1 IS NULL OR p.title LIKE ?1 ESCAPE '\\' OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.sku LIKE ?1 ESCAPE '\\')) \
        AND (?2 IS NULL OR p.status = ?2) \
        AND (?3 IS NULL OR p.category_id IN (SELECT id FROM categories WHERE id = ?3 OR parent_id = ?3)) \
        AND (?4 = 0 OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.archived = 0 AND v.stock <= COALESCE(v.low_stock_threshold, ?5))) \
        AND (?6 IS NULL OR p.id < ?6) \
        ORDER BY p.id DESC LIMIT ?7";
    pub const VARIANTS: &str = "SELECT id, sku, option1, option2, option3, price, compare_at_price, stock, low_stock_threshold, weight_grams FROM variants WHERE product_id = ?1 AND archived = 0 ORDER BY position, id";
    pub const PRODUCT: &str = "SELECT id, slug, title, description, status, category_id, featured, option1_name, option2_name, option3_name, seo_title, seo_description, \
        (SELECT count(*) FROM order_lines ol WHERE ol.product_id = products.id), consumable FROM products WHERE id = ?1";
    pub const IMAGES: &str = "SELECT pi.image_id, i.hash, i.alt, pi.position FROM product_images pi JOIN images i ON i.id = pi.image_id WHERE pi.product_id = ?1 ORDER BY pi.position, pi.image_id";
    pub const SLUG_STATUS: &str = "SELECT slug, status FROM products WHERE id = ?1";
    /// The fields of the edit form, before an edit (to log what changed).
    pub const EDITABLE: &str = "SELECT title, description, category_id, featured, seo_title, seo_description, consumable FROM products WHERE id = ?1";
    pub const UPDATE_PRODUCT: &str = "UPDATE products SET category_id = ?2, slug = ?3, title = ?4, description = ?5, status = ?6, featured = ?7, seo_title = ?8, seo_description = ?9, updated_at = ?10, consumable = ?11 WHERE id = ?1";
    pub const SET_CONSUMABLE: &str = "UPDATE products SET consumable = ?2 WHERE id = ?1";
    pub const SET_STATUS: &str = "UPDATE products SET status = ?2, updated_at = ?3 WHERE id = ?1";
    pub const ORDER_LINES_OF: &str = "SELECT count(*) FROM order_lines WHERE product_id = ?1";
    pub const DELETE_PRODUCT: &str = "DELETE FROM products WHERE id = ?1";
    pub const VARIANT_HEAD: &str =
        "SELECT sku, price, stock FROM variants WHERE id = ?1 AND archived = 0";
    pub const SET_PRICE: &str = "UPDATE variants SET price = ?2 WHERE id = ?1";
    pub const UPDATE_VARIANT: &str = "UPDATE variants SET sku = ?3, price = ?4, compare_at_price = ?5, low_stock_threshold = ?6, weight_grams = ?7 WHERE id = ?1 AND product_id = ?2 AND archived = 0";
    pub const NEXT_IMAGE_POSITION: &str =
        "SELECT COALESCE(max(position) + 1, 0) FROM product_images WHERE product_id = ?1";
    pub const SET_IMAGE_POSITION: &str =
        "UPDATE product_images SET position = ?3 WHERE product_id = ?1 AND image_id = ?2";
    pub const SET_IMAGE_ALT: &str = "UPDATE images SET alt = ?2 WHERE id = ?1";
    pub const DETACH_IMAGE: &str =
        "DELETE FROM product_images WHERE product_id = ?1 AND image_id = ?2";

    pub const OPTION_COUNT: &str = "SELECT (option1_name IS NOT NULL) + (option2_name IS NOT NULL) + (option3_name IS NOT NULL) FROM products WHERE id = ?1";
    pub const SAME_OPTIONS: &str = "SELECT count(*) FROM variants WHERE product_id = ?1 AND archived = 0 AND option1 IS ?2 AND option2 IS ?3 AND option3 IS ?4";
    pub const NEXT_VARIANT_POSITION: &str =
        "SELECT COALESCE(max(position) + 1, 0) FROM variants WHERE product_id = ?1";
    pub const ARCHIVE_VARIANT: &str =
        "UPDATE variants SET archived = 1 WHERE id = ?1 AND product_id = ?2 AND archived = 0";

    pub const ALL: &[&str] = &[
        SET_CONSUMABLE,
        OPTION_COUNT,
        SAME_OPTIONS,
        NEXT_VARIANT_POSITION,
        ARCHIVE_VARIANT,
        LIST,
        VARIANTS,
        PRODUCT,
        IMAGES,
        SLUG_STATUS,
        EDITABLE,
        UPDATE_PRODUCT,
        SET_STATUS,
        ORDER_LINES_OF,
        DELETE_PRODUCT,
        VARIANT_HEAD,
        SET_PRICE,
        UPDATE_VARIANT,
        NEXT_IMAGE_POSITION,
        SET_IMAGE_POSITION,
        SET_IMAGE_ALT,
        DETACH_IMAGE,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_and_skus() {
        let opts = vec![
            ("Size".to_string(), split_values("S, M,L,,M")),
            ("Colour".to_string(), split_values("Red,Blue")),
        ];
        let c = combinations(&opts);
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], vec!["S", "Red"]);
        assert_eq!(c[5], vec!["L", "Blue"]);
        assert_eq!(sku_for("tee", &c[1]), "TEE-S-BLUE");
        assert_eq!(combinations(&[]), vec![Vec::<String>::new()]);
        assert_eq!(like_pattern("50%_a"), "%50\\%\\_a%");
    }
}
