//! The CSV pages: exports (links with a date range for orders) and the product import
//! with its dry-run table (one line per row: create, update with what changes, unchanged,
//! or the error) and the button that applies it.

use super::admin::frame;
use super::form::upload_form;
use super::layout::Ctx;
use crate::admin_data::csv_io::{Action, PRODUCT_COLUMNS, Plan};
use maud::{Markup, html};

pub struct ImportPage<'a> {
    pub csrf: &'a str,
    pub plan: Option<&'a Plan>,
    /// After a dry run: the same file can be applied (the shopkeeper picks it again).
    pub applied: bool,
    pub error: Option<&'a str>,
    pub today: &'a str,
    pub month_ago: &'a str,
}

pub fn page(ctx: &Ctx, p: &ImportPage) -> Markup {
    frame(
        ctx,
        "Import and export",
        "imports",
        html! {
            h1 { "Import and export" }
            h2 { "Export" }
            p { a.button href="/admin/exports/products.csv" { "Products CSV (one row per variant)" } }
            form.row.filters method="get" action="/admin/exports/orders.csv" {
                label.field { span { "Orders from" } input type="date" name="from" value=(p.month_ago); }
                label.field { span { "to" } input type="date" name="to" value=(p.today); }
                button.button type="submit" { "Orders CSV" }
            }
            h2 { "Import products" }
            p.muted { "Columns: " (PRODUCT_COLUMNS.join(", ")) ". Prices in the store's currency (1299 or 1299.50); stock is the new count (changes go to the stock ledger). A product's rows share its handle; an unknown handle or SKU creates it." }
            @if let Some(e) = p.error { p.notice.error role="alert" { (e) } }
            @if p.applied { p.notice role="status" { "Imported." } }
            (upload_form("/admin/imports/products", p.csrf, "stack", html! {
                label.field { span { "CSV file" } input type="file" name="file" accept=".csv,text/csv" required; }
                .row {
                    button.button name="mode" value="preview" type="submit" { "Preview (changes nothing)" }
                    button.button.primary name="mode" value="apply" type="submit" { "Import" }
                }
            }))
            @if let Some(plan) = p.plan {
                h2 #plan { "What the file does" }
                p {
                    (plan.count(|a| *a == Action::Create)) " to create · "
                    (plan.count(|a| matches!(a, Action::Update(_)))) " to update · "
                    (plan.count(|a| *a == Action::Unchanged)) " unchanged · "
                    strong { (plan.errors()) " with errors" }
                }
                table.data {
                    thead { tr { th { "Line" } th { "Handle" } th { "SKU" } th { "What happens" } } }
                    tbody {
                        @for r in &plan.rows {
                            tr {
                                td { (r.line) } td { (r.handle) } td { (r.sku) }
                                td {
                                    @match &r.action {
                                        Action::Create => "create",
                                        Action::Update(what) => { "update: " (what.join(", ")) },
                                        Action::Unchanged => span.muted { "unchanged" },
                                        Action::Error(e) => strong.issue { "error: " (e) },
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
