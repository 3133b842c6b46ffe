//! The audit log page: filters (actor, target type, local date range) and one page of
//! entries, newest first, with a link to the next (older) page.

use super::admin::{frame, when};
use super::layout::Ctx;
use crate::admin_data::audit_list::Entry;
use crate::zone::Zone;
use maud::{Markup, html};

pub struct Page<'a> {
    pub rows: &'a [Entry],
    pub actors: &'a [String],
    pub target_types: &'a [String],
    pub actor: &'a str,
    pub target_type: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub offset: Zone,
    /// The address of the next (older) page, if there is one.
    pub next: Option<String>,
}

fn target_link(e: &Entry) -> Option<String> {
    match e.target_type.as_str() {
        "order" => Some(format!("/admin/orders/{}", e.target)),
        "customer" => Some(format!("/admin/customers/{}", e.target)),
        _ => None,
    }
}

pub fn audit(ctx: &Ctx, p: &Page) -> Markup {
    frame(
        ctx,
        "Audit log",
        "audit",
        html! {
            h1 { "Audit log" }
            form.filters method="get" action="/admin/audit" {
                label { "Who "
                    select name="actor" {
                        option value="" { "anyone" }
                        @for a in p.actors { option value=(a) selected[a == p.actor] { (a) } }
                    }
                }
                label { "What "
                    select name="target_type" {
                        option value="" { "anything" }
                        @for t in p.target_types { option value=(t) selected[t == p.target_type] { (t) } }
                    }
                }
                label { "From " input type="date" name="from" value=(p.from); }
                label { "To " input type="date" name="to" value=(p.to); }
                button.button type="submit" { "Filter" }
                " " a href="/admin/audit" { "Clear" }
            }
            @if p.rows.is_empty() {
                p.muted { "No entries." }
            } @else {
                table.data.audit {
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Target" } th { "Change" } } }
                    tbody {
                        @for e in p.rows {
                            tr data-id=(e.id) {
                                td { (when(e.at, &p.offset)) }
                                td { (e.actor) }
                                td { code { (e.action) } }
                                td {
                                    (e.target_type) " "
                                    @if let Some(href) = target_link(e) { a href=(href) { (e.target) } } @else { (e.target) }
                                }
                                td { (e.summary) }
                            }
                        }
                    }
                }
                @if let Some(n) = &p.next { p { a.button.ghost href=(n) { "Older entries →" } } }
            }
        },
    )
}
