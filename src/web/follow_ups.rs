//! The addresses the follow-up mails point at: `/alerts` (ask to be told when a sold-out
//! variant is back; the product page links here, since a cached page carries no CSRF
//! token), `/alerts/confirm/{token}`, `/unsubscribe/{token}` (RFC 8058: a mail client's
//! one-click POST with `List-Unsubscribe=One-Click` needs no session; the page's own
//! button carries the CSRF token), `/go/{token}` (a mail's link: counted, then the items
//! go back in the bag with one button) and `/checkout/contact` (the checkout script's
//! background post of the email typed so far).

use super::cart::owner;
use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::follow_ups as service;
use crate::shop::accounts;
use crate::shop::follow_ups::{self as fu, Asked};
use crate::views::follow_ups as views;

fn private(mut resp: Resp, app: &App, token: Option<String>) -> Resp {
    if let Some(t) = token {
        session::set_cookie(app, &mut resp, &t);
    }
    resp.set_header("Cache-Control", "no-store");
    resp
}

/// The sold-out variants of the product or variant in the query, and the one chosen.
fn wanted(app: &App, q: &Params) -> Result<(String, Vec<fu::Wanted>, Option<i64>), Error> {
    let id = |k: &str| -> Result<Option<i64>, Error> {
        match q.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Error::bad_request("That product link is not valid.")),
        }
    };
    let conn = app.db.read()?;
    let (product, selected) = match (id("product")?, id("variant")?) {
        (_, Some(v)) => {
            let w = fu::variant(&conn, v)?.ok_or_else(gone)?;
            (w.product_id, Some(v))
        }
        (Some(p), None) => (p, None),
        (None, None) => return Err(Error::bad_request("Choose a product first.")),
    };
    let all = fu::variants_of(&conn, product)?;
    let title = all.first().map(|w| w.title.clone()).ok_or_else(gone)?;
    let choices: Vec<fu::Wanted> = all.into_iter().filter(|w| w.stock <= 0).collect();
    Ok((title, choices, selected))
}

fn gone() -> Error {
    Error::not_found("That product is no longer sold.")
}

#[allow(clippy::too_many_arguments)]
fn alert_page(
    app: &App,
    req: &Req,
    s: &crate::shop::accounts::sessions::Session,
    token: Option<String>,
    q: &Params,
    email: &str,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let (title, choices, selected) = wanted(app, q)?;
    if choices.is_empty() {
        return Err(Error::conflict(
            "Good news: it is in stock now, so you can order it straight away.",
        ));
    }
    let resp = with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::alert_form(
                ctx,
                &views::AlertForm {
                    csrf: &s.csrf,
                    product: &title,
                    choices: &choices,
                    selected,
                    email,
                    error,
                },
            ),
        )
    })?;
    Ok(private(resp, app, token))
}

/// GET /alerts?product= (or ?variant=): the form.
pub fn page(app: &App, req: &Req) -> Outcome {
    let q = Params::parse(req.query());
    let (s, token) = session::ensure(app, req)?;
    let email = match s.customer_id {
        Some(c) => accounts::by_id(&*app.db.read()?, c)?
            .map(|m| m.email)
            .unwrap_or_default(),
        None => String::new(),
    };
    alert_page(app, req, &s, token, &q, &email, 200, None)
}

/// POST /alerts: `variant`, `email`.
pub fn ask(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired; reload the page."))?;
    let variant: i64 = f
        .get("variant")
        .unwrap_or("")
        .trim()
        .parse()
        .map_err(|_| Error::bad_request("Choose which one you want."))?;
    let email = f.get("email").unwrap_or("");
    let ip = session::client_ip(app, req).to_string();
    match service::ask_back_in_stock(app, variant, email, &ip) {
        Ok(asked) => {
            let (title, lines): (&str, Vec<String>) = match &asked {
                Asked::Confirm { what, .. } => (
                    "Check your inbox",
                    vec![format!(
                        "We sent a link to {}. Use it to confirm, and we will write once when {} is back.",
                        email.trim(),
                        what.name()
                    )],
                ),
                Asked::Already(what) => (
                    "You are already on the list",
                    vec![format!("We will write when {} is back.", what.name())],
                ),
            };
            let slug = match &asked {
                Asked::Confirm { what, .. } | Asked::Already(what) => what.slug.clone(),
            };
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let back = format!("/p/{slug}");
            let resp = with_ctx(app, req, "", |ctx| {
                html_page(
                    200,
                    views::said(ctx, title, &refs, ("Back to the product", &back)),
                )
            })?;
            Ok(private(resp, app, None))
        }
        Err(e) if e.kind == Kind::BadRequest => {
            let q = Params::parse(&format!("variant={variant}"));
            alert_page(app, req, &s, None, &q, email, 400, Some(&e.public))
        }
        Err(e) => Err(e),
    }
}

