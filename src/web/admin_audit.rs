//! The audit log page's handler: parse the filters, read one page, render.

use super::{Outcome, html_page, with_ctx};
use crate::admin_data::audit_list::{self, Filter};
use crate::app::App;
use crate::error::Error;
use crate::http::Req;
use crate::http::query::Params;
use crate::views::admin_audit as views;

const PAGE: i64 = 50;

pub fn list(app: &App, req: &Req) -> Outcome {
    let p = Params::parse(req.query());
    let offset = app.cfg().store.zone.clone();
    let text = |k: &str| -> String { p.get(k).unwrap_or("").trim().chars().take(254).collect() };
    let (actor, target_type, from, to) =
        (text("actor"), text("target_type"), text("from"), text("to"));
    let date = |s: &str| -> Result<Option<i64>, Error> {
        if s.is_empty() {
            return Ok(None);
        }
        audit_list::parse_local_date(s, &offset)
            .map(Some)
            .ok_or_else(|| Error::bad_request("Dates are written YYYY-MM-DD."))
    };
    let f = Filter {
        actor: (!actor.is_empty()).then(|| actor.clone()),
        target_type: (!target_type.is_empty()).then(|| target_type.clone()),
        from: date(&from)?,
        // The "to" day is included: up to the next local midnight.
        until: date(&to)?.map(|t| t + 86_400),
        before: match p.get("before") {
            None | Some("") => None,
            Some(b) => Some(
                b.parse()
                    .map_err(|_| Error::bad_request("That page does not exist."))?,
            ),
        },
        limit: PAGE,
    };
    let c = app.db.read()?;
    let rows = audit_list::list(&c, &f)?;
    let (actors, target_types) = audit_list::choices(&c)?;
    drop(c);
    let next = (rows.len() as i64 == PAGE).then(|| {
        let mut q: Vec<(String, String)> = Params::parse(req.query())
            .0
            .into_iter()
            .filter(|(k, _)| k != "before")
            .collect();
        q.push(("before".into(), rows[rows.len() - 1].id.to_string()));
        let enc: Vec<String> = q
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::views::shop::url_encode(k),
                    crate::views::shop::url_encode(v)
                )
            })
            .collect();
        format!("/admin/audit?{}", enc.join("&"))
    });
    let page = views::Page {
        rows: &rows,
        actors: &actors,
        target_types: &target_types,
        actor: &actor,
        target_type: &target_type,
        from: &from,
        to: &to,
        offset,
        next,
    };
    with_ctx(app, req, "", |ctx| html_page(200, views::audit(ctx, &page)))
}
