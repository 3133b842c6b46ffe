//! CSV handlers (behind the admin gate): the products and orders exports, the import page,
//! and the import POST (multipart `file` + `mode` = preview | apply).

use super::session::check_csrf;
use super::{Outcome, html_page, with_ctx};
use crate::admin_data::audit_list::parse_local_date;
use crate::admin_data::csv_io::{self, Plan};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::multipart;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::admin_catalog;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::views::admin_csv as views;
use crate::views::format::{Money, iso_date};

/// Largest import file.
pub const MAX_IMPORT: u64 = 5 * 1024 * 1024;

fn csv_resp(name: &str, body: Vec<u8>) -> Resp {
    let mut r = Resp::new(200).body(body);
    r.set_header("Content-Type", "text/csv; charset=utf-8");
    r.set_header(
        "Content-Disposition",
        format!("attachment; filename=\"{name}\""),
    );
    r
}

pub fn products_csv(app: &App) -> Outcome {
    let money = Money::of(&app.cfg().store);
    let body = csv_io::export_products(&*app.db.read()?, &money)?;
    Ok(csv_resp("products.csv", body))
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD` in the store's time zone, both days included;
/// default the last 30 days.
pub fn orders_csv(app: &App, req: &Req) -> Outcome {
    let cfg = app.cfg();
    let offset = cfg.store.zone.clone();
    let p = Params::parse(req.query());
    let now = crate::db::now();
    let day = |key: &str, default: i64| -> Result<i64, Error> {
        match p.get(key).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => parse_local_date(v, &offset).ok_or_else(|| {
                Error::bad_request(format!("{key} must be a date like 2026-11-01."))
            }),
        }
    };
    let to_default = parse_local_date(&iso_date(now, &offset), &offset).unwrap_or(now);
    let to = day("to", to_default)? + 86_400;
    let from = day("from", to - 31 * 86_400)?;
    if from >= to {
        return Err(Error::bad_request(
            "The start date must be before the end date.",
        ));
    }
    let money = Money::of(&cfg.store);
    let body = csv_io::export_orders(&*app.db.read()?, &money, from, to)?;
    Ok(csv_resp(
        &format!(
            "orders-{}-{}.csv",
            iso_date(from, &offset),
            iso_date(to - 86_400, &offset)
        ),
        body,
    ))
}

fn render(
    app: &App,
    req: &Req,
    s: &Session,
    status: u16,
    plan: Option<&Plan>,
    applied: bool,
    error: Option<&str>,
) -> Outcome {
    let offset = app.cfg().store.zone.clone();
    let now = crate::db::now();
    let today = iso_date(now, &offset);
    let month_ago = iso_date(now - 30 * 86_400, &offset);
    with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::page(
                ctx,
                &views::ImportPage {
                    csrf: &s.csrf,
                    plan,
                    applied,
                    error,
                    today: &today,
                    month_ago: &month_ago,
                },
            ),
        )
    })
}

pub fn import_page(app: &App, req: &Req, s: &Session) -> Outcome {
    render(app, req, s, 200, None, false, None)
}

/// POST /admin/imports/products: a dry run, or the import in one transaction. A file
/// with any bad row is refused whole, with the rows named.
pub fn import(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    let ct = req.header("content-type").unwrap_or("");
    let parts = multipart::parse(
        ct,
        req.body.clone(),
        &["csrf_token", "file", "mode"],
        MAX_IMPORT,
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
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .map(|p| p.data.clone())
        .unwrap_or_default();
    if file.is_empty() {
        return render(
            app,
            req,
            s,
            400,
            None,
            false,
            Some("Please choose a CSV file."),
        );
    }
    let money = Money::of(&app.cfg().store);
    let conn = app.db.read()?;
    let plan = match csv_io::preview(&conn, &file, &money) {
        Ok(p) => p,
        Err(e) if e.kind == Kind::BadRequest => {
            return render(app, req, s, 400, None, false, Some(&e.public));
        }
        Err(e) => return Err(e),
    };
    drop(conn);
    if text("mode") != "apply" {
        return render(app, req, s, 200, Some(&plan), false, None);
    }
    let actor = Actor::staff(me.id, &me.email);
    match admin_catalog::apply_csv(app, &actor, &file, &money) {
        Ok(done) => render(app, req, s, 200, Some(&done), true, None),
        Err(e) if e.kind == Kind::BadRequest || e.kind == Kind::Conflict => {
            render(app, req, s, e.status(), Some(&plan), false, Some(&e.public))
        }
        Err(e) => Err(e),
    }
}
