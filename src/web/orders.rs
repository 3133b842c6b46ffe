//! The shopper's order: the page by secret link (`/orders/{number}?token=…`) or from the
//! account (`/account/orders/{number}`), the payment-proof upload and the proof files.
//! Who may see an order is decided in `authorize` alone: the right token, the signed-in
//! owner, or staff. Anything else is the same 404 as a number that does not exist, so
//! order numbers cannot be probed.

use super::session::{self, check_csrf};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind, Result};
use crate::http::multipart;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts;
use crate::shop::accounts::sessions::Session;
use crate::shop::orders::{self, proofs};
use crate::views::order as views;

fn not_found() -> Error {
    Error::not_found("There is no order at this address. Check the link in your email.")
}

/// Who is looking at an order.
pub enum Viewer {
    /// Opened with the order's secret token.
    Token(String),
    /// The signed-in customer it belongs to.
    Owner,
    /// Staff (the admin area).
    Staff,
}

/// The one authorization check for an order: returns its id and how it was reached.
pub fn authorize(app: &App, req: &Req, number: &str, s: Option<&Session>) -> Result<(i64, Viewer)> {
    let params = Params::parse(req.query());
    let conn = app.db.read()?;
    if let Some(t) = params.get("token")
        && let Some(id) = orders::id_by_token(&conn, number, t)?
    {
        return Ok((id, Viewer::Token(t.to_string())));
    }
    if let Some(cid) = s.and_then(|s| s.customer_id) {
        if let Some(id) = orders::id_for_customer(&conn, cid, number)? {
            return Ok((id, Viewer::Owner));
        }
        if s.is_some_and(|s| s.admin)
            && accounts::by_id(&conn, cid)?.is_some_and(|c| c.is_staff())
            && let Some(id) = orders::id_by_number(&conn, number)?
        {
            return Ok((id, Viewer::Staff));
        }
    }
    Err(not_found())
}

#[allow(clippy::too_many_arguments)]
fn render(
    app: &App,
    req: &Req,
    id: i64,
    viewer: &Viewer,
    csrf: Option<&str>,
    status: u16,
    error: Option<&str>,
    notice: Option<&str>,
) -> Outcome {
    let conn = app.db.read()?;
    let o = orders::get(&conn, id)?.ok_or_else(not_found)?;
    let shipment = crate::shop::shipping::by_order(&conn, id)?;
    drop(conn);
    let cfg = app.cfg();
    let bank = crate::shop::orders::bank_instructions(&cfg, &o)
        .into_iter()
        .skip(1)
        .collect();
    let token = match viewer {
        Viewer::Token(t) => Some(t.as_str()),
        _ => None,
    };
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::order_page(
                ctx,
                &o,
                &views::Access {
                    token,
                    csrf,
                    offset_minutes: cfg.store.zone.clone(),
                    bank,
                    error,
                    notice,
                    max_mb: cfg.payments.proof_max_bytes / (1024 * 1024),
                    shipment: shipment.as_ref(),
                },
            ),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    // The token is in the address: keep it out of Referer headers to other sites.
    resp.replace_header("Referrer-Policy", "no-referrer");
    Ok(resp)
}

/// GET /orders/{number}?token=… and /account/orders/{number}.
pub fn page(app: &App, req: &Req, number: &str) -> Outcome {
    let s = session::current(app, req)?;
    let (id, viewer) = match authorize(app, req, number, s.as_ref()) {
        Ok(v) => v,
        Err(e)
            if s.as_ref().is_none_or(|s| s.customer_id.is_none())
                && req.path().starts_with("/account/") =>
        {
            let _ = e;
            let next = crate::views::shop::url_encode(req.path());
            return Ok(Resp::redirect(&format!("/account/sign-in?next={next}")));
        }
        Err(e) => return Err(e),
    };
    // The proof form needs a session for its CSRF token; only then is one made.
    let (s, cookie) = match s {
        Some(s) => (s, None),
        None => {
            let (s, t) = session::ensure(app, req)?;
            (s, t)
        }
    };
    let q = Params::parse(req.query());
    let notice = if q.get("uploaded").is_some() {
        Some("Thank you — your payment proof is uploaded. We will confirm it shortly.")
    } else {
        match q.get("payment") {
            Some("received") => Some(
                "Thank you — your payment is received and your order is confirmed. We will write when it ships.",
            ),
            Some("check") => Some(
                "Thank you — we received a payment for this order and are checking it. We will write to you shortly.",
            ),
            Some("confirming") => Some(
                "Thank you — we are confirming your payment with the gateway. This page will show it as paid in a moment.",
            ),
            _ => None,
        }
    };
    let mut resp = render(app, req, id, &viewer, Some(&s.csrf), 200, None, notice)?;
    if let Some(t) = cookie {
        session::set_cookie(app, &mut resp, &t);
    }
    Ok(resp)
}

