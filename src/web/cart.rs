//! The bag: the page, add (from the product page), update, remove, and the CSRF token the
//! product page's script fetches (the product page is cached and shared by every visitor,
//! so it cannot carry a per-session token; without JavaScript the add goes through a
//! confirming click on the bag page instead). Each write also refreshes the `bq_cart`
//! cookie, a plain item count the header shows; it is not trusted for anything.

use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Result};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::cart::Bag;
use crate::shop::accounts::sessions::Session;
use crate::shop::cart::{self, Mode, Owner};
use crate::shop::catalog;
use crate::views::cart as views;

/// Whose cart a browser session holds: the customer's when signed in, else its own.
pub fn owner(s: &Session) -> Owner {
    match s.customer_id {
        Some(c) => Owner::Customer(c),
        None => Owner::Session(s.id),
    }
}

/// The item-count cookie for the header badge.
pub fn count_cookie(resp: &mut Resp, units: i64) {
    resp.set_header(
        "Set-Cookie",
        format!("bq_cart={units}; Path=/; SameSite=Lax; Max-Age=7776000"),
    );
}

fn render(
    app: &App,
    req: &Req,
    s: Option<&Session>,
    status: u16,
    error: Option<&str>,
    confirm: Option<(String, String, i64, i64)>,
) -> Outcome {
    let conn = app.db.read()?;
    let c = match s {
        Some(s) => cart::view_of(&conn, &owner(s))?,
        None => cart::Cart::default(),
    };
    drop(conn);
    if !c.notice.is_empty() {
        crate::service::cart::clear_notice(app, c.id)?;
    }
    let params = Params::parse(req.query());
    let added = params
        .get("added")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| c.lines.iter().find(|l| l.variant_id == v))
        .map(|l| l.title.clone());
    // After a change that asked for more than is left (the line now holds all of it).
    let limited = params
        .get("limited")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|v| c.lines.iter().find(|l| l.variant_id == v))
        .filter(|l| l.stock > 0 && l.quantity == l.stock)
        .map(|l| {
            let asked = params.get("asked").and_then(|a| a.parse::<i64>().ok());
            match (params.get("by"), asked) {
                (Some("set"), Some(a)) if a > l.quantity => format!(
                    "You asked for {a} of {}, but only {} {} left, so your bag has {}.",
                    l.title,
                    l.stock,
                    if l.stock == 1 { "is" } else { "are" },
                    l.quantity
                ),
                _ => format!(
                    "Only {} of {} {} left: your bag now has {}.",
                    l.stock,
                    l.title,
                    if l.stock == 1 { "is" } else { "are" },
                    if l.stock == 1 {
                        "it".to_string()
                    } else {
                        format!("all {}", l.stock)
                    }
                ),
            }
        });
    let caps = app.cfg().cart.clone();
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::bag(
                ctx,
                &views::BagPage {
                    cart: &c,
                    csrf: s.map(|s| s.csrf.as_str()),
                    error,
                    added: added.as_deref(),
                    limited: limited.as_deref(),
                    confirm,
                    max_line_quantity: caps.max_line_quantity,
                },
            ),
        )
    })?;
    resp.set_header("Cache-Control", "no-store");
    count_cookie(&mut resp, c.units());
    Ok(resp)
}

/// GET /cart. With `?variant=&qty=` (the product form without JavaScript) it asks to
/// confirm the add, which needs a session for the form's CSRF token.
pub fn page(app: &App, req: &Req) -> Outcome {
    let params = Params::parse(req.query());
    let variant = params.get("variant").and_then(|v| v.parse::<i64>().ok());
    let Some(variant) = variant else {
        let s = session::current(app, req)?;
        return render(app, req, s.as_ref(), 200, None, None);
    };
    let qty = params
        .get("qty")
        .and_then(|q| q.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let product = catalog::product_of_variant(&*app.db.read()?, variant)?;
    let confirm = product.and_then(|p| {
        let v = p.variants.iter().find(|v| v.id == variant)?;
        Some((p.title.clone(), v.options.join(" / "), variant, qty))
    });
    let (s, token) = session::ensure(app, req)?;
    let mut resp = render(app, req, Some(&s), 200, None, confirm)?;
    if let Some(t) = token {
        session::set_cookie(app, &mut resp, &t);
    }
    Ok(resp)
}

/// GET /cart/token: the session's CSRF token for the product page's script (a session is
/// made here, at the first add, not on page views).
pub fn token(app: &App, req: &Req) -> Outcome {
    let (s, token) = session::ensure(app, req)?;
    let mut resp = Resp::json(200, &serde_json::json!({ "csrf": s.csrf }));
    resp.set_header("Cache-Control", "no-store");
    if let Some(t) = token {
        session::set_cookie(app, &mut resp, &t);
    }
    Ok(resp)
}

fn number(f: &Params, key: &str) -> Result<i64> {
    f.get(key)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| Error::bad_request("Please choose an item and a quantity."))
}

/// POST /cart/add | /cart/update | /cart/remove.
pub fn change(app: &App, req: &Req, what: &str) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired."))?;
    let result = (|| {
        let variant = number(&f, "variant")?;
        let qty = if what == "remove" {
            0
        } else {
            number(&f, "qty")?
        };
        let mode = if what == "add" { Mode::Add } else { Mode::Set };
        let limited =
            crate::service::cart::put_line_up_to(app, Bag::Of(&owner(&s)), variant, qty, mode)?;
        Ok((variant, qty, limited))
    })();
    match result {
        Ok((variant, qty, limited)) => {
            let units = cart::view_of(&*app.db.read()?, &owner(&s))?.units();
            let target = match (limited, what) {
                (true, "add") => format!("/cart?limited={variant}&by=add"),
                (true, _) => format!("/cart?limited={variant}&by=set&asked={qty}"),
                (false, "add") => format!("/cart?added={variant}"),
                (false, _) => "/cart".to_string(),
            };
            let mut resp = Resp::redirect(&target);
            count_cookie(&mut resp, units);
            Ok(resp)
        }
        Err(e) if cart::is_refusal(&e) => {
            render(app, req, Some(&s), e.status(), Some(&e.public), None)
        }
        Err(e) => Err(e),
    }
}
