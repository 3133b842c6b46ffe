//! The checkout page: GET shows the form prefilled (account, default address) with a fresh
//! idempotency key; POST with `action=update` re-prices on the server and shows the page
//! again (so it all works without JavaScript); POST `place` (the default) places the order
//! in one transaction and goes to the order's page. Short stock, a bad coupon or a method
//! not open here keep the shopper on this page with the problem named and nothing written.

use super::cart::{count_cookie, owner};
use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::cart::Bag;
use crate::shop::accounts::sessions::Session;
use crate::shop::accounts::{self, addresses};
use crate::shop::cart;
use crate::shop::cart::pricing::{self, Ask};
use crate::shop::orders::checkout::{Buyer, Input};
use crate::shop::orders::lifecycle::Method;
use crate::shop::payments::Gateway;
use crate::views::cart::{self as views, Form};

/// The country to assume before the shopper types one: the region of the store's locale
/// ("en-IN" → "IN").
fn default_country(app: &App) -> String {
    let locale = app.cfg().store.locale.clone();
    locale
        .rsplit_once('-')
        .map(|(_, r)| r.to_uppercase())
        .filter(|r| r.len() == 2)
        .unwrap_or_default()
}

fn prefill(app: &App, s: &Session) -> Result<Form, Error> {
    let mut f = Form::default();
    let i = &mut f.input;
    i.country = default_country(app);
    i.method = "cod".into();
    i.idempotency_key = crate::crypto::token();
    if let Some(cid) = s.customer_id {
        let conn = app.db.read()?;
        if let Some(me) = accounts::by_id(&conn, cid)? {
            f.marketing =
                crate::shop::follow_ups::prefs(&conn, &me.email)?.is_some_and(|p| p.may_market());
            let i = &mut f.input;
            i.email = me.email;
            i.name = me.name;
            i.phone = me.phone;
            f.email_locked = true;
        }
        let i = &mut f.input;
        if let Some(a) = addresses::list(&conn, cid)?
            .into_iter()
            .find(|a| a.is_default)
        {
            i.name = a.name;
            i.phone = a.phone;
            i.line1 = a.line1;
            i.line2 = a.line2;
            i.city = a.city;
            i.region = a.region;
            i.postal_code = a.postal_code;
            i.country = a.country;
        }
    }
    Ok(f)
}

fn from_post(p: &Params, s: &Session, app: &App) -> Result<Form, Error> {
    let g = |k: &str| p.get(k).unwrap_or("").to_string();
    let mut f = Form {
        input: Input {
            email: g("email"),
            name: g("name"),
            phone: g("phone"),
            line1: g("line1"),
            line2: g("line2"),
            city: g("city"),
            region: g("region"),
            postal_code: g("postal_code"),
            country: g("country").trim().to_uppercase(),
            method: g("method"),
            coupon: g("coupon").trim().to_uppercase(),
            note: g("note"),
            idempotency_key: g("idempotency_key"),
        },
        email_locked: false,
        marketing: p.get("marketing") == Some("1"),
    };
    if let Some(cid) = s.customer_id
        && let Some(me) = accounts::by_id(&*app.db.read()?, cid)?
    {
        // A signed-in customer orders as their account; the field is not editable.
        f.input.email = me.email;
        f.email_locked = true;
    }
    Ok(f)
}

fn render(
    app: &App,
    req: &Req,
    s: &Session,
    f: &Form,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let cfg = app.cfg();
    let conn = app.db.read()?;
    let c = cart::view_of(&conn, &owner(s))?;
    if c.lines.is_empty() {
        return Ok(Resp::redirect("/cart"));
    }
    let quote = pricing::quote(
        &conn,
        &cfg,
        &Ask {
            subtotal: c.subtotal(),
            country: &f.input.country,
            region: &f.input.region,
            method: Method::parse(&f.input.method),
            coupon: &f.input.coupon,
            email: &f.input.email,
        },
        crate::db::now(),
    )?;
    drop(conn);
    let p = &cfg.payments;
    let bank_summary = p
        .bank_transfer
        .then(|| format!("To {} at {}.", p.bank_account_name, p.bank_name));
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::checkout(
                ctx,
                &views::CheckoutPage {
                    cart: &c,
                    quote: &quote,
                    form: f,
                    csrf: &s.csrf,
                    error,
                    bank_summary,
                },
            ),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    Ok(resp)
}

/// GET /checkout.
pub fn page(app: &App, req: &Req) -> Outcome {
    let Some(s) = session::current(app, req)? else {
        return Ok(Resp::redirect("/cart"));
    };
    let f = prefill(app, &s)?;
    let cart_id = cart::find(&*app.db.read()?, &owner(&s))?;
    if let Some(id) = cart_id {
        crate::service::checkout::started(app, id)?;
        if f.email_locked {
            crate::service::follow_ups::checkout_contact(app, &owner(&s), &f.input.email, false)?;
        }
    }
    render(app, req, &s, &f, 200, None)
}

/// POST /checkout.
pub fn submit(app: &App, req: &Req) -> Outcome {
    let p = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &p)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired."))?;
    let f = from_post(&p, &s, app)?;
    if p.get("action") == Some("update") {
        // Re-pricing (a coupon, a country) without JavaScript: the email typed so far
        // starts the bag's abandoned-checkout timer, as the script's contact post does.
        if !f.input.email.trim().is_empty() {
            let _ = crate::service::follow_ups::checkout_contact(
                app,
                &owner(&s),
                &f.input.email,
                f.marketing,
            );
        }
        return render(app, req, &s, &f, 200, None);
    }
    let buyer = match s.customer_id {
        Some(c) => Buyer::Customer(c),
        None => Buyer::Guest,
    };
    let ip = session::client_ip(app, req).to_string();
    let result = crate::service::checkout::place_order(
        app,
        Bag::Of(&owner(&s)),
        &format!("s{}", s.id),
        buyer,
        &f.input,
        Some(f.marketing),
        &ip,
    );
    match result {
        Ok(placed) => {
            // A card order goes to its payment page and keeps the bag until it is paid.
            let card =
                Method::parse(f.input.method.trim()).is_some_and(|m| Gateway::of(m).is_some());
            let page = if card { "/pay" } else { "" };
            let mut resp = Resp::redirect(&format!(
                "/orders/{}{page}?token={}",
                placed.number, placed.access_token
            ));
            if !card {
                count_cookie(&mut resp, 0);
            }
            Ok(resp)
        }
        Err(e)
            if matches!(
                e.kind,
                Kind::BadRequest | Kind::Conflict | Kind::Unprocessable | Kind::NotFound
            ) =>
        {
            render(app, req, &s, &f, e.status(), Some(&e.public))
        }
        // A limit ([limits], or too many attempts): the form stays filled in, with the
        // wait named on the page and in Retry-After.
        Err(e) if e.kind == Kind::TooManyRequests => {
            let mut resp = render(app, req, &s, &f, e.status(), Some(&e.public))?;
            if let Some(wait) = e.retry_after {
                resp.set_header("Retry-After", wait.to_string());
            }
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}
