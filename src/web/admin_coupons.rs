//! The owner's coupon handlers (behind the admin gate in `web::admin`): list, one coupon,
//! create, edit, disable/enable. Each POST checks the CSRF token and calls one
//! `service::admin_merch` function; a refused change comes back with the reason.

use super::admin_merch::parse_local_time;
use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::admin_data::coupons as admin;
use crate::app::App;
use crate::error::{Error, Kind, Result};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::money::Money;
use crate::service::admin_merch as service;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::cart::coupons::NewCoupon;
use crate::views::admin_coupons as views;

pub fn route(app: &App, req: &Req, s: &Session, me: &Customer, seg: &[&str]) -> Outcome {
    match (req.method() == "POST", seg) {
        (false, []) => list(app, req, s, 200, None),
        (false, [id]) => detail(app, req, s, parse_id(id)?, 200, None),
        (true, rest) => write(app, req, s, me, rest),
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }
}

fn parse_id(id: &str) -> Result<i64> {
    id.parse()
        .map_err(|_| Error::not_found("There is no such coupon."))
}

fn list(app: &App, req: &Req, s: &Session, status: u16, error: Option<&str>) -> Outcome {
    let rows = admin::list(&*app.db.read()?)?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::list(ctx, &s.csrf, &rows, &offset, error))
    })
}

fn detail(app: &App, req: &Req, s: &Session, id: i64, status: u16, error: Option<&str>) -> Outcome {
    let u = admin::get(&*app.db.read()?, id)?
        .ok_or_else(|| Error::not_found("There is no such coupon."))?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::detail(ctx, &s.csrf, &u, &offset, error))
    })
}

fn coupon_of(app: &App, f: &Params) -> Result<NewCoupon> {
    let cfg = app.cfg();
    let m = Money::of(&cfg.store);
    let offset = cfg.store.zone.clone();
    let g = |k: &str| f.get(k).unwrap_or("").trim().to_string();
    let kind = g("kind");
    let value = match kind.as_str() {
        "fixed" => m
            .parse(&g("value"))
            .ok_or_else(|| Error::bad_request("Please enter the amount off, like 100 or 99.50."))?,
        "percent" => g("value")
            .parse()
            .map_err(|_| Error::bad_request("Please enter the percent as a whole number."))?,
        _ => 0,
    };
    let min_subtotal = match g("min_subtotal").as_str() {
        "" => 0,
        v => m.parse(v).ok_or_else(|| {
            Error::bad_request("Please enter the minimum subtotal as an amount, like 999.")
        })?,
    };
    let time = |k: &str| -> Result<Option<i64>> {
        match g(k).as_str() {
            "" => Ok(None),
            v => parse_local_time(v, &offset).map(Some).ok_or_else(|| {
                Error::bad_request("Please enter dates as a date and time, like 2026-12-01T09:00.")
            }),
        }
    };
    let limit = |k: &str| -> Result<Option<i64>> {
        match g(k).as_str() {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| Error::bad_request("Please enter the limits as whole numbers.")),
        }
    };
    Ok(NewCoupon {
        code: g("code"),
        kind,
        value,
        min_subtotal,
        starts_at: time("starts")?,
        ends_at: time("ends")?,
        max_redemptions: limit("max_redemptions")?,
        per_customer: limit("per_customer")?,
    })
}

fn write(app: &App, req: &Req, s: &Session, me: &Customer, rest: &[&str]) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let who = Actor::staff(me.id, &me.email);
    let (id, result) = match rest {
        [] => {
            let r = coupon_of(app, &f).and_then(|c| service::create_coupon(app, &who, &c));
            match r {
                Ok(id) => return Ok(Resp::redirect(&format!("/admin/coupons/{id}?done=created"))),
                Err(e) => (None, Err(e)),
            }
        }
        [id] => {
            let id = parse_id(id)?;
            let r = coupon_of(app, &f).and_then(|c| service::update_coupon(app, &who, id, &c));
            (Some(id), r)
        }
        [id, action @ ("disable" | "enable")] => {
            let id = parse_id(id)?;
            let on = *action == "enable";
            let r = service::set_coupon_active(app, &who, id, on);
            (Some(id), r)
        }
        _ => return Err(Error::not_found("There is no admin page at this address.")),
    };
    match (id, result) {
        (Some(id), Ok(())) => Ok(Resp::redirect(&format!("/admin/coupons/{id}?done=saved"))),
        (None, Ok(())) => Ok(Resp::redirect("/admin/coupons?done=saved")),
        (id, Err(e)) if matches!(e.kind, Kind::BadRequest | Kind::Conflict) => match id {
            Some(id) => detail(app, req, s, id, e.status(), Some(&e.public)),
            None => list(app, req, s, e.status(), Some(&e.public)),
        },
        (_, Err(e)) => Err(e),
    }
}
