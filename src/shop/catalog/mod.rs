//! The catalog: categories, products, variants, images, banners and search — the rules for
//! reading and writing them and the SQL that does it (in `mod sql` at the bottom). Every
//! stock change made here also writes a stock-ledger row in the same transaction.

pub mod admin;
pub mod decode_gate;
pub mod images;
pub mod merch;
pub mod stock;

use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub product_count: i64,
}

/// What a listing needs to draw one picture: URLs are built from the content hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    pub hash: String,
    pub width: i64,
    pub height: i64,
    pub alt: String,
    /// 24 px WebP blur placeholder, inlined as a data URI.
    pub placeholder: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductCard {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub price: i64,
    pub compare_at: Option<i64>,
    pub in_stock: bool,
    pub created_at: i64,
    pub image: Option<ImageRef>,
    /// Its published reviews: how many, and the sum of their ratings.
    pub review_count: i64,
    pub rating_sum: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
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
pub struct Product {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub category: Option<Category>,
    pub parent_category: Option<Category>,
    pub option_names: Vec<String>,
    pub seo_title: String,
    pub seo_description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub variants: Vec<Variant>,
    pub images: Vec<ImageRef>,
}

impl Product {
    pub fn min_price(&self) -> i64 {
        self.variants.iter().map(|v| v.price).min().unwrap_or(0)
    }
    pub fn in_stock(&self) -> bool {
        self.variants.iter().any(|v| v.stock > 0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub link: String,
    pub link_label: String,
    pub image: Option<ImageRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "" | "newest" => Some(Sort::Newest),
            "price_asc" => Some(Sort::PriceAsc),
            "price_desc" => Some(Sort::PriceDesc),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
        }
    }
}

/// Where a listing page starts: the sort key and id of the last item already shown.
/// Encoded in URLs as `KEY.ID` (both integers), which keeps pages stable while products
/// are added, unlike OFFSET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn parse(s: &str) -> Option<Cursor> {
        let (k, i) = s.split_once('.')?;
        Some(Cursor {
            key: k.parse().ok()?,
            id: i.parse().ok()?,
        })
    }
    pub fn encode(&self) -> String {
        format!("{}.{}", self.key, self.id)
    }
}

/// A listing request. `options` holds (option name, chosen values); a product matches
/// when one of its variants has, for every named option, one of the chosen values (and
/// stock, when `in_stock_only`).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub category_id: Option<i64>,
    pub sort: Sort,
    pub in_stock_only: bool,
    pub options: Vec<(String, Vec<String>)>,
    pub after: Option<Cursor>,
    pub limit: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<ProductCard>,
    pub next: Option<Cursor>,
}

/// The option values that can be filtered on in a listing, grouped by option name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub options: Vec<(String, Vec<String>)>,
}

pub const MAX_FILTER_VALUES: usize = 20;

fn image_ref(row: &rusqlite::Row, base: usize) -> rusqlite::Result<Option<ImageRef>> {
    let hash: Option<String> = row.get(base)?;
    Ok(match hash {
        None => None,
        Some(hash) => Some(ImageRef {
            hash,
            width: row.get(base + 1)?,
            height: row.get(base + 2)?,
            alt: row.get(base + 3)?,
            placeholder: row.get(base + 4)?,
        }),
    })
}

fn card(row: &rusqlite::Row) -> rusqlite::Result<ProductCard> {
    Ok(ProductCard {
        id: row.get(0)?,
        slug: row.get(1)?,
        title: row.get(2)?,
        price: row.get(3)?,
        compare_at: row.get(4)?,
        in_stock: row.get(5)?,
        created_at: row.get(6)?,
        image: image_ref(row, 7)?,
        review_count: row.get(12)?,
        rating_sum: row.get(13)?,
    })
}

fn category(row: &rusqlite::Row) -> rusqlite::Result<Category> {
    Ok(Category {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        slug: row.get(2)?,
        name: row.get(3)?,
        description: row.get(4)?,
        position: row.get(5)?,
        product_count: row.get(6)?,
    })
}

