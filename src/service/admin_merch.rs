//! The owner's merchandising writes: categories (create, edit, move up or down), banners
//! (create or edit, delete) and coupons (create, edit, disable or enable). Each is one write
//! transaction with its audit entry; none queues mail.

use crate::admin_data::coupons;
use crate::app::App;
use crate::error::Result;
use crate::shop::audit::Actor;
use crate::shop::cart::coupons::NewCoupon;
use crate::shop::catalog::images::ImageSet;
use crate::shop::catalog::merch::{self, BannerFields, CategoryFields};

/// Creates a category; returns its id. Refused (400 bad fields or parent, 409 slug taken)
/// with nothing written.
pub fn create_category(app: &App, actor: &Actor, c: &CategoryFields) -> Result<i64> {
    let now = crate::db::now();
    super::write(app, now, |tx| merch::create_category(tx, actor, c, now))
}

/// Saves a category. Refused (400 bad fields or parent, 404, 409 slug taken) with nothing
/// written.
pub fn update_category(app: &App, actor: &Actor, id: i64, c: &CategoryFields) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| merch::update_category(tx, actor, id, c, now))
}

/// Moves a category `step` places among its siblings (-1 up, 1 down). Refused (404) with
/// nothing written.
pub fn move_category(app: &App, actor: &Actor, id: i64, step: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        merch::move_category(tx, actor, id, step, now)
    })
}

/// Creates a banner (`id` None) or saves banner `id`, with its already converted image if
/// one was uploaded; returns the banner's id. Refused (400 bad fields or schedule, 404)
/// with nothing written.
pub fn save_banner(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    fields: &BannerFields,
    image: Option<&ImageSet>,
) -> Result<i64> {
    let now = crate::db::now();
    super::write(app, now, |tx| match id {
        None => merch::create_banner(tx, actor, fields, image, now),
        Some(id) => merch::update_banner(tx, actor, id, fields, image, now).map(|_| id),
    })
}

/// Deletes a banner. Refused (404) with nothing written.
pub fn delete_banner(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| merch::delete_banner(tx, actor, id, now))
}

/// Creates a coupon; returns its id. Refused (400 bad fields or limits, 409 code taken)
/// with nothing written.
pub fn create_coupon(app: &App, actor: &Actor, c: &NewCoupon) -> Result<i64> {
    let now = crate::db::now();
    let m = crate::money::Money::of(&app.cfg().store);
    super::write(app, now, |tx| coupons::create(tx, &m, actor, c, now))
}

/// Saves a coupon. Refused (400 bad fields or limits, 404) with nothing written.
pub fn update_coupon(app: &App, actor: &Actor, id: i64, c: &NewCoupon) -> Result<()> {
    let now = crate::db::now();
    let m = crate::money::Money::of(&app.cfg().store);
    super::write(app, now, |tx| coupons::update(tx, &m, actor, id, c, now))
}

/// Enables (`active`) or disables a coupon. Refused (404) with nothing written.
pub fn set_coupon_active(app: &App, actor: &Actor, id: i64, active: bool) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        coupons::set_active(tx, actor, id, active, now)
    })
}