/// GET /orders/{number}/tracking[?token=…]: the parcel's journey, to whoever may see
/// the order.
pub fn tracking(app: &App, req: &Req, number: &str) -> Outcome {
    let s = session::current(app, req)?;
    let (id, viewer) = authorize(app, req, number, s.as_ref())?;
    let conn = app.db.read()?;
    let o = orders::get(&conn, id)?.ok_or_else(not_found)?;
    let sh = crate::shop::shipping::by_order(&conn, id)?;
    let history = match &sh {
        Some(sh) => crate::shop::shipping::history(&conn, sh.id)?,
        None => vec![],
    };
    drop(conn);
    let cfg = app.cfg();
    let token = match &viewer {
        Viewer::Token(t) => Some(t.as_str()),
        _ => None,
    };
    let access = views::Access {
        token,
        csrf: None,
        offset_minutes: cfg.store.zone.clone(),
        bank: vec![],
        error: None,
        notice: None,
        max_mb: 0,
        shipment: sh.as_ref(),
    };
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::tracking_page(ctx, &o, sh.as_ref(), &history, &access),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    resp.replace_header("Referrer-Policy", "no-referrer");
    Ok(resp)
}

/// POST /orders/{number}/proof[?token=…]: multipart with `csrf_token` and `proof`.
pub fn upload_proof(app: &App, req: &Req, number: &str) -> Outcome {
    let s = session::current(app, req)?;
    let (id, viewer) = authorize(app, req, number, s.as_ref())?;
    let cfg = app.cfg();
    let max = cfg.payments.proof_max_bytes;
    let ct = req.header("content-type").unwrap_or("");
    let parts = multipart::parse(ct, req.body.clone(), &["csrf_token", "proof"], max)?;
    let sent = parts
        .iter()
        .find(|p| p.name == "csrf_token")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    check_csrf(s.as_ref(), &Params(vec![("csrf_token".into(), sent)]))?;
    let file = parts
        .into_iter()
        .find(|p| p.name == "proof")
        .ok_or_else(|| Error::bad_request("Please choose the file to upload."))?;
    let outcome = crate::service::orders::accept_proof(app, id, &file.data);
    let suffix = match &viewer {
        Viewer::Token(t) => format!("?token={t}&uploaded=1"),
        _ => "?uploaded=1".into(),
    };
    match outcome {
        Ok(()) => {
            let base = match viewer {
                Viewer::Owner => format!("/account/orders/{number}"),
                _ => format!("/orders/{number}"),
            };
            Ok(Resp::redirect(&format!("{base}{suffix}")))
        }
        Err(e) if e.kind != Kind::Internal => {
            let csrf = s.as_ref().map(|s| s.csrf.as_str());
            let mut page = render(
                app,
                req,
                id,
                &viewer,
                csrf,
                e.status(),
                Some(&e.public),
                None,
            )?;
            // A busy decode gate (503) says when to come back, as the API does.
            if let Some(wait) = e.retry_after {
                page.set_header("Retry-After", wait.to_string());
            }
            Ok(page)
        }
        Err(e) => Err(e),
    }
}

/// GET /orders/{number}/proofs/{id}[?token=…]: the file, to its order's owner and staff.
pub fn proof_file(app: &App, req: &Req, number: &str, proof: &str) -> Outcome {
    let s = session::current(app, req)?;
    let (id, _) = authorize(app, req, number, s.as_ref())?;
    serve_proof(app, id, proof)
}

/// The proof file response: its own content type, never sniffed, never a page of this
/// site (sandboxed), with a download name the server makes.
pub fn serve_proof(app: &App, order_id: i64, proof: &str) -> Outcome {
    let proof_id: i64 = proof.parse().map_err(|_| not_found())?;
    let (file, ctype, number) =
        orders::proof_file(&*app.db.read()?, order_id, proof_id)?.ok_or_else(not_found)?;
    let bytes = proofs::read(&app.data_dir, &file)?;
    let ext = file.rsplit('.').next().unwrap_or("bin");
    let mut resp = Resp::new(200);
    resp.set_header("Content-Type", ctype);
    resp.set_header(
        "Content-Disposition",
        format!("inline; filename=\"payment-proof-{number}-{proof_id}.{ext}\""),
    );
    resp.set_header("Cache-Control", "private, no-store");
    resp.set_header(
        "Content-Security-Policy",
        "default-src 'none'; img-src 'self'; sandbox",
    );
    resp.set_header("X-Content-Type-Options", "nosniff");
    Ok(resp.body(bytes))
}
