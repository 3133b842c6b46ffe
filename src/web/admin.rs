//! The admin area. One gate for every `/admin` address: anonymous visitors go to sign-in,
//! signed-in customers get 403, staff and owners get through (their sessions expire
//! sooner, see shop::accounts::sessions). Then thin handlers, as everywhere.

use super::admin_audit;
use super::admin_coupons;
use super::admin_csv;
use super::admin_customers;
use super::admin_merch;
use super::admin_orders;
use super::admin_products;
use super::admin_reports;
use super::admin_settings;
use super::admin_stock;
use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::jobs::outbox::{self, Status};
use crate::shop::accounts::sessions::Session;
use crate::shop::accounts::{self, Customer};
use crate::views::admin as views;
use crate::views::admin::Book;

/// The gate: Ok((session, person)) for staff and owners; otherwise the answer to send.
fn gate(app: &App, req: &Req) -> Result<(Session, Customer), Outcome> {
    let s = match session::current(app, req) {
        Ok(s) => s,
        Err(e) => return Err(Err(e)),
    };
    let Some((s, cid)) = s.and_then(|s| s.customer_id.map(|c| (s, c))) else {
        let next = crate::views::shop::url_encode(req.path());
        return Err(Ok(Resp::redirect(&format!("/account/sign-in?next={next}"))));
    };
    let who = app
        .db
        .read()
        .map_err(Err)
        .and_then(|c| accounts::by_id(&c, cid).map_err(Err));
    match who {
        Ok(Some(c)) if c.is_staff() && s.admin => Ok((s, c)),
        Ok(Some(c)) if c.is_staff() => {
            // Promoted after this session signed in: sign in again for a staff session.
            let next = crate::views::shop::url_encode(req.path());
            Err(Ok(Resp::redirect(&format!("/account/sign-in?next={next}"))))
        }
        Ok(_) => Err(Err(Error::new(
            Kind::Forbidden,
            "This part of the store is for its staff.",
        ))),
        Err(e) => Err(e),
    }
}

pub fn route(app: &App, req: &Req, seg: &[&str]) -> Outcome {
    let (s, me) = match gate(app, req) {
        Ok(ok) => ok,
        Err(answer) => return answer,
    };
    let post = req.method() == "POST";
    let mut resp = match (post, seg) {
        (false, ["admin"]) => admin_reports::dashboard(app, req, &me),
        (false, ["admin", "audit"]) => admin_audit::list(app, req),
        (false, ["admin", "settings"]) => admin_settings::show(app, req, &s, &me),
        (true, ["admin", "settings", "backup"]) => admin_settings::backup(app, req, &s, &me),
        (false, ["admin", "customers"]) => admin_customers::list(app, req),
        (false, ["admin", "customers", id]) => admin_customers::detail(app, req, &s, &me, id),
        (true, ["admin", "customers", id, "role"]) => {
            admin_customers::set_role(app, req, &s, &me, id)
        }
        (false, ["admin", book @ ("emails" | "jobs")]) => outbox(app, req, Book::of(book)),
        (false, ["admin", book @ ("emails" | "jobs"), id]) => {
            outbox_row(app, req, &s, Book::of(book), id)
        }
        (true, ["admin", book @ ("emails" | "jobs"), id, "resend"]) => {
            resend(app, req, &s, Book::of(book), id)
        }
        (false, ["admin", "payments"]) => super::admin_payments::list(app, req, &s),
        (false, ["admin", "reviews"]) => super::reviews::admin_list(app, req, &s),
        (false, ["admin", "flows"]) => flows(app, req),
        (true, ["admin", "reviews", id, what]) => {
            super::reviews::admin_decide(app, req, &s, &me, id, what)
        }
        (false, ["admin", "shipments"]) => super::admin_shipments::list(app, req, &s),
        (true, ["admin", "shipments", "create"]) => {
            super::admin_shipments::create(app, req, &s, &me)
        }
        (true, ["admin", "shipments", id, "retry"]) => {
            super::admin_shipments::retry(app, req, &s, &me, id)
        }
        (false, ["admin", "shipments", id, "label"]) => super::admin_shipments::label(app, id),
        (false, ["admin", "payments", id]) => super::admin_payments::detail(app, req, id),
        (false, ["admin", "orders"]) => admin_orders::list(app, req),
        (false, ["admin", "orders", number]) => admin_orders::detail(app, req, &s, number),
        (false, ["admin", "orders", number, "proofs", proof]) => {
            admin_orders::proof(app, number, proof)
        }
        (true, ["admin", "orders", number, action]) => {
            admin_orders::act(app, req, &s, &me, number, action)
        }
        (false, ["admin", "exports", "products.csv"]) => admin_csv::products_csv(app),
        (false, ["admin", "exports", "orders.csv"]) => admin_csv::orders_csv(app, req),
        (false, ["admin", "imports", "products"]) => admin_csv::import_page(app, req, &s),
        (true, ["admin", "imports", "products"]) => admin_csv::import(app, req, &s, &me),
        (_, ["admin", "products", rest @ ..]) => admin_products::route(app, req, &s, &me, rest),
        (_, ["admin", "stock", rest @ ..]) => admin_stock::route(app, req, &s, &me, rest),
        (_, ["admin", "categories", rest @ ..]) => admin_merch::categories(app, req, &s, &me, rest),
        (_, ["admin", "banners", rest @ ..]) => admin_merch::banners(app, req, &s, &me, rest),
        (_, ["admin", "coupons", rest @ ..]) => admin_coupons::route(app, req, &s, &me, rest),
        (true, _) => Err(Error::new(
            Kind::MethodNotAllowed,
            "This address does not take forms.",
        )),
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }?;
    resp.set_header("Cache-Control", "no-store");
    Ok(resp)
}