/// All categories, parents before their children, in the owner's order.
pub fn categories(c: &Connection) -> Result<Vec<Category>> {
    let mut st = c.prepare_cached(sql::CATEGORIES)?;
    let rows = st.query_map([], category)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn category_by_slug(c: &Connection, slug: &str) -> Result<Option<Category>> {
    let mut st = c.prepare_cached(sql::CATEGORY_BY_SLUG)?;
    Ok(st.query_row([slug], category).optional()?)
}

pub fn category_by_id(c: &Connection, id: i64) -> Result<Option<Category>> {
    let mut st = c.prepare_cached(sql::CATEGORY_BY_ID)?;
    Ok(st.query_row([id], category).optional()?)
}

/// Ids from a query whose first column is a product id, bound with `args`.
fn ids(c: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<i64>> {
    let mut st = c.prepare_cached(sql)?;
    let rows = st.query_map(args, |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Card data for these product ids, in the given order. Listings first pick ids (cheap,
/// index-ordered) and only then fetch card columns, so the per-card subqueries (first
/// image, compare-at price) run for the products shown, not for every candidate.
pub fn cards_by_ids(c: &Connection, ids: &[i64]) -> Result<Vec<ProductCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(Error::internal)?;
    let mut st = c.prepare_cached(sql::CARDS_BY_IDS)?;
    let rows = st.query_map([list], card)?;
    let mut by_id: std::collections::HashMap<i64, ProductCard> = rows
        .map(|r| r.map(|card| (card.id, card)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Active products, newest first (home page "new arrivals").
pub fn newest(c: &Connection, limit: usize) -> Result<Vec<ProductCard>> {
    cards_by_ids(c, &ids(c, sql::NEWEST_IDS, [limit as i64])?)
}

pub fn featured(c: &Connection, limit: usize) -> Result<Vec<ProductCard>> {
    cards_by_ids(c, &ids(c, sql::FEATURED_IDS, [limit as i64])?)
}

/// "You may also like": recent products of the same category, those in stock first,
/// topped up with the newest products elsewhere when the category is small.
pub fn related(c: &Connection, p: &Product, limit: usize) -> Result<Vec<ProductCard>> {
    let mut chosen: Vec<(i64, bool)> = Vec::new();
    if let Some(cat) = &p.category {
        let mut st = c.prepare_cached(sql::RELATED_IN_CATEGORY)?;
        let rows = st.query_map(params![p.id, cat.id, (limit * 3) as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?))
        })?;
        chosen = rows.collect::<rusqlite::Result<_>>()?;
        // Stable: keeps newest-first within in-stock and sold-out.
        chosen.sort_by_key(|(_, in_stock)| !in_stock);
        chosen.truncate(limit);
    }
    if chosen.len() < limit {
        for id in ids(c, sql::NEWEST_IDS, [(limit * 2 + 1) as i64])? {
            if id != p.id && !chosen.iter().any(|(x, _)| *x == id) && chosen.len() < limit {
                chosen.push((id, true));
            }
        }
    }
    let ids: Vec<i64> = chosen.into_iter().map(|(id, _)| id).collect();
    cards_by_ids(c, &ids)
}

/// One page of a category (or the whole catalog) with sort, filters and a cursor.
pub fn list(c: &Connection, q: &ListQuery) -> Result<Page> {
    let limit = q.limit.clamp(1, 200);
    let mut sql_text = String::from(sql::LIST_IDS);
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    use rusqlite::types::Value as V;
    if let Some(cat) = q.category_id {
        sql_text.push_str(sql::LIST_IN_CATEGORY);
        args.push(V::Integer(cat));
        args.push(V::Integer(cat));
    }
    let groups: Vec<&(String, Vec<String>)> =
        q.options.iter().filter(|(_, v)| !v.is_empty()).collect();
    if q.in_stock_only && groups.is_empty() {
        sql_text.push_str(" AND p.in_stock = 1");
    }
    if !groups.is_empty() {
        // One variant must satisfy every chosen option group (and have stock if asked).
        sql_text.push_str(
            " AND EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.archived = 0",
        );
        if q.in_stock_only {
            sql_text.push_str(" AND v.stock > 0");
        }
        for (name, values) in groups {
            let values: Vec<&String> = values.iter().take(MAX_FILTER_VALUES).collect();
            let marks = vec!["?"; values.len()].join(",");
            sql_text.push_str(&format!(
                " AND ((p.option1_name = ? AND v.option1 IN ({marks})) OR (p.option2_name = ? AND v.option2 IN ({marks})) OR (p.option3_name = ? AND v.option3 IN ({marks})))"
            ));
            for _ in 0..3 {
                args.push(V::Text(name.clone()));
                for v in &values {
                    args.push(V::Text((*v).clone()));
                }
            }
        }
        sql_text.push(')');
    }
    let (cursor_sql, order_sql) = match q.sort {
        Sort::Newest => (
            " AND (p.created_at, p.id) < (?, ?)",
            " ORDER BY p.created_at DESC, p.id DESC",
        ),
        Sort::PriceAsc => (
            " AND (p.min_price, p.id) > (?, ?)",
            " ORDER BY p.min_price ASC, p.id ASC",
        ),
        Sort::PriceDesc => (
            " AND (p.min_price, p.id) < (?, ?)",
            " ORDER BY p.min_price DESC, p.id DESC",
        ),
    };
    if let Some(cur) = q.after {
        sql_text.push_str(cursor_sql);
        args.push(V::Integer(cur.key));
        args.push(V::Integer(cur.id));
    }
    sql_text.push_str(order_sql);
    sql_text.push_str(" LIMIT ?");
    args.push(V::Integer(limit as i64 + 1));
    let mut st = c.prepare_cached(&sql_text)?;
    let key_col = match q.sort {
        Sort::Newest => 1,
        _ => 2,
    };
    let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(Cursor {
            id: r.get(0)?,
            key: r.get(key_col)?,
        })
    })?;
    let mut found: Vec<Cursor> = rows.collect::<rusqlite::Result<_>>()?;
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().copied()
    } else {
        None
    };
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    Ok(Page {
        items: cards_by_ids(c, &ids)?,
        next,
    })
}

/// Option names and values present among active products of a category (or everywhere).
pub fn facets(c: &Connection, category_id: Option<i64>) -> Result<Facets> {
    let mut st = c.prepare_cached(sql::FACETS)?;
    let rows = st.query_map([category_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let (name, value) = row?;
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => out.push((name, vec![value])),
        }
    }
    for (_, values) in &mut out {
        values.sort_by_key(|v| value_order(v));
    }
    Ok(Facets { options: out })
}

/// Clothing sizes in wearing order, then everything else alphabetically (numbers by value).
fn value_order(v: &str) -> (u8, i64, String) {
    const SIZES: &[&str] = &["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"];
    if let Some(i) = SIZES.iter().position(|s| s.eq_ignore_ascii_case(v)) {
        return (0, i as i64, String::new());
    }
    let lead: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    match lead.parse::<i64>() {
        Ok(n) => (1, n, v.to_lowercase()),
        Err(_) => (2, 0, v.to_lowercase()),
    }
}

/// Turns what a shopper typed into an FTS5 query: each word becomes a quoted prefix term,
/// so punctuation and FTS syntax in the input can never break the query.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split(|ch: char| !ch.is_alphanumeric() && ch != '-' && ch != '_')
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// Full-text search over title, description and SKU, best matches first.
pub fn search(
    c: &Connection,
    input: &str,
    offset: usize,
    limit: usize,
) -> Result<(Vec<ProductCard>, bool)> {
    let Some(q) = fts_query(input) else {
        return Ok((Vec::new(), false));
    };
    let mut found = ids(
        c,
        sql::SEARCH_IDS,
        params![q, limit as i64 + 1, offset as i64],
    )?;
    let more = found.len() > limit;
    found.truncate(limit);
    Ok((cards_by_ids(c, &found)?, more))
}

/// A product by slug. Drafts and archived products are only returned when `include_hidden`.
pub fn product_by_slug(
    c: &Connection,
    slug: &str,
    include_hidden: bool,
) -> Result<Option<Product>> {
    let mut st = c.prepare_cached(sql::PRODUCT_BY_SLUG)?;
    let head = st
        .query_row([slug], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                Product {
                    id: r.get(0)?,
                    slug: r.get(2)?,
                    title: r.get(3)?,
                    description: r.get(4)?,
                    status: r.get(5)?,
                    category: None,
                    parent_category: None,
                    option_names: [r.get::<_, Option<String>>(6)?, r.get(7)?, r.get(8)?]
                        .into_iter()
                        .flatten()
                        .collect(),
                    seo_title: r.get(9)?,
                    seo_description: r.get(10)?,
                    created_at: r.get(11)?,
                    updated_at: r.get(12)?,
                    variants: Vec::new(),
                    images: Vec::new(),
                },
            ))
        })
        .optional()?;
    let Some((id, category_id, mut p)) = head else {
        return Ok(None);
    };
    if p.status != "active" && !include_hidden {
        return Ok(None);
    }
    if let Some(cid) = category_id {
        p.category = category_by_id(c, cid)?;
        if let Some(parent) = p.category.as_ref().and_then(|c| c.parent_id) {
            p.parent_category = category_by_id(c, parent)?;
        }
    }
    let n_opts = p.option_names.len();
    let mut st = c.prepare_cached(sql::VARIANTS_OF)?;
    let rows = st.query_map([id], |r| {
        let opts: Vec<String> = [r.get::<_, Option<String>>(2)?, r.get(3)?, r.get(4)?]
            .into_iter()
            .take(n_opts)
            .map(|o| o.unwrap_or_default())
            .collect();
        Ok(Variant {
            id: r.get(0)?,
            sku: r.get(1)?,
            options: opts,
            price: r.get(5)?,
            compare_at: r.get(6)?,
            stock: r.get(7)?,
            low_stock_threshold: r.get(8)?,
            weight_grams: r.get(9)?,
        })
    })?;
    p.variants = rows.collect::<rusqlite::Result<_>>()?;
    let mut st = c.prepare_cached(sql::IMAGES_OF)?;
    let rows = st.query_map([id], |r| image_ref(r, 0))?;
    p.images = rows
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(Some(p))
}

