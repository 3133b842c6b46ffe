//! The owner's shipments page: every shipment with filters (awaiting pickup, in transit,
//! delivered, returning, needing attention) and a retry button where the courier
//! refused or could not be reached; the confirmed orders with no shipment yet, to create
//! many at once; and the log of tracking webhook deliveries.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use crate::shop::shipping::{Delivery, Filter, Listed, Step, Unshipped};
use crate::zone::Zone;
use maud::{Markup, html};

pub struct Page<'a> {
    pub filter: Filter,
    pub counts: &'a [(Filter, i64)],
    pub rows: &'a [Listed],
    pub unshipped: &'a [Unshipped],
    pub deliveries: &'a [Delivery],
    /// Why the courier cannot book now (None: it can).
    pub courier_problem: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub zone: Zone,
    pub csrf: &'a str,
}

pub fn list(ctx: &Ctx, p: &Page) -> Markup {
    let z = &p.zone;
    frame(
        ctx,
        "Shipments",
        "shipments",
        html! {
            h1 { "Shipments" }
            @if let Some(n) = p.notice { p.notice role="status" { (n) } }
            @if let Some(why) = p.courier_problem { p.notice { (why) } }
            nav.tabs aria-label="Filter shipments" {
                @for (f, n) in p.counts {
                    a.active[*f == p.filter] href={ "/admin/shipments" @if *f != Filter::All { "?filter=" (f.as_str()) } } { (f.label()) " (" (n) ")" }
                }
            }
            @if p.rows.is_empty() {
                p.muted { "No shipments here." }
            } @else {
                .table-wrap {
                    table.data #shipments {
                        thead { tr { th { "Order" } th { "Customer" } th { "State" } th { "Carrier · AWB" } th { "Updated" } th {} } }
                        tbody {
                            @for r in p.rows {
                                @let sh = &r.shipment;
                                tr data-state=(sh.state.as_str()) {
                                    td { a href={ "/admin/orders/" (r.number) } { (r.number) } br; small.muted { (if r.method == "cod" { "COD" } else { "prepaid" }) } }
                                    td { (r.name) br; small.muted { (r.city) } }
                                    td { strong { (sh.state.label()) }
                                        @if !sh.attention.is_empty() { br; small.error { (sh.attention) } }
                                        @else if sh.by_courier() && sh.step != Step::Done { br; small.muted { "next: " (sh.step.doing()) } } }
                                    td { @if sh.carrier.is_empty() { span.muted { "—" } } @else { (sh.carrier) } @if !sh.awb.is_empty() { br; small { (sh.awb) } } }
                                    td { (when(sh.updated_at, z)) }
                                    td.actions {
                                        @if !sh.label_url.is_empty() { a.button.small href={ "/admin/shipments/" (sh.id) "/label" } { "Label" } " " }
                                        @if sh.by_courier() && sh.step != Step::Done {
                                            (post_form(&format!("/admin/shipments/{}/retry", sh.id), p.csrf, "inline", html! { button.button.small type="submit" { "Retry" } }))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Confirmed orders to ship" }
            @if p.unshipped.is_empty() {
                p.muted { "Every confirmed order has a shipment." }
            } @else if p.courier_problem.is_some() {
                p.muted { (crate::shop::text::count_of(p.unshipped.len() as i64, "confirmed order", "confirmed orders")) " without a shipment: ship them by hand from their order page." }
            } @else {
                (post_form("/admin/shipments/create", p.csrf, "stack", html! {
                    .table-wrap {
                        table.data #unshipped {
                            thead { tr { th { "Ship" } th { "Order" } th { "Customer" } th { "Total" } th { "Placed" } } }
                            tbody {
                                @for u in p.unshipped {
                                    tr {
                                        td { input type="checkbox" name="order" value=(u.order_id) checked aria-label={ "Ship " (u.number) }; }
                                        td { a href={ "/admin/orders/" (u.number) } { (u.number) } }
                                        td { (u.name) br; small.muted { (u.city) } }
                                        td { (ctx.money.format(u.total)) @if u.method == "cod" { small.muted { " COD" } } }
                                        td { (when(u.created_at, z)) }
                                    }
                                }
                            }
                        }
                    }
                    button.button.primary #create-shipments type="submit" { "Create shipments with Shiprocket" }
                }))
            }
            h2 { "Tracking updates received" }
            p.muted { "Every call to the tracking webhook, newest first: refused ones (bad token, not JSON) change nothing." }
            @if p.deliveries.is_empty() {
                p.muted { "None yet." }
            } @else {
                .table-wrap {
                    table.data #deliveries {
                        thead { tr { th { "Received" } th { "AWB" } th { "Status" } th { "Token" } th { "What it did" } th { "Order" } } }
                        tbody {
                            @for d in p.deliveries {
                                tr {
                                    td { (when(d.received_at, z)) }
                                    td { (d.awb) }
                                    td { (d.status) }
                                    td { (if d.token_ok { "valid" } else { "refused" }) }
                                    td { @if d.duplicate { "repeat: " } (d.outcome) }
                                    td { @match &d.order_number { Some(n) => a href={ "/admin/orders/" (n) } { (n) }, None => span.muted { "—" } } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
