//! The shopper's card payment: the pay page of an order waiting for its card payment
//! (`/orders/{n}/pay`: Razorpay's Checkout button, or a redirect to Stripe's hosted
//! page), the return from the gateway (`/orders/{n}/paid/{gateway}`, GET or Razorpay's
//! POST: no CSRF token can come from the gateway, so the order's token and the gateway's
//! signature or session id are what is trusted), and the built-in sandbox gateway's
//! payment page (`/sandbox/{gateway}/{id}`). Access to an order is `orders::authorize`.

use super::orders::{Viewer, authorize};
use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::Error;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::payments::{self as service, Checked, PayPage, Returns, SandboxAction};
use crate::shop::orders;
use crate::shop::payments::{Captured, Gateway};
use crate::views::pay as views;

/// The order's own link token (derived, so signed-in shoppers have one too): the
/// gateway sends the browser back cross-site, where no session cookie comes along.
fn token_of(app: &App, o: &orders::Order) -> String {
    orders::checkout::access_token(&app.hmac, &o.number, &o.idempotency_key)
}

fn order(app: &App, req: &Req, number: &str) -> Result<(orders::Order, Viewer), Error> {
    let s = session::current(app, req)?;
    let (id, viewer) = authorize(app, req, number, s.as_ref())?;
    let o = orders::get(&*app.db.read()?, id)?
        .ok_or_else(|| Error::not_found("There is no such order."))?;
    Ok((o, viewer))
}

/// GET /orders/{number}/pay[?token=…]
pub fn pay(app: &App, req: &Req, number: &str) -> Outcome {
    let (o, _) = order(app, req, number)?;
    let token = token_of(app, &o);
    let order_url = format!("/orders/{}?token={token}", o.number);
    let here = format!("/orders/{}/pay?token={token}", o.number);
    let Some(g) = Gateway::of(o.method) else {
        return Ok(Resp::redirect(&order_url));
    };
    let back = Returns {
        success: format!("/orders/{}/paid/{}?token={token}", o.number, g.as_str()),
        cancel: here.clone(),
    };
    let q = Params::parse(req.query());
    let notice = if q.get("left").is_some() {
        Some("You left the payment page. Your order is waiting: pay when you are ready.")
    } else if q.get("notpaid").is_some() {
        Some("The payment has not gone through yet. You can try again.")
    } else {
        None
    };
    let cfg = app.cfg();
    let callback = format!("{}{}", cfg.store.url, back.success);
    let shown = service::pay(app, o.id, &back)?;
    let with = match &shown {
        PayPage::Redirect(url) => return Ok(Resp::redirect_off_site(url)),
        PayPage::Paid | PayPage::Closed(_) => return Ok(Resp::redirect(&order_url)),
        PayPage::Razorpay {
            key_id,
            remote_id,
            sandbox_url,
        } => views::PayWith::Razorpay {
            key_id,
            remote_id,
            callback: &callback,
            sandbox_url: sandbox_url.as_deref(),
        },
        PayPage::Unavailable(why) => views::PayWith::Unavailable(why),
    };
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::pay_page(
                ctx,
                &o,
                &views::PayView {
                    with,
                    order_url: &order_url,
                    retry_url: &here,
                    zone: &cfg.store.zone,
                    notice,
                },
            ),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    resp.replace_header("Referrer-Policy", "no-referrer");
    if matches!(
        shown,
        PayPage::Razorpay {
            sandbox_url: None,
            ..
        }
    ) {
        // Razorpay's Checkout script and window, and nothing else beyond our own.
        resp.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: https://*.razorpay.com; style-src 'self' 'unsafe-inline'; script-src 'self' https://checkout.razorpay.com; frame-src https://api.razorpay.com https://checkout.razorpay.com; connect-src 'self' https://api.razorpay.com https://lumberjack.razorpay.com; object-src 'none'; base-uri 'self'; form-action 'self' https://api.razorpay.com; frame-ancestors 'none'",
        );
    }
    Ok(resp)
}

/// GET or POST /orders/{number}/paid/{gateway}?token=…: the shopper back from paying.
pub fn paid(app: &App, req: &Req, number: &str, g: Gateway) -> Outcome {
    let (o, _) = order(app, req, number)?;
    let mut p = Params::parse(req.query());
    if req.method() == "POST" {
        // Razorpay's callback posts the Checkout result as a form.
        p.0.extend(form(req)?.0);
    }
    let token = token_of(app, &o);
    let order_url = format!("/orders/{}?token={token}", o.number);
    if let Some(e) = p.get("error[description]") {
        // Razorpay's callback on a failed payment: back to the pay page, the reason said.
        log::info!(
            "{} payment of {} failed in Checkout: {e}",
            g.label(),
            o.number
        );
        return Ok(Resp::redirect(&format!(
            "/orders/{}/pay?token={token}&notpaid=1",
            o.number
        )));
    }
    let found = service::returned(app, g, o.id, &p)?;
    let paid = matches!(
        found,
        Checked::Captured(
            Captured::Paid { .. } | Captured::Already { .. } | Captured::Revived { .. }
        )
    );
    let mut resp = Resp::redirect(&match found {
        Checked::Captured(Captured::Mismatch { .. } | Captured::Late { .. }) => {
            format!("{order_url}&payment=check")
        }
        Checked::Captured(_) => format!("{order_url}&payment=received"),
        Checked::Open => format!("/orders/{}/pay?token={token}&notpaid=1", o.number),
        Checked::Unknown(_) => format!("{order_url}&payment=confirming"),
    });
    if paid {
        // The bag was paid for and emptied: the header's count follows.
        super::cart::count_cookie(&mut resp, 0);
    }
    Ok(resp)
}

fn gateway(name: &str) -> Result<Gateway, Error> {
    Gateway::parse(name).ok_or_else(|| Error::not_found("There is no page at this address."))
}

/// GET /sandbox/{gateway}/{id}: the sandbox's pretend payment page.
pub fn sandbox_page(app: &App, req: &Req, g: &str, id: &str) -> Outcome {
    let g = gateway(g)?;
    let obj = service::sandbox_page(app, g, id)?;
    let (s, cookie) = session::ensure(app, req)?;
    let declined = Params::parse(req.query()).get("declined").is_some();
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::sandbox_page(
                ctx,
                &views::SandboxView {
                    gateway: g,
                    remote_id: &obj.remote_id,
                    amount: obj.amount,
                    status: &obj.status,
                    csrf: &s.csrf,
                    declined,
                },
            ),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    if let Some(t) = cookie {
        session::set_cookie(app, &mut resp, &t);
    }
    Ok(resp)
}

/// POST /sandbox/{gateway}/{id} with `do` = pay | fail | abandon.
pub fn sandbox_submit(app: &App, req: &Req, g: &str, id: &str) -> Outcome {
    let g = gateway(g)?;
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let action = match f.get("do") {
        Some("pay") => SandboxAction::Pay,
        Some("fail") => SandboxAction::Fail,
        Some("abandon") => SandboxAction::Abandon,
        _ => return Err(Error::bad_request("Choose pay, decline or go back.")),
    };
    service::sandbox_act(app, g, id, action).map(|to| Resp::redirect(&to))
}