/// GET and POST /alerts/confirm/{token}.
pub fn confirm(app: &App, req: &Req, token: &str) -> Outcome {
    let post = req.method() == "POST";
    let (s, cookie) = if post {
        let f = form(req)?;
        let s = session::current(app, req)?;
        check_csrf(s.as_ref(), &f)?;
        (
            s.ok_or_else(|| Error::bad_request("Your session has expired."))?,
            None,
        )
    } else {
        session::ensure(app, req)?
    };
    let alert = if post {
        service::confirm_back_in_stock(app, token)?
    } else {
        let a = service::alert(app, token)?;
        if a.confirmed {
            a
        } else {
            // Show the button; confirming is the POST.
            let resp = with_ctx(app, req, "", |ctx| {
                html_page(
                    200,
                    views::confirm_alert(ctx, &s.csrf, token, &a.what, false),
                )
            })?;
            return Ok(private(resp, app, cookie));
        }
    };
    let resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::confirm_alert(ctx, &s.csrf, token, &alert.what, true),
        )
    })?;
    Ok(private(resp, app, cookie))
}

/// GET and POST /unsubscribe/{token}.
pub fn unsubscribe(app: &App, req: &Req, token: &str) -> Outcome {
    if req.method() == "POST" {
        // RFC 8058: the mail client posts `List-Unsubscribe=One-Click` with no cookies,
        // as multipart/form-data or url-encoded; the signed token is the authority. The
        // page's own button (url-encoded) carries CSRF.
        let ct = req.header("content-type").unwrap_or("");
        let one_click = if ct.starts_with("multipart/form-data") {
            let parts =
                crate::http::multipart::parse(ct, req.body.clone(), &["List-Unsubscribe"], 1024)?;
            if !parts
                .iter()
                .any(|p| p.name == "List-Unsubscribe" && p.data == b"One-Click")
            {
                return Err(Error::bad_request(
                    "This unsubscribe request is not complete.",
                ));
            }
            true
        } else {
            let f = form(req)?;
            let one_click = f.get("List-Unsubscribe") == Some("One-Click");
            if !one_click {
                check_csrf(session::current(app, req)?.as_ref(), &f)?;
            }
            one_click
        };
        let email = service::unsubscribe(app, token)?;
        if one_click {
            return Ok(Resp::text(200, "Unsubscribed."));
        }
        let resp = with_ctx(app, req, "", |ctx| {
            html_page(200, views::unsubscribe(ctx, "", token, &email, true))
        })?;
        return Ok(private(resp, app, None));
    }
    let target = service::unsubscribe_target(app, token)?;
    let (s, cookie) = session::ensure(app, req)?;
    let done = target.unsubscribed_at.is_some();
    let resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::unsubscribe(ctx, &s.csrf, token, &target.email, done),
        )
    })?;
    Ok(private(resp, app, cookie))
}

/// GET /go/{token}: a follow-up mail's link. The click is counted; a mail that offers
/// items shows them with one "Add to my bag" button, any other goes to its page.
pub fn open(app: &App, req: &Req, token: &str) -> Outcome {
    let (s, cookie) = session::ensure(app, req)?;
    let link = service::open_link(app, &owner(&s), token)?;
    if link.lines.is_empty() {
        let mut resp = Resp::redirect(&link.target);
        if let Some(t) = cookie {
            session::set_cookie(app, &mut resp, &t);
        }
        return Ok(resp);
    }
    let conn = app.db.read()?;
    let mut items = Vec::new();
    for &(v, q) in &link.lines {
        if let Some(w) = fu::variant(&conn, v)? {
            items.push((w, q));
        }
    }
    drop(conn);
    let resp = with_ctx(app, req, "", |ctx| {
        html_page(200, views::restore(ctx, &s.csrf, token, &items))
    })?;
    Ok(private(resp, app, cookie))
}

/// POST /go/{token}: the mail's items go in the bag.
pub fn restore(app: &App, req: &Req, token: &str) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired; reload the page."))?;
    let done = service::restore(app, &owner(&s), token)?;
    let units = crate::shop::cart::view_of(&*app.db.read()?, &owner(&s))?.units();
    if !done.notes.is_empty() {
        let refs: Vec<&str> = done.notes.iter().map(String::as_str).collect();
        let mut resp = with_ctx(app, req, "", |ctx| {
            html_page(
                200,
                views::said(ctx, "Your bag", &refs, ("Go to your bag", "/cart")),
            )
        })?;
        super::cart::count_cookie(&mut resp, units);
        return Ok(private(resp, app, None));
    }
    let mut resp = Resp::redirect("/cart");
    super::cart::count_cookie(&mut resp, units);
    Ok(resp)
}

/// POST /checkout/contact: `email`, `marketing` (the checkout script, in the background).
pub fn contact(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired."))?;
    service::checkout_contact(
        app,
        &owner(&s),
        f.get("email").unwrap_or(""),
        f.get("marketing") == Some("1"),
    )?;
    Ok(Resp::text(200, "ok"))
}
