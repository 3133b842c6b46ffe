//! The owner's stock screens: the adjustment form (by SKU) with the low-stock list, and one
//! variant's ledger (who, when, why, delta, resulting stock) with its own adjustment form.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use crate::shop::catalog::stock::{Item, LedgerRow, REASONS};
use crate::zone::Zone;
use maud::{Markup, html};

fn reason_help(r: &str) -> &'static str {
    match r {
        "received" => "received (adds)",
        "damaged" => "damaged (takes away)",
        "correction" => "correction (+/−)",
        _ => "count (sets to the counted number)",
    }
}

fn adjust_form(csrf: &str, sku: Option<&str>) -> Markup {
    post_form(
        "/admin/stock/adjust",
        csrf,
        "row",
        html! {
            @match sku {
                Some(s) => input type="hidden" name="sku" value=(s);,
                None => label.field { span { "SKU" } input type="text" name="sku" required maxlength="64"; },
            }
            label.field { span { "Reason" }
                select name="reason" { @for r in REASONS { option value=(r) { (reason_help(r)) } } }
            }
            label.field { span { "Quantity" } input type="number" name="qty" required size="5"; }
            label.field { span { "Note" } input type="text" name="note" maxlength="300"; }
            button.button type="submit" { "Adjust" }
        },
    )
}

fn options(it: &Item) -> String {
    it.options.join(" / ")
}

pub fn overview(ctx: &Ctx, csrf: &str, low: &[Item], error: Option<&str>) -> Markup {
    frame(
        ctx,
        "Stock",
        "stock",
        html! {
            h1 { "Stock" }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            h2 { "Adjust" }
            (adjust_form(csrf, None))
            h2 id="low" { "Low stock" }
            @if low.is_empty() {
                p.muted { "Nothing is at or below its threshold." }
            } @else {
                table.data {
                    thead { tr { th { "Product" } th { "SKU" } th { "Stock" } th { "Threshold" } } }
                    tbody {
                        @for it in low {
                            tr {
                                td { a href={ "/admin/products/" (it.product_id) } { (it.title) } @if !it.options.is_empty() { br; small.muted { (options(it)) } } }
                                td { a href={ "/admin/stock/" (it.variant_id) } { (it.sku) } }
                                td { strong { (it.stock) } }
                                td { (it.threshold) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn variant(
    ctx: &Ctx,
    csrf: &str,
    it: &Item,
    rows: &[LedgerRow],
    offset: &Zone,
    error: Option<&str>,
) -> Markup {
    frame(
        ctx,
        &it.sku,
        "stock",
        html! {
            p { a href="/admin/stock" { "← Stock" } }
            h1 { (it.title) " · " (it.sku) }
            @if !it.options.is_empty() { p.muted { (options(it)) } }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            dl.facts {
                dt { "In stock" } dd { strong id="stock" { (it.stock) } }
                dt { "Low-stock threshold" } dd { (it.threshold) }
            }
            (adjust_form(csrf, Some(&it.sku)))
            h2 { "Ledger" }
            table.data.ledger {
                thead { tr { th { "When" } th { "Who" } th { "Why" } th { "Change" } th { "Stock after" } th { "Note" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (when(r.at, offset)) }
                            td { (r.actor) }
                            td { (r.reason) }
                            td { (format!("{:+}", r.delta)) }
                            td { (r.stock_after) }
                            td { (r.note) @if let Some(x) = &r.reference { " " a href={ "/admin/orders/" (x) } { (x) } } }
                        }
                    }
                }
            }
        },
    )
}
