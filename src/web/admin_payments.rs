//! The payments page's handlers: parse the filters, read, render.

use super::{Outcome, html_page, with_ctx};
use crate::admin_data::payments as data;
use crate::app::App;
use crate::error::Error;
use crate::http::Req;
use crate::http::query::Params;
use crate::shop::accounts::sessions::Session;
use crate::shop::payments::{EventFilter, Gateway};
use crate::views::admin_payments as views;

pub fn list(app: &App, req: &Req, s: &Session) -> Outcome {
    let p = Params::parse(req.query());
    let text = |k: &str| -> String { p.get(k).unwrap_or("").trim().chars().take(60).collect() };
    let (gateway, only, order) = (text("gateway"), text("only"), text("order"));
    let f = EventFilter {
        gateway: match gateway.as_str() {
            "" => None,
            g => Some(Gateway::parse(g).ok_or_else(|| Error::bad_request("Unknown gateway."))?),
        },
        only: match only.as_str() {
            "" => None,
            "rejected" | "duplicate" => Some(only.clone()),
            _ => return Err(Error::bad_request("Unknown filter.")),
        },
        order: (!order.is_empty()).then(|| order.clone()),
    };
    let data::PaymentsPage {
        deliveries: rows,
        waiting,
    } = data::page(&*app.db.read()?, &f)?;
    let zone = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::list(
                ctx,
                &views::Page {
                    rows: &rows,
                    waiting: &waiting,
                    gateway: &gateway,
                    only: &only,
                    order: &order,
                    zone: zone.clone(),
                    csrf: &s.csrf,
                },
            ),
        )
    })
}

pub fn detail(app: &App, req: &Req, id: &str) -> Outcome {
    let missing = || Error::not_found("There is no such delivery.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let e = crate::shop::payments::event(&*app.db.read()?, id)?.ok_or_else(missing)?;
    let zone = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::detail(ctx, &e, &zone))
    })
}
