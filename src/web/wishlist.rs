//! `/wishlist`: the page (with `?save={product}` it asks to confirm, which is how a heart
//! works without JavaScript), and the add/remove forms. Guests save into their session;
//! a signed-in customer into their account.

use super::session::{self, check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::Error;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::accounts::sessions::Session;
use crate::shop::catalog;
use crate::shop::wishlist::{self, Owner};
use crate::views::wishlist as views;

fn owner(s: &Session) -> Owner {
    match s.customer_id {
        Some(c) => Owner::Customer(c),
        None => Owner::Session(s.id),
    }
}

pub fn page(app: &App, req: &Req) -> Outcome {
    let q = Params::parse(req.query());
    let (s, token) = session::ensure(app, req)?;
    let who = owner(&s);
    let conn = app.db.read()?;
    let confirm = match q.get("save") {
        None | Some("") => None,
        Some(v) => {
            let id: i64 = v
                .parse()
                .map_err(|_| Error::bad_request("That product link is not valid."))?;
            let card = catalog::cards_by_ids(&conn, &[id])?
                .pop()
                .ok_or_else(|| Error::not_found("There is no such product."))?;
            (!wishlist::has(&conn, who, id)?).then_some((id, card.title))
        }
    };
    let items = wishlist::view(&conn, who)?;
    drop(conn);
    let notice = match q.get("done") {
        Some("added") => Some("Saved to your wishlist."),
        Some("removed") => Some("Removed from your wishlist."),
        _ => None,
    };
    let mut resp = with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::wishlist(
                ctx,
                &views::Page {
                    items: &items,
                    csrf: &s.csrf,
                    confirm: confirm.as_ref().map(|(i, t)| (*i, t.as_str())),
                    notice,
                    signed_in: s.customer_id.is_some(),
                },
            ),
        )
    })?;
    if let Some(t) = token {
        session::set_cookie(app, &mut resp, &t);
    }
    resp.set_header("Cache-Control", "no-store");
    Ok(resp)
}

/// POST /wishlist/add and /wishlist/remove: `product`.
pub fn change(app: &App, req: &Req, add: bool) -> Outcome {
    let f = form(req)?;
    let s = session::current(app, req)?;
    check_csrf(s.as_ref(), &f)?;
    let s = s.ok_or_else(|| Error::bad_request("Your session has expired; reload the page."))?;
    let id: i64 = f
        .get("product")
        .unwrap_or("")
        .trim()
        .parse()
        .map_err(|_| Error::bad_request("Choose a product."))?;
    crate::service::wishlist::change(app, owner(&s), id, add)?;
    Ok(Resp::redirect(if add {
        "/wishlist?done=added"
    } else {
        "/wishlist?done=removed"
    }))
}
