//! The owner's category and banner handlers (behind the admin gate in `web::admin`). Each
//! POST checks the CSRF token and calls one `service::admin_merch` function; a refused
//! change comes back to its page with the reason and a 4xx status. Banner forms are
//! multipart (they may carry an image), checked and converted before anything is written.

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind, Result};
use crate::http::multipart;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::admin_merch as service;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::catalog;
use crate::shop::catalog::images;
use crate::shop::catalog::merch::{self, BannerFields, CategoryFields};
use crate::views::admin_merch as views;
use crate::zone::Zone;

fn actor(me: &Customer) -> Actor {
    Actor::staff(me.id, &me.email)
}

fn refused(e: &Error) -> bool {
    matches!(
        e.kind,
        Kind::BadRequest | Kind::Conflict | Kind::PayloadTooLarge | Kind::UnsupportedMedia
    )
}

fn parse_id(s: &str, what: &str) -> Result<i64> {
    s.parse()
        .map_err(|_| Error::not_found(format!("There is no such {what}.")))
}

// ---------------------------------------------------------------------------------------
// Categories

pub fn categories(app: &App, req: &Req, s: &Session, me: &Customer, seg: &[&str]) -> Outcome {
    match (req.method() == "POST", seg) {
        (false, []) => category_page(app, req, s, 200, None),
        (true, rest) => category_write(app, req, s, me, rest),
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }
}

fn category_page(app: &App, req: &Req, s: &Session, status: u16, error: Option<&str>) -> Outcome {
    let cats = catalog::categories(&*app.db.read()?)?;
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::categories(ctx, &s.csrf, &cats, error))
    })
}

fn category_fields(f: &Params) -> Result<CategoryFields> {
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    let mut slug = g("slug").trim().to_string();
    if slug.is_empty() {
        slug = catalog::slugify(&g("name"));
    }
    let position = match g("position").trim() {
        "" => 0,
        p => p
            .parse()
            .map_err(|_| Error::bad_request("Please enter the position as a whole number."))?,
    };
    Ok(CategoryFields {
        parent_id: f.get("parent").and_then(|p| p.parse().ok()),
        slug,
        name: g("name"),
        description: g("description"),
        position,
    })
}

fn category_write(app: &App, req: &Req, s: &Session, me: &Customer, rest: &[&str]) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let who = actor(me);
    let result = match rest {
        [] => category_fields(&f).and_then(|c| service::create_category(app, &who, &c).map(|_| ())),
        [id] => {
            let id = parse_id(id, "category")?;
            category_fields(&f).and_then(|c| service::update_category(app, &who, id, &c))
        }
        [id, dir @ ("up" | "down")] => {
            let id = parse_id(id, "category")?;
            let step = if *dir == "up" { -1 } else { 1 };
            service::move_category(app, &who, id, step)
        }
        _ => return Err(Error::not_found("There is no admin page at this address.")),
    };
    match result {
        Ok(()) => Ok(Resp::redirect("/admin/categories?done=saved")),
        Err(e) if refused(&e) => category_page(app, req, s, e.status(), Some(&e.public)),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Banners

pub fn banners(app: &App, req: &Req, s: &Session, me: &Customer, seg: &[&str]) -> Outcome {
    match (req.method() == "POST", seg) {
        (false, []) => banner_list(app, req, s, 200, None),
        (false, [id]) => banner_page(app, req, s, parse_id(id, "banner")?, 200, None),
        (true, [id, "delete"]) => {
            let id = parse_id(id, "banner")?;
            let f = form(req)?;
            check_csrf(Some(s), &f)?;
            service::delete_banner(app, &actor(me), id)?;
            Ok(Resp::redirect("/admin/banners?done=deleted"))
        }
        (true, []) => banner_save(app, req, s, me, None),
        (true, [id]) => banner_save(app, req, s, me, Some(parse_id(id, "banner")?)),
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }
}

fn banner_list(app: &App, req: &Req, s: &Session, status: u16, error: Option<&str>) -> Outcome {
    let rows = merch::banners(&*app.db.read()?)?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::banners(ctx, &s.csrf, &rows, &offset, error))
    })
}

fn banner_page(
    app: &App,
    req: &Req,
    s: &Session,
    id: i64,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let b = merch::banner(&*app.db.read()?, id)?
        .ok_or_else(|| Error::not_found("There is no such banner."))?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::banner(ctx, &s.csrf, &b, &offset, error))
    })
}

/// `YYYY-MM-DDTHH:MM` (a `datetime-local` value) in the store's zone → unix seconds.
pub fn parse_local_time(s: &str, zone: &Zone) -> Option<i64> {
    let (date, time) = s.trim().split_once('T').unwrap_or((s.trim(), "00:00"));
    let (y, mo, d) = crate::admin_data::audit_list::parse_ymd(date)?;
    let mut hm = time.split(':');
    let h: u32 = hm.next()?.parse().ok()?;
    let m: u32 = hm.next().unwrap_or("0").parse().ok()?;
    if h >= 24 || m >= 60 {
        return None;
    }
    zone.local_time(y, mo, d, h, m)
}

fn banner_save(app: &App, req: &Req, s: &Session, me: &Customer, id: Option<i64>) -> Outcome {
    const FIELDS: &[&str] = &[
        "csrf_token",
        "title",
        "subtitle",
        "link",
        "link_label",
        "position",
        "starts",
        "ends",
        "active",
        "image",
    ];
    let ct = req.header("content-type").unwrap_or("");
    let parts = multipart::parse(
        ct,
        req.body.clone(),
        FIELDS,
        super::admin_products::MAX_UPLOAD,
    )?;
    let text = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .unwrap_or_default()
    };
    check_csrf(
        Some(s),
        &Params(vec![("csrf_token".into(), text("csrf_token"))]),
    )?;
    let offset = app.cfg().store.zone.clone();
    let when = |k: &str| -> Result<Option<i64>> {
        let v = text(k);
        if v.trim().is_empty() {
            return Ok(None);
        }
        parse_local_time(&v, &offset).map(Some).ok_or_else(|| {
            Error::bad_request(
                "Please enter the schedule as a date and time, like 2026-12-01T09:00.",
            )
        })
    };
    let result = (|| {
        let position = match text("position").trim() {
            "" => 0,
            p => p
                .parse()
                .map_err(|_| Error::bad_request("Please enter the position as a whole number."))?,
        };
        let fields = BannerFields {
            title: text("title"),
            subtitle: text("subtitle"),
            link: text("link"),
            link_label: text("link_label"),
            position,
            starts_at: when("starts")?,
            ends_at: when("ends")?,
            active: text("active") == "1",
        };
        let image = match parts
            .iter()
            .find(|p| p.name == "image" && !p.data.is_empty())
        {
            Some(p) => Some(images::process(&p.data)?),
            None => None,
        };
        service::save_banner(app, &actor(me), id, &fields, image.as_ref())
    })();
    match result {
        Ok(id) => Ok(Resp::redirect(&format!("/admin/banners/{id}?done=saved"))),
        Err(e) if refused(&e) => match id {
            Some(id) => banner_page(app, req, s, id, e.status(), Some(&e.public)),
            None => banner_list(app, req, s, e.status(), Some(&e.public)),
        },
        Err(e) => Err(e),
    }
}
