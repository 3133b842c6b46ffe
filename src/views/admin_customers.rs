//! The admin's customer pages: the searchable list and one customer's detail (orders,
//! lifetime value, addresses, sign-in history) with the owner's promote / demote form.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use crate::admin_data::customers::{Detail, Row};
use crate::zone::Zone;
use maud::{Markup, html};

pub fn list(ctx: &Ctx, rows: &[Row], q: &str, offset: &Zone, next: Option<String>) -> Markup {
    frame(
        ctx,
        "Customers",
        "customers",
        html! {
            h1 { "Customers" }
            form.filters method="get" action="/admin/customers" {
                input type="search" name="q" value=(q) placeholder="Name, email or phone" aria-label="Search customers";
                button.button type="submit" { "Search" }
            }
            @if rows.is_empty() {
                p.muted { "No customers found." }
            } @else {
                table.data.customers {
                    thead { tr { th { "Email" } th { "Name" } th { "Phone" } th { "Role" } th { "Orders" } th { "Since" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { a href={ "/admin/customers/" (r.id) } { (r.email) } }
                                td { (r.name) }
                                td { (r.phone) }
                                td { (r.role) }
                                td { (r.orders) }
                                td { (when(r.created_at, offset)) }
                            }
                        }
                    }
                }
                @if let Some(n) = next { p { a.button.ghost href=(n) { "More customers →" } } }
            }
        },
    )
}

/// `can_manage`: the viewer is the owner (only owners see the role form).
pub fn detail(ctx: &Ctx, csrf: &str, d: &Detail, can_manage: bool, offset: &Zone) -> Markup {
    let c = &d.customer;
    let m = &ctx.money;
    frame(
        ctx,
        &c.email,
        "customers",
        html! {
            p { a href="/admin/customers" { "← All customers" } }
            h1 { (c.email) }
            dl.facts {
                dt { "Name" } dd { (c.name) }
                dt { "Phone" } dd { (c.phone) }
                dt { "Role" } dd.role { (c.role) }
                dt { "Customer since" } dd { (when(c.created_at, offset)) }
                dt { "Orders" } dd { (d.order_count) }
                dt { "Lifetime value" } dd.lifetime { (m.format(d.lifetime_value)) }
            }
            @if can_manage && c.role != "owner" {
                @let (role, label) = if c.role == "staff" { ("customer", "Remove staff access") } else { ("staff", "Promote to staff") };
                (post_form(&format!("/admin/customers/{}/role", c.id), csrf, "inline", html! {
                    input type="hidden" name="role" value=(role);
                    button.button type="submit" { (label) }
                }))
            }
            h2 { "Orders" }
            @if d.orders.is_empty() {
                p.muted { "No orders." }
            } @else {
                table.data {
                    thead { tr { th { "Order" } th { "Placed" } th { "Status" } th { "Payment" } th { "Total" } } }
                    tbody {
                        @for o in &d.orders {
                            tr {
                                td { a href={ "/admin/orders/" (o.number) } { (o.number) } }
                                td { (when(o.created_at, offset)) }
                                td { (o.status.replace('_', " ")) }
                                td { (o.payment_status.replace('_', " ")) }
                                td { (m.format(o.total)) }
                            }
                        }
                    }
                }
            }
            h2 { "Addresses" }
            @if d.addresses.is_empty() {
                p.muted { "No saved addresses." }
            } @else {
                ul.addresses {
                    @for a in &d.addresses {
                        li {
                            (a.name) ", " (a.line1)
                            @if !a.line2.is_empty() { ", " (a.line2) }
                            ", " (a.city) " " (a.postal_code) ", " (a.country) " · " (a.phone)
                            @if a.is_default { " (default)" }
                        }
                    }
                }
            }
            h2 { "Sign-in history" }
            @if d.sign_ins.is_empty() {
                p.muted { "Never signed in." }
            } @else {
                table.data.sign-ins {
                    thead { tr { th { "When" } th { "What" } th { "IP" } th { "Browser" } } }
                    tbody {
                        @for s in &d.sign_ins {
                            tr { td { (when(s.at, offset)) } td { (s.how) } td { (s.ip) } td.muted { (s.detail) } }
                        }
                    }
                }
            }
        },
    )
}
