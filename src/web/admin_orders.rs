//! The owner's order handlers (behind the admin gate): the list with filters and search,
//! one order, each action as a POST (one transaction in `orders::apply`), and the proof
//! files. An illegal action comes back to the order page with the reason.

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::orders::{self, Filter, Op};
use crate::shop::payments::{self, Gateway};
use crate::views::admin_orders as views;

fn not_found() -> Error {
    Error::not_found("There is no order with this number.")
}

pub fn list(app: &App, req: &Req) -> Outcome {
    let p = Params::parse(req.query());
    let nonempty = |k: &str| p.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let f = Filter {
        status: nonempty("status"),
        method: nonempty("method"),
        awaiting_verification: p.get("awaiting") == Some("1"),
        unpaid_cod: p.get("unpaid_cod") == Some("1"),
        q: p.get("q").unwrap_or("").chars().take(100).collect(),
        before: p.get("before").and_then(|b| b.parse().ok()),
        limit: 50,
    };
    let rows = orders::list(&*app.db.read()?, &f)?;
    let next = (rows.len() as i64 == f.limit).then(|| {
        let mut q: Vec<(String, String)> = Params::parse(req.query())
            .0
            .into_iter()
            .filter(|(k, _)| k != "before")
            .collect();
        q.push((
            "before".into(),
            rows.last().map(|r| r.id).unwrap_or_default().to_string(),
        ));
        let qs: Vec<String> = q
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::views::shop::url_encode(k),
                    crate::views::shop::url_encode(v)
                )
            })
            .collect();
        format!("/admin/orders?{}", qs.join("&"))
    });
    let offset = app.cfg().store.zone.clone();
    let methods = crate::shop::orders::methods_offered(&app.cfg());
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::list(ctx, &rows, &f, &offset, &methods, next))
    })
}

fn render(
    app: &App,
    req: &Req,
    s: &Session,
    number: &str,
    status: u16,
    error: Option<&str>,
    notice: Option<&str>,
) -> Outcome {
    let conn = app.db.read()?;
    let id = orders::id_by_number(&conn, number)?.ok_or_else(not_found)?;
    let o = orders::get(&conn, id)?.ok_or_else(not_found)?;
    let attempts = payments::of_order(&conn, id)?;
    let refunds = payments::refunds::of_order(&conn, id)?;
    let shipment = crate::shop::shipping::by_order(&conn, id)?;
    let history = match &shipment {
        Some(sh) => crate::shop::shipping::history(&conn, sh.id)?,
        None => vec![],
    };
    drop(conn);
    let cfg = app.cfg();
    let offset = cfg.store.zone.clone();
    let card = views::Card {
        attempts: &attempts,
        refunds: &refunds,
    };
    let problem = crate::shop::shipping::courier_problem(&cfg);
    let parcel = views::Parcel {
        shipment: shipment.as_ref(),
        history: &history,
        carriers: &cfg.shipping.carriers,
        courier_problem: problem.as_deref(),
    };
    with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::detail(ctx, &o, &s.csrf, &offset, error, notice, &card, &parcel),
        )
    })
}

pub fn detail(app: &App, req: &Req, s: &Session, number: &str) -> Outcome {
    // A `done` notice is the admin frame's (views::admin::done_message).
    render(app, req, s, number, 200, None, None)
}

