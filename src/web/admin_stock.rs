//! The owner's stock handlers (behind the admin gate in `web::admin`): the stock page with
//! the low-stock list, one variant's ledger, and the adjustment form (one call of
//! `service::admin_catalog::adjust_stock`, which writes the ledger row, the audit row and
//! any low-stock mail).

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::{Req, Resp};
use crate::service::admin_catalog;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::catalog::stock;
use crate::views::admin_stock as views;

pub fn route(app: &App, req: &Req, s: &Session, me: &Customer, seg: &[&str]) -> Outcome {
    match (req.method() == "POST", seg) {
        (false, [] | ["low"]) => overview(app, req, s, 200, None),
        (true, ["adjust"]) => adjust(app, req, s, me),
        (false, [id]) => {
            let id = id
                .parse()
                .map_err(|_| Error::not_found("There is no such variant."))?;
            variant(app, req, s, id, 200, None)
        }
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }
}

fn overview(app: &App, req: &Req, s: &Session, status: u16, error: Option<&str>) -> Outcome {
    let threshold = app.cfg().catalog.low_stock_threshold;
    let low = stock::low(&*app.db.read()?, threshold, 500)?;
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::overview(ctx, &s.csrf, &low, error))
    })
}

fn variant(
    app: &App,
    req: &Req,
    s: &Session,
    id: i64,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let cfg = app.cfg();
    let conn = app.db.read()?;
    let it = stock::item_by_id(&conn, id, cfg.catalog.low_stock_threshold)?
        .ok_or_else(|| Error::not_found("There is no such variant."))?;
    let rows = stock::ledger(&conn, id, 500)?;
    drop(conn);
    let offset = cfg.store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::variant(ctx, &s.csrf, &it, &rows, &offset, error),
        )
    })
}

fn adjust(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let cfg = app.cfg();
    let sku = f.get("sku").unwrap_or("").trim().to_string();
    let found = stock::item_by_sku(&*app.db.read()?, &sku, cfg.catalog.low_stock_threshold)?;
    let Some(it) = found else {
        return overview(
            app,
            req,
            s,
            404,
            Some(&format!("No live variant has the SKU \"{sku}\".")),
        );
    };
    let qty = f.get("qty").unwrap_or("").trim().parse::<i64>();
    let result = qty
        .map_err(|_| Error::bad_request("Please enter the quantity as a whole number."))
        .and_then(|qty| {
            let actor = Actor::staff(me.id, &me.email);
            let reason = f.get("reason").unwrap_or("");
            let note = f.get("note").unwrap_or("");
            admin_catalog::adjust_stock(app, &actor, it.variant_id, reason, qty, note)
        });
    match result {
        Ok(_) => Ok(Resp::redirect(&format!(
            "/admin/stock/{}?done=saved",
            it.variant_id
        ))),
        Err(e) if matches!(e.kind, Kind::BadRequest | Kind::Conflict) => {
            variant(app, req, s, it.variant_id, e.status(), Some(&e.public))
        }
        Err(e) => Err(e),
    }
}
