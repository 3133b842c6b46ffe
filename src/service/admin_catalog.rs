//! The owner's catalogue writes: products (create, the inline price/stock edit, details,
//! variants, status, delete, images), a stock adjustment and a CSV import. Each runs in one
//! write transaction with its audit entry; those that may queue a low-stock mail (or did
//! wake the worker before) wake the mail worker after the commit.

use crate::admin_data::csv_io::{self, Plan};
use crate::app::App;
use crate::error::Result;
use crate::money::Money;
use crate::shop::audit::Actor;
use crate::shop::catalog::admin::{
    self as admin, Matrix, NewVariantFields, ProductFields, VariantEdit,
};
use crate::shop::catalog::images::ImageSet;
use crate::shop::catalog::stock;

/// Creates a product with its option matrix of variants; returns its id. Refused (400 bad
/// fields, 409 slug or SKU taken) with nothing written.
pub fn create_product(
    app: &App,
    actor: &Actor,
    fields: &ProductFields,
    matrix: &Matrix,
) -> Result<i64> {
    let now = crate::db::now();
    super::write(app, now, |tx| admin::create(tx, actor, fields, matrix, now))
}

/// Sets one variant's price and stock from the product list, then wakes the mail worker
/// (a low-stock mail may be queued). Refused (400, 404 no such variant) with nothing written.
pub fn quick_edit(app: &App, actor: &Actor, variant_id: i64, price: i64, stock: i64) -> Result<()> {
    let cfg = app.cfg();
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::quick_edit(tx, &cfg, actor, variant_id, price, stock, now)
    })?;
    Ok(())
}

/// Saves a product's details, then wakes the mail worker. Refused (400, 404, 409 slug
/// taken) with nothing written.
pub fn update_product(
    app: &App,
    actor: &Actor,
    product_id: i64,
    fields: &ProductFields,
) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::update(tx, actor, product_id, fields, now)
    })?;
    Ok(())
}

/// Saves the product's variant rows (SKU, prices, stock...), then wakes the mail worker (a
/// low-stock mail may be queued). Refused (400, 404, 409) with nothing written.
pub fn update_variants(
    app: &App,
    actor: &Actor,
    product_id: i64,
    edits: &[VariantEdit],
) -> Result<()> {
    let cfg = app.cfg();
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::update_variants(tx, &cfg, actor, product_id, edits, now)
    })?;
    Ok(())
}

/// Adds one variant to the product and returns its id, then wakes the mail worker.
/// Refused (400 wrong options, 404, 409 combination or SKU taken) with nothing written.
pub fn add_variant(app: &App, actor: &Actor, product_id: i64, v: &NewVariantFields) -> Result<i64> {
    let now = crate::db::now();
    let id = super::write(app, now, |tx| {
        admin::add_variant(tx, actor, product_id, v, now)
    })?;
    Ok(id)
}

/// Archives one variant of the product, then wakes the mail worker. Refused (404 not a
/// variant of this product) with nothing written.
pub fn archive_variant(app: &App, actor: &Actor, product_id: i64, variant_id: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::archive_variant(tx, actor, product_id, variant_id, now)
    })?;
    Ok(())
}

/// Sets the product draft, active or archived, then wakes the mail worker. Refused (400
/// another status, 404) with nothing written.
pub fn set_status(app: &App, actor: &Actor, product_id: i64, status: &str) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::set_status(tx, actor, product_id, status, now)
    })?;
    Ok(())
}

/// Deletes the product. Refused (404, 409 it has been ordered) with nothing written.
pub fn delete_product(app: &App, actor: &Actor, product_id: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| admin::delete(tx, actor, product_id, now))
}

/// Saves image order and alt texts, (image id, position, alt) each, then wakes the mail
/// worker. Refused (404 not an image of this product) with nothing written.
pub fn update_images(
    app: &App,
    actor: &Actor,
    product_id: i64,
    edits: &[(i64, i64, String)],
) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::update_images(tx, actor, product_id, edits, now)
    })?;
    Ok(())
}

/// Removes one image from the product, then wakes the mail worker. Refused (404 not an
/// image of this product) with nothing written.
pub fn remove_image(app: &App, actor: &Actor, product_id: i64, image_id: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::remove_image(tx, actor, product_id, image_id, now)
    })?;
    Ok(())
}

/// Stores the already converted images and attaches them after the product's others, all
/// with the alt text `alt`. Refused (404 no such product) with nothing written.
pub fn add_images(
    app: &App,
    actor: &Actor,
    product_id: i64,
    sets: &[ImageSet],
    alt: &str,
) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        admin::add_images(tx, actor, product_id, sets, alt, now)
    })
}

/// Adjusts a variant's stock (received, damaged, correction or count) with its ledger and
/// audit rows, then wakes the mail worker (a low-stock mail may be queued); returns the stock
/// after. Refused (400 quantity or reason, 404 no such variant) with nothing written.
pub fn adjust_stock(
    app: &App,
    actor: &Actor,
    variant_id: i64,
    reason: &str,
    qty: i64,
    note: &str,
) -> Result<i64> {
    let cfg = app.cfg();
    let now = crate::db::now();
    let id = super::write(app, now, |tx| {
        stock::adjust(tx, &cfg, actor, variant_id, reason, qty, note, now)
    })?;
    Ok(id)
}

/// Applies a products CSV (read with `money`, the one its preview used) and returns what it
/// did. Refused (400 the file has errors, 409 the catalogue changed meanwhile) with nothing
/// written.
pub fn apply_csv(app: &App, actor: &Actor, file: &[u8], money: &Money) -> Result<Plan> {
    let now = crate::db::now();
    super::write(app, now, |tx| csv_io::apply(tx, file, money, actor, now))
}
