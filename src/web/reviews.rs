//! `/reviews/{token}` (the shopper's review form behind a mailed link; works signed out,
//! the CSRF token comes from a session made for the form) and `/admin/reviews` (the
//! owner's moderation). A forged link is a 404, a used or expired one a 409 page saying
//! so; a draft that needs fixing comes back with the message and what was typed.

use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::multipart;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::reviews::{self, Decision, Draft};
use crate::views::reviews as views;

fn refused(app: &App, req: &Req, e: Error) -> Outcome {
    if e.kind == Kind::Internal {
        return Err(e);
    }
    let status = e.status();
    with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::message_page(ctx, "This review link does not work", &e.public, None),
        )
    })
}

fn form_page(
    app: &App,
    req: &Req,
    token: &str,
    status: u16,
    draft: &Draft,
    error: Option<&str>,
) -> Outcome {
    let inv = match reviews::usable(&*app.db.read()?, token, crate::db::now()) {
        Ok(i) => i,
        Err(e) => return refused(app, req, e),
    };
    let (s, cookie) = session::ensure(app, req)?;
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::form_page(ctx, &inv, token, &s.csrf, draft, error),
        )
    })?;
    if let Some(t) = cookie {
        session::set_cookie(app, &mut resp, &t);
    }
    resp.set_header("Cache-Control", "no-store");
    resp.replace_header("Referrer-Policy", "no-referrer");
    Ok(resp)
}

/// GET /reviews/{token}
pub fn page(app: &App, req: &Req, token: &str) -> Outcome {
    form_page(app, req, token, 200, &Draft::default(), None)
}

/// Largest review photo accepted.
const MAX_PHOTO: u64 = 8 * 1024 * 1024;

/// POST /reviews/{token}: multipart with csrf_token, rating, title, body and an optional
/// photo (a plain url-encoded form without the photo works too).
pub fn submit(app: &App, req: &Req, token: &str) -> Outcome {
    let ct = req.header("content-type").unwrap_or("");
    let (f, photo) = if ct.starts_with("multipart/form-data") {
        let parts = multipart::parse(
            ct,
            req.body.clone(),
            &["csrf_token", "rating", "title", "body", "photo"],
            MAX_PHOTO,
        )?;
        let mut fields = Vec::new();
        let mut photo = None;
        for p in parts {
            if p.name == "photo" {
                photo = Some(p.data);
            } else {
                let v = String::from_utf8_lossy(&p.data).replace("\r\n", "\n");
                fields.push((p.name, v));
            }
        }
        (Params(fields), photo)
    } else {
        (form(req)?, None)
    };
    check_csrf(session::current(app, req)?.as_ref(), &f)?;
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    let draft = Draft {
        rating: g("rating"),
        title: g("title"),
        body: g("body"),
    };
    match crate::service::reviews::submit(app, token, &draft, photo.as_deref()) {
        Ok(sent) => with_ctx(app, req, "", |ctx| {
            html_page(
                200,
                views::message_page(
                    ctx,
                    "Thank you for your review",
                    if sent.published {
                        "It is on the product page now."
                    } else {
                        "We read every review before it goes on the product page; yours will be there shortly."
                    },
                    sent.product_slug.as_deref(),
                ),
            )
        }),
        Err(e)
            if matches!(
                e.kind,
                Kind::BadRequest
                    | Kind::UnsupportedMedia
                    | Kind::PayloadTooLarge
                    | Kind::TooManyRequests
            ) =>
        {
            form_page(app, req, token, e.status(), &draft, Some(&e.public))
        }
        Err(e) => refused(app, req, e),
    }
}

pub fn admin_list(app: &App, req: &Req, s: &Session) -> Outcome {
    let q = Params::parse(req.query());
    let status = q.get("status").unwrap_or("");
    if !matches!(status, "" | "pending" | "published" | "hidden") {
        return Err(Error::bad_request("Unknown filter."));
    }
    let notice = match q.get("done") {
        Some("publish") => Some("Review published."),
        Some("hide") => Some("Review hidden."),
        Some("reply") => Some("Reply saved."),
        _ => None,
    };
    let rows = reviews::list(&*app.db.read()?, status, 200)?;
    let zone = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::admin_list(
                ctx,
                &views::AdminPage {
                    status,
                    rows: &rows,
                    zone: zone.clone(),
                    csrf: &s.csrf,
                    notice,
                },
            ),
        )
    })
}

/// POST /admin/reviews/{id}/{publish|hide|reply}
pub fn admin_decide(
    app: &App,
    req: &Req,
    s: &Session,
    me: &Customer,
    id: &str,
    what: &str,
) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("There is no such review."))?;
    let d = match what {
        "publish" => Decision::Publish,
        "hide" => Decision::Hide,
        "reply" => Decision::Reply(f.get("reply").unwrap_or("").to_string()),
        _ => return Err(Error::not_found("There is no such review action.")),
    };
    crate::service::reviews::decide(app, id, &d, &Actor::staff(me.id, &me.email))?;
    Ok(Resp::redirect(&format!("/admin/reviews?done={what}")))
}
