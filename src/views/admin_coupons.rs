//! The owner's coupon screens: the list with usage, discount given and revenue per coupon
//! and the create form; one coupon with its edit form and disable/enable.

use super::admin::{frame, when};
use super::admin_merch::local_input;
use super::form::post_form;
use super::layout::Ctx;
use crate::admin_data::coupons::Usage;
use crate::shop::cart::coupons::Coupon;
use crate::zone::Zone;
use maud::{Markup, html};

const KINDS: [(&str, &str); 3] = [
    ("percent", "Percent off"),
    ("fixed", "Amount off"),
    ("free_shipping", "Free shipping"),
];

fn effect(ctx: &Ctx, k: &Coupon) -> String {
    match k.kind.as_str() {
        "percent" => format!("{}% off", k.value),
        "fixed" => format!("{} off", ctx.money.format(k.value)),
        _ => "Free shipping".into(),
    }
}

fn fields(ctx: &Ctx, k: Option<&Coupon>, offset: &Zone) -> Markup {
    let value = k
        .map(|k| match k.kind.as_str() {
            "fixed" => ctx.money.plain(k.value),
            _ => k.value.to_string(),
        })
        .unwrap_or_default();
    html! {
        .row {
            label.field { span { "Kind" }
                select name="kind" { @for (v, l) in KINDS { option value=(v) selected[k.is_some_and(|k| k.kind == v)] { (l) } } }
            }
            label.field { span { "Value (percent, or amount)" } input type="text" inputmode="decimal" name="value" value=(value); }
            label.field { span { "Minimum subtotal" } input type="text" inputmode="decimal" name="min_subtotal" value=(k.map(|k| ctx.money.plain(k.min_subtotal)).unwrap_or_default()); }
        }
        .row {
            label.field { span { "Starts (empty: now)" } input type="datetime-local" name="starts" value=(local_input(k.and_then(|k| k.starts_at), offset)); }
            label.field { span { "Ends (empty: never)" } input type="datetime-local" name="ends" value=(local_input(k.and_then(|k| k.ends_at), offset)); }
        }
        .row {
            label.field { span { "Total uses allowed (empty: no limit)" } input type="number" min="0" name="max_redemptions" value=(k.and_then(|k| k.max_redemptions).map(|n| n.to_string()).unwrap_or_default()); }
            label.field { span { "Uses per email (empty: no limit)" } input type="number" min="1" name="per_customer" value=(k.and_then(|k| k.per_customer).map(|n| n.to_string()).unwrap_or_default()); }
        }
    }
}

pub fn list(ctx: &Ctx, csrf: &str, rows: &[Usage], offset: &Zone, error: Option<&str>) -> Markup {
    frame(
        ctx,
        "Coupons",
        "coupons",
        html! {
            h1 { "Coupons" }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            @if rows.is_empty() {
                p.muted { "No coupons yet." }
            } @else {
                table.data.coupons {
                    thead { tr { th { "Code" } th { "Effect" } th { "Runs" } th { "Uses" } th { "Discount given" } th { "Paid orders" } th { "Revenue" } th { "Status" } } }
                    tbody {
                        @for u in rows {
                            @let k = &u.coupon;
                            tr id={ "coupon-" (k.code) } {
                                td { a href={ "/admin/coupons/" (k.id) } { (k.code) } }
                                td { (effect(ctx, k)) @if k.min_subtotal > 0 { br; small.muted { "over " (ctx.money.format(k.min_subtotal)) } } }
                                td { @match (k.starts_at, k.ends_at) {
                                    (None, None) => "always",
                                    (s, e) => { (s.map(|s| when(s, offset)).unwrap_or_default()) " – " (e.map(|e| when(e, offset)).unwrap_or_default()) }
                                } }
                                td.uses { (u.uses) @if let Some(m) = k.max_redemptions { " / " (m) } }
                                td.discount { (ctx.money.format(u.discount)) }
                                td.paid { (u.paid_orders) }
                                td.revenue { (ctx.money.format(u.revenue)) }
                                td { span.status { (if k.active { "active" } else { "disabled" }) } }
                            }
                        }
                    }
                }
            }
            h2 { "New coupon" }
            (post_form("/admin/coupons", csrf, "stack", html! {
                label.field { span { "Code" } input type="text" name="code" required maxlength="40" placeholder="SUMMER10"; }
                (fields(ctx, None, offset))
                button.button type="submit" { "Create coupon" }
            }))
        },
    )
}

pub fn detail(ctx: &Ctx, csrf: &str, u: &Usage, offset: &Zone, error: Option<&str>) -> Markup {
    let k = &u.coupon;
    let base = format!("/admin/coupons/{}", k.id);
    frame(
        ctx,
        &k.code,
        "coupons",
        html! {
            p { a href="/admin/coupons" { "← Coupons" } }
            h1 { (k.code) " " span.status { (if k.active { "active" } else { "disabled" }) } }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            ul.stats {
                li { strong { (u.uses) } span { "uses" } }
                li { strong { (ctx.money.format(u.discount)) } span { "discount given" } }
                li { strong { (u.paid_orders) } span { "paid orders" } }
                li { strong { (ctx.money.format(u.revenue)) } span { "revenue" } }
            }
            (post_form(&format!("{base}/{}", if k.active { "disable" } else { "enable" }), csrf, "inline", html! {
                button.button.ghost type="submit" { (if k.active { "Disable" } else { "Enable" }) }
            }))
            h2 { "Edit" }
            (post_form(&base, csrf, "stack", html! {
                (fields(ctx, Some(k), offset))
                button.button type="submit" { "Save coupon" }
            }))
        },
    )
}