/// The active product that owns a variant (for the bag page).
pub fn product_of_variant(c: &Connection, variant_id: i64) -> Result<Option<Product>> {
    let slug: Option<String> = c
        .prepare_cached(sql::SLUG_OF_VARIANT)?
        .query_row([variant_id], |r| r.get(0))
        .optional()?;
    match slug {
        Some(s) => product_by_slug(c, &s, false),
        None => Ok(None),
    }
}

/// Banners live now (active and inside their schedule), in order.
pub fn live_banners(c: &Connection, now: i64) -> Result<Vec<Banner>> {
    let mut st = c.prepare_cached(sql::LIVE_BANNERS)?;
    let rows = st.query_map([now], |r| {
        Ok(Banner {
            id: r.get(0)?,
            title: r.get(1)?,
            subtitle: r.get(2)?,
            link: r.get(3)?,
            link_label: r.get(4)?,
            image: image_ref(r, 5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every banner start and end time, ascending: the moments the home page changes by
/// itself.
pub fn banner_times(c: &Connection) -> Result<Vec<i64>> {
    let mut st = c.prepare_cached(sql::BANNER_TIMES)?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which stored size of an image to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSize {
    Full,
    W600,
    W160,
}

impl ImageSize {
    pub fn parse(s: &str) -> Option<ImageSize> {
        match s {
            "full" => Some(ImageSize::Full),
            "600" => Some(ImageSize::W600),
            "160" => Some(ImageSize::W160),
            _ => None,
        }
    }
}

pub fn image_bytes(c: &Connection, hash: &str, size: ImageSize) -> Result<Option<Vec<u8>>> {
    let q = match size {
        ImageSize::Full => sql::IMAGE_FULL,
        ImageSize::W600 => sql::IMAGE_600,
        ImageSize::W160 => sql::IMAGE_160,
    };
    let mut st = c.prepare_cached(q)?;
    Ok(st.query_row([hash], |r| r.get(0)).optional()?)
}

/// Every active product's slug and last change, for sitemap.xml.
pub fn sitemap_entries(c: &Connection) -> Result<Vec<(String, i64)>> {
    let mut st = c.prepare_cached(sql::SITEMAP)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count_products(c: &Connection) -> Result<i64> {
    Ok(c.query_row(sql::COUNT_PRODUCTS, [], |r| r.get(0))?)
}

// ---------------------------------------------------------------------------------------
// Writes. Each takes the caller's transaction so that a business change is one write_tx.

pub struct NewCategory<'a> {
    pub parent_id: Option<i64>,
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub position: i64,
}

pub fn create_category(tx: &Tx, c: &NewCategory, now: i64) -> Result<i64> {
    check_slug(c.slug)?;
    tx.prepare_cached(sql::INSERT_CATEGORY)?
        .execute(params![
            c.parent_id,
            c.slug,
            c.name,
            c.description,
            c.position,
            now
        ])
        .map_err(|e| constraint_error(e, "A category with that address already exists."))?;
    Ok(tx.last_insert_rowid())
}

/// Creates categories given as (slug, name, parent slug, description), parents first, in
/// the given order; returns slug → id.
pub fn create_category_tree<'a>(
    tx: &Tx,
    tree: &[(&'a str, &str, Option<&str>, &str)],
    now: i64,
) -> Result<std::collections::HashMap<&'a str, i64>> {
    let mut ids = std::collections::HashMap::new();
    for (i, (slug, name, parent, description)) in tree.iter().enumerate() {
        let parent_id = match parent {
            Some(p) => Some(*ids.get(p).ok_or_else(|| {
                Error::bad_request(format!("category {slug}: parent {p} must come first"))
            })?),
            None => None,
        };
        let c = NewCategory {
            parent_id,
            slug,
            name,
            description,
            position: i as i64,
        };
        ids.insert(*slug, create_category(tx, &c, now)?);
    }
    Ok(ids)
}

pub struct NewProduct<'a> {
    pub category_id: Option<i64>,
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub featured: bool,
    pub option_names: &'a [&'a str],
    pub seo_title: &'a str,
    pub seo_description: &'a str,
}

pub fn create_product(tx: &Tx, p: &NewProduct, now: i64) -> Result<i64> {
    check_slug(p.slug)?;
    if p.option_names.len() > 3 {
        return Err(Error::bad_request("A product has at most three options."));
    }
    if !matches!(p.status, "draft" | "active" | "archived") {
        return Err(Error::bad_request(
            "Status must be draft, active or archived.",
        ));
    }
    let opt = |i: usize| p.option_names.get(i).copied();
    tx.prepare_cached(sql::INSERT_PRODUCT)?
        .execute(params![
            p.category_id,
            p.slug,
            p.title,
            p.description,
            p.status,
            p.featured,
            opt(0),
            opt(1),
            opt(2),
            p.seo_title,
            p.seo_description,
            now
        ])
        .map_err(|e| constraint_error(e, "A product with that address already exists."))?;
    Ok(tx.last_insert_rowid())
}

pub struct NewVariant<'a> {
    pub sku: &'a str,
    pub options: &'a [&'a str],
    pub price: i64,
    pub compare_at: Option<i64>,
    pub stock: i64,
    pub low_stock_threshold: Option<i64>,
    pub weight_grams: i64,
    pub position: i64,
}

/// Adds a variant; its opening stock is written to the ledger as an `initial` row so that
/// stock = sum(ledger) holds from the first moment.
pub fn create_variant(tx: &Tx, product_id: i64, v: &NewVariant, now: i64) -> Result<i64> {
    if v.sku.trim().is_empty() {
        return Err(Error::bad_request("Every variant needs a SKU."));
    }
    if v.price < 0 || v.stock < 0 {
        return Err(Error::bad_request("Price and stock cannot be negative."));
    }
    let opt = |i: usize| v.options.get(i).copied();
    tx.prepare_cached(sql::INSERT_VARIANT)?
        .execute(params![
            product_id,
            v.sku,
            opt(0),
            opt(1),
            opt(2),
            v.price,
            v.compare_at,
            v.stock,
            v.low_stock_threshold,
            v.weight_grams,
            v.position,
            now
        ])
        .map_err(|e| constraint_error(e, "That SKU is already used by another variant."))?;
    let id = tx.last_insert_rowid();
    if v.stock != 0 {
        tx.prepare_cached(sql::INSERT_LEDGER)?.execute(params![
            id,
            v.stock,
            "initial",
            v.stock,
            "system",
            "",
            None::<String>,
            now
        ])?;
    }
    Ok(id)
}

/// An active product with one variant and no options (quick adds, tests, benchmarks).
/// Returns (product id, variant id).
pub fn create_simple_product(
    tx: &Tx,
    slug: &str,
    title: &str,
    sku: &str,
    price: i64,
    stock: i64,
    now: i64,
) -> Result<(i64, i64)> {
    let pid = create_product(
        tx,
        &NewProduct {
            category_id: None,
            slug,
            title,
            description: "",
            status: "active",
            featured: false,
            option_names: &[],
            seo_title: "",
            seo_description: "",
        },
        now,
    )?;
    let vid = create_variant(
        tx,
        pid,
        &NewVariant {
            sku,
            options: &[],
            price,
            compare_at: None,
            stock,
            low_stock_threshold: None,
            weight_grams: 0,
            position: 0,
        },
        now,
    )?;
    Ok((pid, vid))
}

/// Changes a variant's stock by `delta` with a reason, refusing to go below zero, and
/// records the change in the ledger. Returns the new stock.
pub fn adjust_stock(
    tx: &Tx,
    variant_id: i64,
    delta: i64,
    reason: &str,
    actor: &str,
    note: &str,
    now: i64,
) -> Result<i64> {
    move_stock(tx, variant_id, delta, reason, actor, note, None, now)?
        .ok_or_else(|| Error::conflict("Not enough stock for that change."))
}

/// The one way stock changes: a conditional update (never below zero) and its ledger row
/// in the caller's transaction. Returns the stock after, or None when there was not
/// enough (nothing written). `reference` ties the row to its cause (an order number).
#[allow(clippy::too_many_arguments)]
pub fn move_stock(
    tx: &Tx,
    variant_id: i64,
    delta: i64,
    reason: &str,
    actor: &str,
    note: &str,
    reference: Option<&str>,
    now: i64,
) -> Result<Option<i64>> {
    let after: Option<i64> = tx
        .prepare_cached(sql::ADJUST_STOCK)?
        .query_row(params![delta, variant_id], |r| r.get(0))
        .optional()?;
    let Some(after) = after else {
        return Ok(None);
    };
    tx.prepare_cached(sql::INSERT_LEDGER)?.execute(params![
        variant_id, delta, reason, after, actor, note, reference, now
    ])?;
    Ok(Some(after))
}

/// Stores a processed image and returns its id (an identical image is stored once).
pub fn store_image(
    tx: &Tx,
    set: &crate::shop::catalog::images::ImageSet,
    alt: &str,
    now: i64,
) -> Result<i64> {
    let digest = ring::digest::digest(&ring::digest::SHA256, &set.full);
    let hash = crate::crypto::hex(&digest.as_ref()[..8]);
    if let Some(id) = tx
        .query_row(sql::IMAGE_ID_BY_HASH, [&hash], |r| r.get::<_, i64>(0))
        .optional()?
    {
        return Ok(id);
    }
    tx.prepare_cached(sql::INSERT_IMAGE)?.execute(params![
        hash,
        set.width,
        set.height,
        set.full,
        set.w600,
        set.w160,
        set.placeholder,
        alt,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

pub fn attach_image(tx: &Tx, product_id: i64, image_id: i64, position: i64) -> Result<()> {
    tx.prepare_cached(sql::ATTACH_IMAGE)?
        .execute(params![product_id, image_id, position])?;
    Ok(())
}

pub struct NewBanner<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub link: &'a str,
    pub link_label: &'a str,
    pub image_id: Option<i64>,
    pub position: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

pub fn create_banner(tx: &Tx, b: &NewBanner, now: i64) -> Result<i64> {
    tx.prepare_cached(sql::INSERT_BANNER)?.execute(params![
        b.title,
        b.subtitle,
        b.link,
        b.link_label,
        b.image_id,
        b.position,
        b.starts_at,
        b.ends_at,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Variants whose stock differs from the sum of their ledger rows: (sku, stock, ledger sum).
pub fn ledger_mismatches(c: &Connection) -> Result<Vec<(String, i64, i64)>> {
    let mut st = c.prepare(sql::LEDGER_MISMATCHES)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Slugs are lower-case ASCII letters, digits and single dashes: they go into URLs as is.
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 120
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(format!(
            "\"{slug}\" is not a valid address: use lower-case letters, digits and dashes."
        )))
    }
}

/// Makes a slug from a title ("Linen Shirt — Indigo" → "linen-shirt-indigo").
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars().flat_map(|c| c.to_lowercase()) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(120).collect()
}

fn constraint_error(e: rusqlite::Error, msg: &str) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::conflict(msg).with_detail(e)
        }
        other => Error::from(other),
    }
}

pub mod sql {
    //! SQL of the catalog. Every constant here is prepared against the schema by a test.

    /// Columns of a product card: id, slug, title, price, compare_at, in_stock, created_at,
    /// then the first image (hash, width, height, alt, placeholder), then its published
    /// reviews' count and rating sum.
    macro_rules! card_select {
        () => {
            "SELECT p.id, p.slug, p.title, p.min_price, \
             (SELECT max(v.compare_at_price) FROM variants v WHERE v.product_id = p.id AND v.archived = 0 AND v.price = p.min_price AND v.compare_at_price > v.price), \
             p.in_stock, p.created_at, i.hash, i.width, i.height, i.alt, i.placeholder, \
             (SELECT count(*) FROM reviews r WHERE r.product_id = p.id AND r.status = 'published'), \
             (SELECT coalesce(sum(r.rating), 0) FROM reviews r WHERE r.product_id = p.id AND r.status = 'published') \
             FROM products p \
             LEFT JOIN images i ON i.id = (SELECT pi.image_id FROM product_images pi WHERE pi.product_id = p.id ORDER BY pi.position, pi.image_id LIMIT 1) "
        };
    }

    pub const CATEGORIES: &str = "SELECT c.id, c.parent_id, c.slug, c.name, c.description, c.position, \
        (SELECT count(*) FROM products p WHERE p.status = 'active' AND p.category_id IN (SELECT id FROM categories s WHERE s.id = c.id OR s.parent_id = c.id)) \
        FROM categories c LEFT JOIN categories parent ON parent.id = c.parent_id \
        ORDER BY COALESCE(parent.position, c.position), COALESCE(parent.id, c.id), c.parent_id IS NOT NULL, c.position, c.id";
    pub const CATEGORY_BY_SLUG: &str = "SELECT c.id, c.parent_id, c.slug, c.name, c.description, c.position, 0 FROM categories c WHERE c.slug = ?1";
    pub const CATEGORY_BY_ID: &str = "SELECT c.id, c.parent_id, c.slug, c.name, c.description, c.position, 0 FROM categories c WHERE c.id = ?1";
    pub const CARDS_BY_IDS: &str = concat!(
        card_select!(),
        "WHERE p.id IN (SELECT value FROM json_each(?1))"
    );
    pub const NEWEST_IDS: &str = "SELECT id FROM products WHERE status = 'active' ORDER BY created_at DESC, id DESC LIMIT ?1";
    pub const FEATURED_IDS: &str = "SELECT id FROM products WHERE status = 'active' AND featured = 1 ORDER BY created_at DESC, id DESC LIMIT ?1";
    pub const RELATED_IN_CATEGORY: &str = "SELECT id, in_stock FROM products WHERE status = 'active' AND category_id = ?2 AND id <> ?1 ORDER BY created_at DESC, id DESC LIMIT ?3";
    /// Listing ids with both sort keys; filters and the cursor are appended by `list`.
    pub const LIST_IDS: &str =
        "SELECT p.id, p.created_at, p.min_price FROM products p WHERE p.status = 'active'";
    pub const LIST_IN_CATEGORY: &str =
        " AND p.category_id IN (SELECT id FROM categories WHERE id = ? OR parent_id = ?)";
    /// The index holds active products only (see schema.sql), so no join is needed here.
    pub const SEARCH_IDS: &str = "SELECT rowid FROM product_search WHERE product_search MATCH ?1 ORDER BY rank LIMIT ?2 OFFSET ?3";
    pub const FACETS: &str = "SELECT name, value FROM ( \
        SELECT p.option1_name AS name, v.option1 AS value FROM variants v JOIN products p ON p.id = v.product_id \
          WHERE p.status = 'active' AND v.archived = 0 AND p.option1_name IS NOT NULL AND v.option1 IS NOT NULL \
          AND (?1 IS NULL OR p.category_id IN (SELECT id FROM categories WHERE id = ?1 OR parent_id = ?1)) \
        UNION SELECT p.option2_name, v.option2 FROM variants v JOIN products p ON p.id = v.product_id \
          WHERE p.status = 'active' AND v.archived = 0 AND p.option2_name IS NOT NULL AND v.option2 IS NOT NULL \
          AND (?1 IS NULL OR p.category_id IN (SELECT id FROM categories WHERE id = ?1 OR parent_id = ?1)) \
        UNION SELECT p.option3_name, v.option3 FROM variants v JOIN products p ON p.id = v.product_id \
          WHERE p.status = 'active' AND v.archived = 0 AND p.option3_name IS NOT NULL AND v.option3 IS NOT NULL \
          AND (?1 IS NULL OR p.category_id IN (SELECT id FROM categories WHERE id = ?1 OR parent_id = ?1)) \
        ) ORDER BY name, value LIMIT 200";
    pub const PRODUCT_BY_SLUG: &str = "SELECT id, category_id, slug, title, description, status, option1_name, option2_name, option3_name, seo_title, seo_description, created_at, updated_at FROM products WHERE slug = ?1";
    pub const VARIANTS_OF: &str = "SELECT id, sku, option1, option2, option3, price, compare_at_price, stock, low_stock_threshold, weight_grams FROM variants WHERE product_id = ?1 AND archived = 0 ORDER BY position, id";
    pub const IMAGES_OF: &str = "SELECT i.hash, i.width, i.height, i.alt, i.placeholder FROM product_images pi JOIN images i ON i.id = pi.image_id WHERE pi.product_id = ?1 ORDER BY pi.position, pi.image_id";
    pub const LIVE_BANNERS: &str = "SELECT b.id, b.title, b.subtitle, b.link, b.link_label, i.hash, i.width, i.height, i.alt, i.placeholder FROM banners b LEFT JOIN images i ON i.id = b.image_id \
        WHERE b.active = 1 AND (b.starts_at IS NULL OR b.starts_at <= ?1) AND (b.ends_at IS NULL OR b.ends_at > ?1) ORDER BY b.position, b.id";
    pub const BANNER_TIMES: &str = "SELECT t FROM (SELECT starts_at AS t FROM banners WHERE starts_at IS NOT NULL UNION ALL SELECT ends_at FROM banners WHERE ends_at IS NOT NULL) ORDER BY t";
    pub const SLUG_OF_VARIANT: &str = "SELECT p.slug FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?1 AND v.archived = 0";
    pub const IMAGE_FULL: &str = "SELECT full FROM images WHERE hash = ?1";
    pub const IMAGE_600: &str = "SELECT w600 FROM images WHERE hash = ?1";
    pub const IMAGE_160: &str = "SELECT w160 FROM images WHERE hash = ?1";
    pub const IMAGE_ID_BY_HASH: &str = "SELECT id FROM images WHERE hash = ?1";
    pub const SITEMAP: &str =
        "SELECT slug, updated_at FROM products WHERE status = 'active' ORDER BY id";
    pub const COUNT_PRODUCTS: &str = "SELECT count(*) FROM products";
    pub const INSERT_CATEGORY: &str = "INSERT INTO categories (parent_id, slug, name, description, position, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    pub const INSERT_PRODUCT: &str = "INSERT INTO products (category_id, slug, title, description, status, featured, option1_name, option2_name, option3_name, seo_title, seo_description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
    pub const INSERT_VARIANT: &str = "INSERT INTO variants (product_id, sku, option1, option2, option3, price, compare_at_price, stock, low_stock_threshold, weight_grams, position, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    pub const INSERT_LEDGER: &str = "INSERT INTO stock_ledger (variant_id, delta, reason, stock_after, actor, note, ref, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    pub const ADJUST_STOCK: &str =
        "UPDATE variants SET stock = stock + ?1 WHERE id = ?2 AND stock + ?1 >= 0 RETURNING stock";
    pub const STOCK_OF: &str = "SELECT stock FROM variants WHERE id = ?1";
    pub const INSERT_IMAGE: &str = "INSERT INTO images (hash, width, height, full, w600, w160, placeholder, alt, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    pub const ATTACH_IMAGE: &str =
        "INSERT OR IGNORE INTO product_images (product_id, image_id, position) VALUES (?1, ?2, ?3)";
    pub const INSERT_BANNER: &str = "INSERT INTO banners (title, subtitle, link, link_label, image_id, position, starts_at, ends_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    pub const LEDGER_MISMATCHES: &str = "SELECT v.sku, v.stock, COALESCE((SELECT sum(delta) FROM stock_ledger l WHERE l.variant_id = v.id), 0) AS s FROM variants v WHERE v.stock <> COALESCE((SELECT sum(delta) FROM stock_ledger l WHERE l.variant_id = v.id), 0)";

    /// Every constant, for the schema test.
    pub const ALL: &[&str] = &[
        CATEGORIES,
        CATEGORY_BY_SLUG,
        CATEGORY_BY_ID,
        CARDS_BY_IDS,
        NEWEST_IDS,
        FEATURED_IDS,
        RELATED_IN_CATEGORY,
        LIST_IDS,
        SEARCH_IDS,
        FACETS,
        PRODUCT_BY_SLUG,
        VARIANTS_OF,
        IMAGES_OF,
        LIVE_BANNERS,
        BANNER_TIMES,
        IMAGE_FULL,
        IMAGE_600,
        IMAGE_160,
        IMAGE_ID_BY_HASH,
        SITEMAP,
        COUNT_PRODUCTS,
        INSERT_CATEGORY,
        INSERT_PRODUCT,
        INSERT_VARIANT,
        INSERT_LEDGER,
        ADJUST_STOCK,
        STOCK_OF,
        INSERT_IMAGE,
        ATTACH_IMAGE,
        INSERT_BANNER,
        LEDGER_MISMATCHES,
        SLUG_OF_VARIANT,
    ];
    /// A fragment `list` appends to LIST_IDS; the schema test prepares the two joined.
    pub const NOT_PREPARED: &[&str] = &[LIST_IN_CATEGORY];
}
