//! Handlers of the admin's customer pages. Changing a role is for the owner only (staff
//! get 403 and do not see the form); it calls one `service::admin_people` function, which
//! writes it with its audit entry.

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::admin_data::customers;
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::service::admin_people;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::views::admin_customers as views;

const PAGE: i64 = 50;

fn customer_id(id: &str) -> Result<i64, Error> {
    id.parse::<i64>()
        .map_err(|_| Error::not_found("There is no such customer."))
}

pub fn list(app: &App, req: &Req) -> Outcome {
    let p = Params::parse(req.query());
    let q: String = p.get("q").unwrap_or("").chars().take(100).collect();
    let before = match p.get("before") {
        None | Some("") => None,
        Some(b) => Some(
            b.parse()
                .map_err(|_| Error::bad_request("That page does not exist."))?,
        ),
    };
    let rows = customers::search(&*app.db.read()?, &q, before, PAGE)?;
    let next = (rows.len() as i64 == PAGE).then(|| {
        format!(
            "/admin/customers?q={}&before={}",
            crate::views::shop::url_encode(&q),
            rows[rows.len() - 1].id
        )
    });
    let offset = app.cfg().store.zone.clone();
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::list(ctx, &rows, &q, &offset, next))
    })
}

pub fn detail(app: &App, req: &Req, s: &Session, me: &Customer, id: &str) -> Outcome {
    let d = customers::detail(&*app.db.read()?, customer_id(id)?)?
        .ok_or_else(|| Error::not_found("There is no such customer."))?;
    let offset = app.cfg().store.zone.clone();
    let owner = me.role == "owner" && me.id != d.customer.id;
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::detail(ctx, &s.csrf, &d, owner, &offset))
    })
}

pub fn set_role(app: &App, req: &Req, s: &Session, me: &Customer, id: &str) -> Outcome {
    if me.role != "owner" {
        return Err(Error::new(
            Kind::Forbidden,
            "Only the store's owner manages staff.",
        ));
    }
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let id = customer_id(id)?;
    let role = f.get("role").unwrap_or("").to_string();
    let actor = Actor::staff(me.id, &me.email);
    admin_people::set_role(app, &actor, id, &role)?;
    Ok(Resp::redirect(&format!("/admin/customers/{id}?done=saved")))
}