/// Reads the form of one action into an operation.
fn op_of(app: &App, action: &str, f: &Params) -> Result<Op, Error> {
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    Ok(match action {
        "verify" => Op::VerifyProof,
        "reject" => Op::RejectProof {
            reason: g("reason"),
        },
        "confirm" => Op::ConfirmPayment,
        "process" => Op::StartProcessing,
        "ship" => Op::Ship {
            carrier: g("carrier"),
            tracking_number: g("tracking_number"),
            tracking_url: g("tracking_url"),
        },
        "deliver" => Op::Deliver,
        "collect" => Op::CollectCash,
        "cancel" => Op::Cancel {
            reason: g("reason"),
        },
        "refund" => {
            let money = crate::money::Money::of(&app.cfg().store);
            let amount = money.parse(&g("amount")).ok_or_else(|| {
                Error::bad_request("Please enter the refunded amount, like 499 or 499.50.")
            })?;
            Op::Refund {
                amount,
                note: g("note"),
            }
        }
        "return-transfer" => {
            let money = crate::money::Money::of(&app.cfg().store);
            let amount = money.parse(&g("amount")).ok_or_else(|| {
                Error::bad_request("Please enter the amount sent back, like 499 or 499.50.")
            })?;
            Op::ReturnTransfer {
                amount,
                note: g("note"),
            }
        }
        "return" => {
            let mut lines = Vec::new();
            for (k, v) in &f.0 {
                if let Some(id) = k.strip_prefix("line_") {
                    let id: i64 = id
                        .parse()
                        .map_err(|_| Error::bad_request("Unknown line."))?;
                    let qty: i64 = v.trim().parse().map_err(|_| {
                        Error::bad_request("Please enter how many came back as a number.")
                    })?;
                    lines.push((id, qty));
                }
            }
            Op::Return {
                lines,
                note: g("note"),
            }
        }
        _ => return Err(Error::not_found("There is no such order action.")),
    })
}

pub fn act(
    app: &App,
    req: &Req,
    s: &Session,
    me: &Customer,
    number: &str,
    action: &str,
) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let id = orders::id_by_number(&*app.db.read()?, number)?.ok_or_else(not_found)?;
    let actor = Actor::staff(me.id, &me.email);
    let card = Gateway::of(
        orders::get(&*app.db.read()?, id)?
            .ok_or_else(not_found)?
            .method,
    )
    .is_some();
    if action == "recheck" {
        let said = crate::service::payments::recheck(app, id)?;
        return render(app, req, s, number, 200, None, Some(&said));
    }
    if action == "track" {
        let sh = crate::shop::shipping::by_order(&*app.db.read()?, id)?
            .ok_or_else(|| Error::not_found("This order has no shipment."))?;
        return match crate::service::shipping::pull(app, sh.id) {
            Ok(said) => render(app, req, s, number, 200, None, Some(&said)),
            Err(e) if e.kind != Kind::Internal => {
                render(app, req, s, number, e.status(), Some(&e.public), None)
            }
            Err(e) => Err(e),
        };
    }
    if action == "shipment" {
        let (made, refused) = crate::service::shipping::create(app, &[id], &actor)?;
        return if made == 1 {
            Ok(Resp::redirect(&format!(
                "/admin/orders/{number}?done=shipment"
            )))
        } else {
            render(
                app,
                req,
                s,
                number,
                409,
                refused.first().map(String::as_str),
                None,
            )
        };
    }
    let result = op_of(app, action, &f).and_then(|op| match op {
        // A card order's money goes back through its gateway.
        Op::Refund { amount, note } if card => {
            crate::service::payments::refund(app, id, amount, &note, &me.email)
        }
        op => crate::service::orders::apply(app, id, &op, &actor),
    });
    match result {
        Ok(()) if action == "refund" && card => Ok(Resp::redirect(&format!(
            "/admin/orders/{number}?done=refund"
        ))),
        Ok(()) if action == "refund" => Ok(Resp::redirect(&format!(
            "/admin/orders/{number}?done=refunded"
        ))),
        Ok(()) => Ok(Resp::redirect(&format!(
            "/admin/orders/{number}?done={action}"
        ))),
        Err(e) if matches!(e.kind, Kind::BadRequest | Kind::Conflict) => {
            render(app, req, s, number, e.status(), Some(&e.public), None)
        }
        Err(e) => Err(e),
    }
}

pub fn proof(app: &App, number: &str, proof: &str) -> Outcome {
    let id = orders::id_by_number(&*app.db.read()?, number)?.ok_or_else(not_found)?;
    super::orders::serve_proof(app, id, proof)
}
