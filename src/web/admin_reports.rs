//! The admin dashboard's handler: read the figures (one service call on a reader), render.

use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::http::Req;
use crate::shop::accounts::Customer;
use crate::views::admin_dashboard as views;

pub fn dashboard(app: &App, req: &Req, me: &Customer) -> Outcome {
    let offset = app.cfg().store.zone.clone();
    let d = crate::service::reports::dashboard(app, crate::db::now())?;
    let page = views::Page {
        email: &me.email,
        role: &me.role,
        offset,
        d: &d,
    };
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::dashboard(ctx, &page))
    })
}
