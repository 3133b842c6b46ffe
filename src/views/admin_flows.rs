//! The owner's follow-ups page: for each flow (back in stock, price drop, abandoned
//! checkout, reorder reminder) whether it is on and its delay, what it sent and passed
//! over in the last 30 days, how many links were followed, and the orders (and revenue)
//! placed from them; the back-in-stock requests waiting; the latest sends.

use super::admin::{frame, when};
use super::layout::Ctx;
use crate::shop::follow_ups::{FlowStats, Sent, flow_label};
use crate::zone::Zone;
use maud::{Markup, html};

pub struct Page<'a> {
    pub stats: &'a [FlowStats],
    /// (flow, "on, after 4 hours" / "off"), in the same order.
    pub settings: &'a [(&'static str, String)],
    pub recent: &'a [Sent],
    /// Back-in-stock requests: (unconfirmed, waiting, told).
    pub alerts: (i64, i64, i64),
    pub consenting: i64,
    pub filter: Option<&'a str>,
    pub zone: Zone,
}

pub fn page(ctx: &Ctx, p: &Page) -> Markup {
    let z = &p.zone;
    frame(
        ctx,
        "Follow-up mails",
        "flows",
        html! {
            h1 { "Follow-up mails" }
            p.muted { "The last 30 days. A link followed and an order placed from the bag it filled count for the mail that carried the link. "
                (p.consenting) " " (if p.consenting == 1 { "address has" } else { "addresses have" }) " agreed to marketing mail." }
            .table-wrap {
                table.data #flows {
                    thead { tr { th { "Flow" } th { "Setting" } th { "Sent" } th { "Passed over" } th { "Links followed" } th { "Orders" } th { "Revenue" } } }
                    tbody {
                        @for (s, (_, setting)) in p.stats.iter().zip(p.settings) {
                            tr data-flow=(s.flow) {
                                td { a href={ "/admin/flows?flow=" (s.flow) } { (flow_label(&s.flow)) } }
                                td { (setting) }
                                td { (s.sent) }
                                td { (s.skipped) }
                                td { (s.clicked) }
                                td { (s.orders) }
                                td { (ctx.money.format(s.revenue)) }
                            }
                        }
                    }
                }
            }
            p { "Back-in-stock requests: " (p.alerts.1) " waiting, " (p.alerts.0) " not confirmed yet, " (p.alerts.2) " told." }
            h2 { @if let Some(f) = p.filter { (flow_label(f)) ": latest" } @else { "Latest" } }
            @if p.recent.is_empty() {
                p.muted { "Nothing sent yet." }
            } @else {
                .table-wrap {
                    table.data #sends {
                        thead { tr { th { "When" } th { "Flow" } th { "To" } th { "What happened" } } }
                        tbody {
                            @for r in p.recent {
                                tr {
                                    td { (when(r.at, z)) }
                                    td { (flow_label(&r.flow)) }
                                    td { (r.email) }
                                    td {
                                        @if r.status == "skipped" { "Not sent: " (r.reason) }
                                        @else if let Some(n) = &r.order_number { "Sent · ordered " a href={ "/admin/orders/" (n) } { (n) } }
                                        @else if r.clicked_at.is_some() { "Sent · link followed" }
                                        @else { "Sent" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
