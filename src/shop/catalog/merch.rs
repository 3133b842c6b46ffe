//! The owner's merchandising: categories (create, edit, reorder; one level of nesting, which
//! the schema's triggers enforce and this module words for people) and home-page banners
//! (image, text, link and a start/end schedule). Every write takes the caller's transaction
//! and records an audit row in it.

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::{self, Actor};
use crate::shop::catalog::images::ImageSet;
use crate::shop::catalog::{self, NewBanner, NewCategory};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryFields {
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BannerRow {
    pub id: i64,
    pub title: String,
    pub subtitle: String,
    pub link: String,
    pub link_label: String,
    pub image_hash: Option<String>,
    pub position: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BannerFields {
    pub title: String,
    pub subtitle: String,
    pub link: String,
    pub link_label: String,
    pub position: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub active: bool,
}

fn db_error(e: rusqlite::Error, taken: &str) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(_, ref m)
            if m.as_deref().is_some_and(|m| m.contains("nest one level")) =>
        {
            Error::bad_request(
                "Categories nest one level only: the parent must be a top-level category without a parent, and a category with sub-categories cannot get a parent.",
            )
            .with_detail(e)
        }
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::conflict(taken).with_detail(e)
        }
        other => Error::from(other),
    }
}

fn check_category(f: &CategoryFields) -> Result<()> {
    crate::shop::text::single_line("Name", &f.name)?;
    let n = f.name.trim().chars().count();
    if n == 0 || n > 80 {
        return Err(Error::bad_request(
            "Please give the category a name (up to 80 characters).",
        ));
    }
    catalog::check_slug(&f.slug)?;
    if f.slug.len() > 80 {
        return Err(Error::bad_request(
            "A category address is at most 80 characters.",
        ));
    }
    Ok(())
}

/// The parent must exist and be top-level (the triggers enforce it too; this says it in
/// words before SQLite refuses it).
fn check_parent(tx: &Tx, parent_id: Option<i64>) -> Result<()> {
    if let Some(p) = parent_id {
        let parent = catalog::category_by_id(tx, p)?
            .ok_or_else(|| Error::bad_request("The chosen parent category does not exist."))?;
        if parent.parent_id.is_some() {
            return Err(Error::bad_request(
                "Categories nest one level only: the parent must be a top-level category.",
            ));
        }
    }
    Ok(())
}

pub fn create_category(tx: &Tx, actor: &Actor, f: &CategoryFields, now: i64) -> Result<i64> {
    check_category(f)?;
    check_parent(tx, f.parent_id)?;
    let id = catalog::create_category(
        tx,
        &NewCategory {
            parent_id: f.parent_id,
            slug: &f.slug,
            name: f.name.trim(),
            description: &f.description,
            position: f.position,
        },
        now,
    )?;
    audit::record(
        tx,
        actor,
        "category.create",
        "category",
        &f.slug,
        &format!("created \"{}\"", f.name.trim()),
        now,
    )?;
    Ok(id)
}

pub fn update_category(
    tx: &Tx,
    actor: &Actor,
    id: i64,
    f: &CategoryFields,
    now: i64,
) -> Result<()> {
    check_category(f)?;
    if f.parent_id == Some(id) {
        return Err(Error::bad_request("A category cannot be its own parent."));
    }
    let before = catalog::category_by_id(tx, id)?
        .ok_or_else(|| Error::not_found("There is no such category."))?;
    check_parent(tx, f.parent_id)?;
    tx.prepare_cached(sql::UPDATE_CATEGORY)?
        .execute(params![
            id,
            f.parent_id,
            f.slug,
            f.name.trim(),
            f.description,
            f.position
        ])
        .map_err(|e| db_error(e, "A category with that address already exists."))?;
    let changes = audit::Changes::new()
        .field("name", &before.name, f.name.trim())
        .field("address", &before.slug, &f.slug)
        .text("description", before.description != f.description)
        .text("parent", before.parent_id != f.parent_id)
        .field("position", before.position, f.position);
    audit::record_changes(
        tx,
        actor,
        "category.update",
        "category",
        &f.slug,
        &changes,
        now,
    )
}

