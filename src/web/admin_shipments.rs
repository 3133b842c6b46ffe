//! The shipments page's handlers: the list with its filter, "create shipments" for the
//! ticked orders, a retry, and the label (the courier's PDF address, or the sandbox's).

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::Error;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::shipping::{self, Filter};
use crate::views::admin_shipments as views;

pub fn list(app: &App, req: &Req, s: &Session) -> Outcome {
    let q = Params::parse(req.query());
    let filter = Filter::parse(q.get("filter").unwrap_or(""))
        .ok_or_else(|| Error::bad_request("Unknown filter."))?;
    let notice = q.get("made").and_then(|n| n.parse::<i64>().ok()).map(|n| {
        format!(
            "{} requested: Shiprocket is booking them now.",
            crate::shop::text::count_of(n, "shipment", "shipments")
        )
    });
    let conn = app.db.read()?;
    let rows = shipping::list(&conn, filter, 200)?;
    let counts = shipping::counts(&conn)?;
    let unshipped = shipping::unshipped(&conn, 200)?;
    let deliveries = shipping::deliveries(&conn, 50)?;
    drop(conn);
    let cfg = app.cfg();
    let problem = shipping::courier_problem(&cfg);
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::list(
                ctx,
                &views::Page {
                    filter,
                    counts: &counts,
                    rows: &rows,
                    unshipped: &unshipped,
                    deliveries: &deliveries,
                    courier_problem: problem.as_deref(),
                    notice: notice.as_deref(),
                    zone: cfg.store.zone.clone(),
                    csrf: &s.csrf,
                },
            ),
        )
    })
}

/// POST /admin/shipments/create: one `order` field per ticked order id.
pub fn create(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let ids: Vec<i64> =
        f.0.iter()
            .filter(|(k, _)| k == "order")
            .map(|(_, v)| {
                v.trim()
                    .parse()
                    .map_err(|_| Error::bad_request("Unknown order."))
            })
            .collect::<Result<_, _>>()?;
    let (made, _) = crate::service::shipping::create(app, &ids, &Actor::staff(me.id, &me.email))?;
    Ok(Resp::redirect(&format!("/admin/shipments?made={made}")))
}

/// POST /admin/shipments/{id}/retry: back to the order page it came from.
pub fn retry(app: &App, req: &Req, s: &Session, me: &Customer, id: &str) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let missing = || Error::not_found("There is no such shipment.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    crate::service::shipping::retry(app, id, &Actor::staff(me.id, &me.email))?;
    let sh = shipping::get(&*app.db.read()?, id)?.ok_or_else(missing)?;
    let number = crate::shop::orders::get(&*app.db.read()?, sh.order_id)?
        .map(|o| o.number)
        .ok_or_else(missing)?;
    Ok(Resp::redirect(&format!(
        "/admin/orders/{number}?done=shipment"
    )))
}

/// GET /admin/shipments/{id}/label: Shiprocket keeps the PDF, so the owner is sent to
/// it; the sandbox courier's label is drawn here (behind the admin gate: it carries the
/// shopper's address).
pub fn label(app: &App, id: &str) -> Outcome {
    let missing = || Error::not_found("This shipment has no label yet.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let sh = shipping::get(&*app.db.read()?, id)?.ok_or_else(missing)?;
    if sh
        .label_url
        .starts_with(crate::shop::shipping::SANDBOX_LABEL)
    {
        return sandbox_label(app, &sh.awb);
    }
    if sh.label_url.starts_with("https://") || sh.label_url.starts_with("http://") {
        return Ok(Resp::redirect_off_site(&sh.label_url));
    }
    Err(missing())
}

/// The sandbox courier's label for `awb`, as a PDF.
fn sandbox_label(app: &App, awb: &str) -> Outcome {
    let pdf = crate::service::shipping::sandbox_label(app, awb)?;
    let mut resp = Resp::new(200);
    resp.set_header("Content-Type", "application/pdf");
    resp.set_header(
        "Content-Disposition",
        format!("inline; filename=\"label-{awb}.pdf\""),
    );
    resp.set_header("X-Content-Type-Options", "nosniff");
    resp.set_header("Cache-Control", "private, no-store");
    Ok(resp.body(pdf))
}