fn outbox(app: &App, req: &Req, book: Book) -> Outcome {
    let params = Params::parse(req.query());
    let filter = match params.get("status") {
        None | Some("") | Some("all") => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| Error::bad_request("Unknown status."))?),
    };
    let rows = outbox::list(&*app.db.read()?, filter, book.kind(), 200)?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::outbox(ctx, book, &rows, filter, &offset))
    })
}

/// Job `id` as the page `book` may show it: the email log shows only email jobs.
fn job_id(app: &App, book: Book, id: &str) -> Result<outbox::OutboxRow, Error> {
    let missing = || Error::not_found("There is no such job.");
    let id = id.parse::<i64>().map_err(|_| missing())?;
    outbox::get(&*app.db.read()?, id)?
        .filter(|r| book.kind().is_none_or(|k| k == r.kind))
        .ok_or_else(missing)
}

fn outbox_row(app: &App, req: &Req, s: &Session, book: Book, id: &str) -> Outcome {
    let row = job_id(app, book, id)?;
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::outbox_row(ctx, book, &s.csrf, &row, &offset))
    })
}

fn resend(app: &App, req: &Req, s: &Session, book: Book, id: &str) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let id = job_id(app, book, id)?.id;
    crate::service::admin_mail::resend(app, id)?;
    Ok(Resp::redirect(&format!("{}/{id}", book.base())))
}

/// GET /admin/flows (`?flow=` narrows the latest sends to one flow).
fn flows(app: &App, req: &Req) -> Outcome {
    use crate::shop::follow_ups as fu;
    let q = Params::parse(req.query());
    let filter = match q.get("flow") {
        None | Some("") => None,
        Some(f) if fu::FLOWS.contains(&f) => Some(f),
        Some(_) => return Err(Error::bad_request("Unknown flow.")),
    };
    let cfg = app.cfg();
    let f = &cfg.follow_ups;
    let onoff = |on: bool, delay: String| {
        if on {
            format!("on{delay}")
        } else {
            "off".into()
        }
    };
    let settings = [
        ("back_in_stock", onoff(f.back_in_stock, String::new())),
        ("price_drop", onoff(f.price_drop, String::new())),
        (
            "abandoned_checkout",
            onoff(
                f.abandoned_checkout,
                format!(", after {} h", f.abandoned_after_hours),
            ),
        ),
        (
            "reorder",
            onoff(
                f.reorder_reminder,
                format!(", {} days after delivery", f.reorder_after_days),
            ),
        ),
    ];
    let conn = app.db.read()?;
    let since = crate::db::now() - 30 * 86_400;
    let stats = fu::stats(&conn, since)?;
    let recent = fu::recent(&conn, filter, 100)?;
    let alerts = fu::alert_counts(&conn)?;
    let consenting = fu::consenting(&conn)?;
    drop(conn);
    let zone = cfg.store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            crate::views::admin_flows::page(
                ctx,
                &crate::views::admin_flows::Page {
                    stats: &stats,
                    settings: &settings,
                    recent: &recent,
                    alerts,
                    consenting,
                    filter,
                    zone,
                },
            ),
        )
    })
}