/// Moves a category one place up (-1) or down (+1) among its siblings, renumbering them
/// 0, 1, 2… in the new order.
pub fn move_category(tx: &Tx, actor: &Actor, id: i64, step: i64, now: i64) -> Result<()> {
    let me = catalog::category_by_id(tx, id)?
        .ok_or_else(|| Error::not_found("There is no such category."))?;
    let mut st = tx.prepare_cached(sql::SIBLINGS)?;
    let mut ids: Vec<i64> = st
        .query_map([me.parent_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    drop(st);
    let i = ids.iter().position(|x| *x == id).unwrap_or(0);
    let j = i as i64 + step;
    if j >= 0 && (j as usize) < ids.len() {
        ids.swap(i, j as usize);
    }
    for (pos, cid) in ids.iter().enumerate() {
        tx.prepare_cached(sql::SET_CATEGORY_POSITION)?
            .execute(params![cid, pos as i64])?;
    }
    audit::record(
        tx,
        actor,
        "category.move",
        "category",
        &me.slug,
        if step < 0 { "moved up" } else { "moved down" },
        now,
    )
}

/// A banner link is a path on this site or an http(s) address.
fn check_banner(f: &BannerFields) -> Result<()> {
    crate::shop::text::single_line("Title", &f.title)?;
    crate::shop::text::single_line("Link", &f.link)?;
    crate::shop::text::single_line("Button label", &f.link_label)?;
    let t = f.title.trim().chars().count();
    if t == 0 || t > 120 {
        return Err(Error::bad_request(
            "Please give the banner a title (up to 120 characters).",
        ));
    }
    let l = f.link.trim();
    let ok = (l.starts_with('/') && !l.starts_with("//"))
        || l.starts_with("https://")
        || l.starts_with("http://");
    if !ok || l.len() > 500 || l.chars().any(char::is_whitespace) {
        return Err(Error::bad_request(
            "The link must be a path on this shop (like /c/shirts) or an http(s) address.",
        ));
    }
    if let (Some(a), Some(b)) = (f.starts_at, f.ends_at)
        && b <= a
    {
        return Err(Error::bad_request("The banner must end after it starts."));
    }
    Ok(())
}

pub fn banners(c: &Connection) -> Result<Vec<BannerRow>> {
    let mut st = c.prepare_cached(sql::BANNERS)?;
    let rows = st.query_map([], banner_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn banner(c: &Connection, id: i64) -> Result<Option<BannerRow>> {
    Ok(c.prepare_cached(sql::BANNER)?
        .query_row([id], banner_row)
        .optional()?)
}

fn banner_row(r: &rusqlite::Row) -> rusqlite::Result<BannerRow> {
    Ok(BannerRow {
        id: r.get(0)?,
        title: r.get(1)?,
        subtitle: r.get(2)?,
        link: r.get(3)?,
        link_label: r.get(4)?,
        image_hash: r.get(5)?,
        position: r.get(6)?,
        starts_at: r.get(7)?,
        ends_at: r.get(8)?,
        active: r.get(9)?,
    })
}

fn label(f: &BannerFields) -> &str {
    if f.link_label.trim().is_empty() {
        "Shop now"
    } else {
        f.link_label.trim()
    }
}

pub fn create_banner(
    tx: &Tx,
    actor: &Actor,
    f: &BannerFields,
    image: Option<&ImageSet>,
    now: i64,
) -> Result<i64> {
    check_banner(f)?;
    let image_id = match image {
        Some(set) => Some(catalog::store_image(tx, set, f.title.trim(), now)?),
        None => None,
    };
    let id = catalog::create_banner(
        tx,
        &NewBanner {
            title: f.title.trim(),
            subtitle: &f.subtitle,
            link: f.link.trim(),
            link_label: label(f),
            image_id,
            position: f.position,
            starts_at: f.starts_at,
            ends_at: f.ends_at,
        },
        now,
    )?;
    if !f.active {
        tx.prepare_cached(sql::SET_BANNER_ACTIVE)?
            .execute(params![id, false])?;
    }
    audit::record(
        tx,
        actor,
        "banner.create",
        "banner",
        &id.to_string(),
        &format!("created \"{}\"", f.title.trim()),
        now,
    )?;
    Ok(id)
}

pub fn update_banner(
    tx: &Tx,
    actor: &Actor,
    id: i64,
    f: &BannerFields,
    image: Option<&ImageSet>,
    now: i64,
) -> Result<()> {
    check_banner(f)?;
    let before = banner(tx, id)?.ok_or_else(|| Error::not_found("There is no such banner."))?;
    tx.prepare_cached(sql::UPDATE_BANNER)?.execute(params![
        id,
        f.title.trim(),
        f.subtitle,
        f.link.trim(),
        label(f),
        f.position,
        f.starts_at,
        f.ends_at,
        f.active
    ])?;
    if let Some(set) = image {
        let image_id = catalog::store_image(tx, set, f.title.trim(), now)?;
        tx.prepare_cached(sql::SET_BANNER_IMAGE)?
            .execute(params![id, image_id])?;
    }
    let on_off = |v: bool| if v { "shown" } else { "hidden" };
    let mut changes = audit::Changes::new()
        .field("title", &before.title, f.title.trim())
        .text("subtitle", before.subtitle != f.subtitle)
        .field("link", &before.link, f.link.trim())
        .field("position", before.position, f.position)
        .text(
            "schedule",
            (before.starts_at, before.ends_at) != (f.starts_at, f.ends_at),
        )
        .field("banner", on_off(before.active), on_off(f.active));
    if image.is_some() {
        changes = changes.also("new image");
    }
    audit::record_changes(
        tx,
        actor,
        "banner.update",
        "banner",
        &id.to_string(),
        &changes,
        now,
    )
}

pub fn delete_banner(tx: &Tx, actor: &Actor, id: i64, now: i64) -> Result<()> {
    let before = banner(tx, id)?.ok_or_else(|| Error::not_found("There is no such banner."))?;
    tx.prepare_cached(sql::DELETE_BANNER)?.execute([id])?;
    audit::record(
        tx,
        actor,
        "banner.delete",
        "banner",
        &id.to_string(),
        &format!("deleted \"{}\"", before.title),
        now,
    )
}

pub mod sql {
    //! SQL of categories and banners for the admin. Prepared against the schema by a test.
    pub const UPDATE_CATEGORY: &str = "UPDATE categories SET parent_id = ?2, slug = ?3, name = ?4, description = ?5, position = ?6 WHERE id = ?1";
    pub const SIBLINGS: &str =
        "SELECT id FROM categories WHERE parent_id IS ?1 ORDER BY position, id";
    pub const SET_CATEGORY_POSITION: &str = "UPDATE categories SET position = ?2 WHERE id = ?1";
    pub const BANNERS: &str = "SELECT b.id, b.title, b.subtitle, b.link, b.link_label, i.hash, b.position, b.starts_at, b.ends_at, b.active FROM banners b LEFT JOIN images i ON i.id = b.image_id ORDER BY b.position, b.id";
    pub const BANNER: &str = "SELECT b.id, b.title, b.subtitle, b.link, b.link_label, i.hash, b.position, b.starts_at, b.ends_at, b.active FROM banners b LEFT JOIN images i ON i.id = b.image_id WHERE b.id = ?1";
    pub const UPDATE_BANNER: &str = "UPDATE banners SET title = ?2, subtitle = ?3, link = ?4, link_label = ?5, position = ?6, starts_at = ?7, ends_at = ?8, active = ?9 WHERE id = ?1";
    pub const SET_BANNER_ACTIVE: &str = "UPDATE banners SET active = ?2 WHERE id = ?1";
    pub const SET_BANNER_IMAGE: &str = "UPDATE banners SET image_id = ?2 WHERE id = ?1";
    pub const DELETE_BANNER: &str = "DELETE FROM banners WHERE id = ?1";
    pub const ALL: &[&str] = &[
        UPDATE_CATEGORY,
        SIBLINGS,
        SET_CATEGORY_POSITION,
        BANNERS,
        BANNER,
        UPDATE_BANNER,
        SET_BANNER_ACTIVE,
        SET_BANNER_IMAGE,
        DELETE_BANNER,
    ];
}
