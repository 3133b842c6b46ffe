//! The owner's payments page: every webhook delivery from the card gateways (when, which
//! gateway, event id and type, signature, duplicate, what it did, the order it touched),
//! with filters, and one delivery with its raw body. The card attempts still waiting for
//! their money are listed on top, so a payment whose webhook never came is seen.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use crate::shop::payments::{Attempt, LoggedEvent};
use crate::zone::Zone;
use maud::{Markup, html};

pub struct Page<'a> {
    pub rows: &'a [LoggedEvent],
    pub waiting: &'a [(Attempt, String)],
    pub gateway: &'a str,
    pub only: &'a str,
    pub order: &'a str,
    pub zone: Zone,
    pub csrf: &'a str,
}

fn order_link(number: &Option<String>) -> Markup {
    html! {
        @match number {
            Some(n) => a href={ "/admin/orders/" (n) } { (n) },
            None => span.muted { "—" },
        }
    }
}

pub fn list(ctx: &Ctx, p: &Page) -> Markup {
    let z = &p.zone;
    frame(
        ctx,
        "Payments",
        "payments",
        html! {
            h1 { "Payments" }
            h2 { "Card payments waiting" }
            p.muted { "Card orders still waiting for their payment, and those closed in the last week when their payment window ran out while a payment page was open: if a payment went through but its webhook never came, re-check it with the gateway." }
            @if p.waiting.is_empty() {
                p.muted { "No card payment is waiting." }
            } @else {
                table.data {
                    thead { tr { th { "Order" } th { "Gateway" } th { "Since" } th { "State" } th { "Last word from the gateway" } th {} } }
                    tbody {
                        @for (a, number) in p.waiting {
                            tr {
                                td { a href={ "/admin/orders/" (number) } { (number) } }
                                td { (a.gateway.label()) }
                                td { (when(a.created_at, z)) }
                                td { (a.status) }
                                td.muted { (a.last_error.as_deref().unwrap_or("")) }
                                td { @if a.remote_id.is_some() { (post_form(&format!("/admin/orders/{number}/recheck"), p.csrf, "inline", html! { button.button.small type="submit" { "Re-check" } })) } }
                            }
                        }
                    }
                }
            }
            h2 { "Webhook deliveries" }
            form.filters method="get" action="/admin/payments" {
                label { "Gateway "
                    select name="gateway" {
                        option value="" selected[p.gateway.is_empty()] { "All" }
                        option value="razorpay" selected[p.gateway == "razorpay"] { "Razorpay" }
                        option value="stripe" selected[p.gateway == "stripe"] { "Stripe" }
                    }
                }
                label { "Show "
                    select name="only" {
                        option value="" selected[p.only.is_empty()] { "Every delivery" }
                        option value="rejected" selected[p.only == "rejected"] { "Refused (bad signature)" }
                        option value="duplicate" selected[p.only == "duplicate"] { "Repeats" }
                    }
                }
                label { "Order " input type="text" name="order" value=(p.order) size="12"; }
                button.button type="submit" { "Filter" }
            }
            @if p.rows.is_empty() {
                p.muted { "No deliveries here." }
            } @else {
                table.data {
                    thead { tr { th { "Received" } th { "Gateway" } th { "Event" } th { "Signature" } th { "Order" } th { "What it did" } } }
                    tbody {
                        @for e in p.rows {
                            tr {
                                td { a href={ "/admin/payments/" (e.id) } { (when(e.received_at, z)) } }
                                td { (e.gateway) }
                                td { (e.event_type) @if e.duplicate { " " span.status.dead { "repeat" } } }
                                td { @if e.signature_ok { "valid" } @else { span.status.failed { "refused" } } }
                                td { (order_link(&e.order_number)) }
                                td.muted { (e.outcome) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn detail(ctx: &Ctx, e: &LoggedEvent, zone: &Zone) -> Markup {
    let body = super::format::pretty_json(&e.payload);
    frame(
        ctx,
        "Webhook delivery",
        "payments",
        html! {
            p { a href="/admin/payments" { "← All deliveries" } }
            h1 { "Webhook delivery #" (e.id) }
            dl.facts {
                dt { "Received" } dd { (when(e.received_at, zone)) }
                dt { "Gateway" } dd { (e.gateway) }
                dt { "Event id" } dd { (e.event_id.as_deref().unwrap_or("—")) }
                dt { "Type" } dd { (e.event_type) }
                dt { "Signature" } dd { @if e.signature_ok { "valid" } @else { "refused" } }
                dt { "Repeat" } dd { @if e.duplicate { "yes: an earlier delivery of this event acted" } @else { "no" } }
                dt { "Order" } dd { (order_link(&e.order_number)) }
                dt { "What it did" } dd { (e.outcome) }
            }
            h2 { "Body as received" }
            pre.mail { (body) }
        },
    )
}
