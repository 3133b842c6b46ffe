//! Account handlers: the sign-in steps (email → mail with link and code → code or link),
//! the account overview, sign out and sign out everywhere. Parse, check CSRF, one service
//! call, render or redirect.

use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::accounts::{self as service, AddressOp};
use crate::shop::accounts::{self, addresses, sessions, signin};
use crate::shop::orders;
use crate::views::account as views;

/// Finishes a response that created a session by setting its cookie.
fn with_cookie(app: &App, mut resp: Resp, token: Option<String>) -> Resp {
    if let Some(t) = token {
        session::set_cookie(app, &mut resp, &t);
    }
    resp.set_header("Cache-Control", "no-store");
    resp
}

pub fn sign_in_form(app: &App, req: &Req) -> Outcome {
    let params = Params::parse(req.query());
    let next = signin::safe_next(params.get("next").unwrap_or("/account"));
    let (s, token) = session::ensure(app, req)?;
    let page = with_ctx(app, req, "", |ctx| {
        html_page(200, views::sign_in(ctx, &s.csrf, &next, "", None))
    })?;
    Ok(with_cookie(app, page, token))
}

pub fn sign_in_submit(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::new(Kind::Forbidden, "Your session has expired."))?;
    let email = f.get("email").unwrap_or("");
    let next = f.get("next").unwrap_or("/account");
    match send_code(app, req, &s, email, next, None) {
        Ok(page) => Ok(page),
        Err(e) if e.kind == Kind::BadRequest => with_ctx(app, req, "", |ctx| {
            html_page(
                400,
                views::sign_in(
                    ctx,
                    &s.csrf,
                    &signin::safe_next(next),
                    email,
                    Some(&e.public),
                ),
            )
        }),
        Err(e) => Err(e),
    }
}

/// Records a sign-in request (or, with `change_for`, an email-change request), queues
/// its mail with the link and code, and renders the "check your email" page. A refused
/// address or a rate limit comes back as the Err for the caller's own page.
fn send_code(
    app: &App,
    req: &Req,
    s: &sessions::Session,
    raw_email: &str,
    next: &str,
    change_for: Option<i64>,
) -> Outcome {
    let ip = session::client_ip(app, req).to_string();
    let email = service::request_code(app, s, raw_email, next, change_for, &ip)?;
    let tries = signin::MAX_CODE_TRIES;
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::check_email(ctx, &s.csrf, &email, tries, None, change_for.is_some()),
        )
    })
}

/// Acts on a proven email: either signs the session in as its owner (creating the
/// customer on first sign-in) or, for an email change, moves the account to it. Either
/// way the guest orders placed with that email join the account in the same transaction.
fn complete(app: &App, req: &Req, proven: signin::Proven) -> Outcome {
    if let Some(cid) = proven.change_for {
        service::change_email(app, cid, &proven)?;
        return Ok(Resp::redirect("/account?changed=email"));
    }
    let (s, _) = session::ensure(app, req)?;
    let token = service::sign_in(app, &s, &proven)?;
    let mut resp = Resp::redirect(&signin::safe_next(&proven.next));
    session::set_cookie(app, &mut resp, &token);
    Ok(resp)
}

/// POST /account/email: mails a link and code to the new address; the account moves only
/// when one of them is used.
pub fn change_email(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    check_csrf(Some(&s), &f)?;
    let raw = f.get("email").unwrap_or("");
    match send_code(app, req, &s, raw, "/account", Some(cid)) {
        Ok(page) => Ok(page),
        Err(e) if e.kind == Kind::BadRequest => {
            render_overview(app, req, &s, cid, 400, Some(&e.public))
        }
        Err(e) => Err(e),
    }
}

pub fn code_submit(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::new(Kind::Forbidden, "Your session has expired."))?;
    let code = f.get("code").unwrap_or("");
    let (proven, left) = service::use_code(app, &s, code)?;
    match proven {
        Some(p) => complete(app, req, p),
        None => {
            let msg = if left > 0 {
                "That code is not right. Check the latest email and try again."
            } else {
                "That code can no longer be used. Ask for a new one."
            };
            with_ctx(app, req, "", |ctx| {
                html_page(
                    400,
                    views::check_email(ctx, &s.csrf, "your address", left, Some(msg), false),
                )
            })
        }
    }
}

pub fn link(app: &App, req: &Req) -> Outcome {
    let params = Params::parse(req.query());
    let token = params.get("token").unwrap_or("");
    match service::use_link(app, token)? {
        service::LinkUse::Proven(p) => complete(app, req, p),
        // The sign-in form right here, with the address filled in: one click for a new
        // link and code.
        service::LinkUse::Spent(known) => {
            let (email, next) = known.unwrap_or_else(|| (String::new(), "/account".into()));
            let (s, cookie) = session::ensure(app, req)?;
            let page = with_ctx(app, req, "", |ctx| {
                html_page(
                    400,
                    views::sign_in(
                        ctx,
                        &s.csrf,
                        &signin::safe_next(&next),
                        &email,
                        Some(
                            "This sign-in link has expired or was already used. Send yourself a new one:",
                        ),
                    ),
                )
            })?;
            Ok(with_cookie(app, page, cookie))
        }
    }
}

/// The signed-in customer's session and id, or the redirect to sign in.
fn signed_in(app: &App, req: &Req) -> Result<(sessions::Session, i64), Outcome> {
    match session::current(app, req) {
        Ok(Some(s)) if s.customer_id.is_some() => {
            let id = s.customer_id.unwrap_or_default();
            Ok((s, id))
        }
        Ok(_) => {
            let next = crate::views::shop::url_encode(req.path());
            Err(Ok(Resp::redirect(&format!("/account/sign-in?next={next}"))))
        }
        Err(e) => Err(Err(e)),
    }
}

fn render_overview(
    app: &App,
    req: &Req,
    s: &sessions::Session,
    cid: i64,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let conn = app.db.read()?;
    let me = accounts::by_id(&conn, cid)?.ok_or_else(|| Error::not_found("No such account."))?;
    let list = sessions::list(&conn, cid, crate::db::now())?;
    drop(conn);
    let offset = app.cfg().store.zone.clone();
    let changed = Params::parse(req.query()).get("changed") == Some("email");
    let page = with_ctx(app, req, "", |ctx| {
        let info = views::OverviewInfo {
            sessions: &list,
            current: s.id,
            offset_minutes: offset,
            error,
            email_changed: changed,
        };
        html_page(status, views::overview(ctx, &s.csrf, &me, &info))
    })?;
    Ok(with_cookie(app, page, None))
}

pub fn overview(app: &App, req: &Req) -> Outcome {
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    render_overview(app, req, &s, cid, 200, None)
}

pub fn profile(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    check_csrf(Some(&s), &f)?;
    let name = f.get("name").unwrap_or("");
    let phone = f.get("phone").unwrap_or("");
    match service::update_profile(app, cid, name, phone) {
        Ok(()) => Ok(Resp::redirect("/account")),
        Err(e) if e.kind == Kind::BadRequest => {
            render_overview(app, req, &s, cid, 400, Some(&e.public))
        }
        Err(e) => Err(e),
    }
}

/// GET /account/mail: what the account's address gets besides order mail.
pub fn mail(app: &App, req: &Req) -> Outcome {
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let conn = app.db.read()?;
    let me = accounts::by_id(&conn, cid)?.ok_or_else(|| Error::not_found("No such account."))?;
    let prefs = crate::shop::follow_ups::prefs(&conn, &me.email)?;
    let waiting = crate::shop::follow_ups::waiting_alerts(&conn, &me.email)?;
    drop(conn);
    let saved = Params::parse(req.query()).get("saved").is_some();
    let page = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            crate::views::follow_ups::prefs(
                ctx,
                &crate::views::follow_ups::Prefs {
                    csrf: &s.csrf,
                    email: &me.email,
                    marketing: prefs.as_ref().is_some_and(|p| p.marketing),
                    unsubscribed: prefs.as_ref().is_some_and(|p| p.unsubscribed_at.is_some()),
                    alerts_waiting: waiting,
                    saved,
                },
            ),
        )
    })?;
    Ok(with_cookie(app, page, None))
}

/// POST /account/mail: `marketing`.
pub fn mail_save(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    check_csrf(Some(&s), &f)?;
    let email = accounts::by_id(&*app.db.read()?, cid)?
        .ok_or_else(|| Error::not_found("No such account."))?
        .email;
    crate::service::follow_ups::set_marketing(app, &email, f.get("marketing") == Some("1"))?;
    Ok(Resp::redirect("/account/mail?saved=1"))
}

/// GET /account/coupons: the codes the shopper can use now.
pub fn coupons(app: &App, req: &Req) -> Outcome {
    let cid = match signed_in(app, req) {
        Ok((_, cid)) => cid,
        Err(answer) => return answer,
    };
    let conn = app.db.read()?;
    let me = accounts::by_id(&conn, cid)?.ok_or_else(|| Error::not_found("No such account."))?;
    let list = crate::shop::cart::coupons::usable_now(&conn, &me.email, crate::db::now())?;
    drop(conn);
    let zone = app.cfg().store.zone.clone();
    let page = with_ctx(app, req, "", |ctx| {
        html_page(200, crate::views::follow_ups::coupons(ctx, &list, &zone))
    })?;
    Ok(with_cookie(app, page, None))
}

/// GET /account/reviews: the signed-in shopper's reviews (by the account's email, which
/// the review links were sent to).
pub fn reviews(app: &App, req: &Req) -> Outcome {
    let cid = match signed_in(app, req) {
        Ok((_, cid)) => cid,
        Err(answer) => return answer,
    };
    let conn = app.db.read()?;
    let me = accounts::by_id(&conn, cid)?.ok_or_else(|| Error::not_found("No such account."))?;
    let list = crate::shop::reviews::by_email(&conn, &me.email, 200)?;
    drop(conn);
    let offset = app.cfg().store.zone.clone();
    let page = with_ctx(app, req, "", |ctx| {
        html_page(200, views::reviews(ctx, &list, &offset))
    })?;
    Ok(with_cookie(app, page, None))
}

pub fn orders(app: &App, req: &Req) -> Outcome {
    let cid = match signed_in(app, req) {
        Ok((_, cid)) => cid,
        Err(answer) => return answer,
    };
    let list = orders::for_customer(&*app.db.read()?, cid, 200)?;
    let offset = app.cfg().store.zone.clone();
    let page = with_ctx(app, req, "", |ctx| {
        html_page(200, views::orders(ctx, &list, &offset))
    })?;
    Ok(with_cookie(app, page, None))
}

pub fn sign_out(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    if let Some(s) = s {
        service::sign_out(app, s.id)?;
    }
    let mut resp = Resp::redirect("/");
    session::clear_cookie(&mut resp);
    Ok(resp)
}

pub fn sign_out_everywhere(app: &App, req: &Req) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    if let Some(s) = s
        && let Some(cid) = s.customer_id
    {
        service::sign_out_others(app, cid, s.id)?;
    }
    Ok(Resp::redirect("/account"))
}

fn address_from(f: &Params, id: i64) -> addresses::Address {
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    addresses::Address {
        id,
        name: g("name"),
        phone: g("phone"),
        line1: g("line1"),
        line2: g("line2"),
        city: g("city"),
        region: g("region"),
        postal_code: g("postal_code"),
        country: g("country"),
        is_default: f.get("is_default") == Some("1"),
    }
}

fn address_id(id: &str) -> Result<i64, Error> {
    id.parse::<i64>()
        .map_err(|_| Error::not_found("There is no such address in your address book."))
}

fn render_addresses(
    app: &App,
    req: &Req,
    s: &sessions::Session,
    cid: i64,
    status: u16,
    draft: &addresses::Address,
    error: Option<&str>,
) -> Outcome {
    let list = addresses::list(&*app.db.read()?, cid)?;
    let page = with_ctx(app, req, "", |ctx| {
        html_page(status, views::addresses(ctx, &s.csrf, &list, draft, error))
    })?;
    Ok(with_cookie(app, page, None))
}

pub fn address_book(app: &App, req: &Req) -> Outcome {
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    render_addresses(app, req, &s, cid, 200, &addresses::Address::default(), None)
}

pub fn address_edit_form(app: &App, req: &Req, id: &str) -> Outcome {
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    let a = addresses::get(&*app.db.read()?, cid, address_id(id)?)?
        .ok_or_else(|| Error::not_found("There is no such address in your address book."))?;
    let page = with_ctx(app, req, "", |ctx| {
        html_page(200, views::edit_address(ctx, &s.csrf, &a, None))
    })?;
    Ok(with_cookie(app, page, None))
}

/// POST /account/addresses[/{id}[/delete|/default]]: add, update, delete, make default.
pub fn address_action(app: &App, req: &Req, id: Option<&str>, action: Option<&str>) -> Outcome {
    let f = form(req)?;
    let (s, cid) = match signed_in(app, req) {
        Ok(v) => v,
        Err(answer) => return answer,
    };
    check_csrf(Some(&s), &f)?;
    let id = id.map(address_id).transpose()?;
    let result = match (id, action) {
        (None, None) => service::address(app, cid, AddressOp::Add(&address_from(&f, 0))),
        (Some(id), None) => service::address(app, cid, AddressOp::Update(&address_from(&f, id))),
        (Some(id), Some("delete")) => service::address(app, cid, AddressOp::Delete(id)),
        (Some(id), Some("default")) => service::address(app, cid, AddressOp::MakeDefault(id)),
        _ => Err(Error::not_found("There is no page at this address.")),
    };
    match result {
        Ok(()) => Ok(Resp::redirect("/account/addresses")),
        Err(e) if e.kind == Kind::BadRequest => match id {
            None => render_addresses(
                app,
                req,
                &s,
                cid,
                400,
                &address_from(&f, 0),
                Some(&e.public),
            ),
            Some(id) => {
                let a = address_from(&f, id);
                with_ctx(app, req, "", |ctx| {
                    html_page(400, views::edit_address(ctx, &s.csrf, &a, Some(&e.public)))
                })
            }
        },
        Err(e) => Err(e),
    }
}
