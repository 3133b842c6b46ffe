//! The owner's product screens: the list (search, filters, cursor, and one small form per
//! variant row for the inline price/stock edit), the new-product form that generates the
//! variant matrix from option values, and the edit page (fields, SEO, status, variants,
//! images, delete). Pure functions of the structs `shop::catalog::admin` returns.

use super::admin::frame;
use super::form::{post_form, upload_form};
use super::layout::{Ctx, image_url};
use crate::shop::catalog::Category;
use crate::shop::catalog::admin::{Editable, Filter, Row};
use maud::{Markup, html};

const STATUSES: [&str; 3] = ["active", "draft", "archived"];

fn category_options(cats: &[Category], chosen: Option<i64>) -> Markup {
    html! {
        @for c in cats {
            option value=(c.id) selected[chosen == Some(c.id)] {
                @if c.parent_id.is_some() { "— " } (c.name)
            }
        }
    }
}

pub struct ListPage<'a> {
    pub rows: &'a [Row],
    pub filter: &'a Filter,
    pub categories: &'a [Category],
    pub csrf: &'a str,
    pub next: Option<String>,
    pub store_threshold: i64,
    pub error: Option<&'a str>,
    /// The list's own query (search, filters, page): inline edits come back to it.
    pub back: &'a str,
}

pub fn list(ctx: &Ctx, p: &ListPage) -> Markup {
    let f = p.filter;
    frame(
        ctx,
        "Products",
        "products",
        html! {
            h1 { "Products" }
            p { a.button href="/admin/products/new" { "New product" } }
            @if let Some(e) = p.error { p.notice.error role="alert" { (e) } }
            form.row.filters method="get" action="/admin/products" {
                label.field { span.vh { "Search" } input type="search" name="q" value=(f.q) placeholder="Title or SKU"; }
                label.field { span.vh { "Status" }
                    select name="status" {
                        option value="" { "Any status" }
                        @for s in STATUSES { option value=(s) selected[f.status.as_deref() == Some(s)] { (s) } }
                    }
                }
                label.field { span.vh { "Category" }
                    select name="category" {
                        option value="" { "Any category" }
                        (category_options(p.categories, f.category_id))
                    }
                }
                label.check { input type="checkbox" name="low" value="1" checked[f.low_stock]; " Low stock" }
                button.button type="submit" { "Filter" }
            }
            @if p.rows.is_empty() {
                p.muted { "No products match." }
            } @else {
                table.data.products {
                    thead { tr { th { "Product" } th { "Status" } th { "Variant" } th { "Price and stock" } } }
                    tbody {
                        @for r in p.rows {
                            @for (i, v) in r.variants.iter().enumerate() {
                                @let low = v.stock <= v.low_stock_threshold.unwrap_or(p.store_threshold);
                                tr {
                                    @if i == 0 {
                                        td rowspan=(r.variants.len()) {
                                            a href={ "/admin/products/" (r.id) } { (r.title) }
                                            br; small.muted { "/p/" (r.slug) @if let Some(c) = &r.category { " · " (c) } }
                                        }
                                        td rowspan=(r.variants.len()) { span.status { (r.status) } }
                                    }
                                    td { (v.sku) @if !v.options.is_empty() { br; small.muted { (v.options.join(" / ")) } } @if low { " " span.status.low { "low" } } }
                                    td {
                                        (post_form(&format!("/admin/products/inline/{}", v.id), p.csrf, "row inline", html! {
                                            input type="hidden" name="back" value=(p.back);
                                            label.field { span.vh { "Price of " (v.sku) } input type="text" inputmode="decimal" name="price" size="8" value=(ctx.money.plain(v.price)); }
                                            label.field { span.vh { "Stock of " (v.sku) } input type="number" min="0" name="stock" size="5" value=(v.stock); }
                                            button.button.small type="submit" { "Save" }
                                        }))
                                    }
                                }
                            }
                            @if r.variants.is_empty() {
                                tr {
                                    td { a href={ "/admin/products/" (r.id) } { (r.title) } }
                                    td { span.status { (r.status) } }
                                    td.muted colspan="2" { "No variants" }
                                }
                            }
                        }
                    }
                }
                @if let Some(n) = &p.next { p { a.button.ghost href=(n) { "More products →" } } }
            }
        },
    )
}

/// What the new-product form shows (the last attempt's values after an error).
#[derive(Debug, Clone, Default)]
pub struct NewForm {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub status: String,
    pub category_id: Option<i64>,
    pub option_names: [String; 3],
    pub option_values: [String; 3],
    pub sku_prefix: String,
    pub price: String,
    pub compare_at: String,
    pub stock: String,
    pub threshold: String,
    pub weight: String,
    pub seo_title: String,
    pub seo_description: String,
}

fn seo_fields(title: &str, description: &str) -> Markup {
    html! {
        fieldset {
            legend { "Search engines" }
            label.field { span { "SEO title" } input type="text" name="seo_title" maxlength="200" value=(title); }
            label.field { span { "SEO description" } textarea name="seo_description" rows="2" maxlength="400" { (description) } }
        }
    }
}

pub fn new_product(
    ctx: &Ctx,
    csrf: &str,
    cats: &[Category],
    f: &NewForm,
    error: Option<&str>,
) -> Markup {
    frame(
        ctx,
        "New product",
        "products",
        html! {
            p { a href="/admin/products" { "← All products" } }
            h1 { "New product" }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            (post_form("/admin/products", csrf, "stack", html! {
                label.field { span { "Title" } input type="text" name="title" required maxlength="200" value=(f.title); }
                label.field { span { "Address (slug, made from the title when empty)" } input type="text" name="slug" maxlength="120" value=(f.slug); }
                label.field { span { "Description" } textarea name="description" rows="5" { (f.description) } }
                label.field { span { "Category" }
                    select name="category" { option value="" { "None" } (category_options(cats, f.category_id)) }
                }
                label.field { span { "Status" }
                    select name="status" {
                        @for s in ["draft", "active"] { option value=(s) selected[f.status == s] { (s) } }
                    }
                }
                fieldset {
                    legend { "Options (each value list separated by commas: every combination becomes a variant)" }
                    @for i in 0..3 {
                        .row {
                            label.field { span { "Option " (i + 1) " name" } input type="text" name={ "option" (i + 1) "_name" } placeholder=(["Size", "Colour", "Material"][i]) value=(f.option_names[i]); }
                            label.field { span { "Values" } input type="text" name={ "option" (i + 1) "_values" } placeholder=(["S, M, L", "Red, Blue", "Cotton, Linen"][i]) value=(f.option_values[i]); }
                        }
                    }
                }
                fieldset {
                    legend { "Every variant starts with (edit each one afterwards)" }
                    .row {
                        label.field { span { "SKU prefix" } input type="text" name="sku_prefix" maxlength="40" value=(f.sku_prefix); }
                        label.field { span { "Price" } input type="text" inputmode="decimal" name="price" required value=(f.price); }
                        label.field { span { "Compare-at price" } input type="text" inputmode="decimal" name="compare_at" value=(f.compare_at); }
                    }
                    .row {
                        label.field { span { "Stock" } input type="number" min="0" name="stock" value=(f.stock); }
                        label.field { span { "Low-stock threshold" } input type="number" min="0" name="threshold" value=(f.threshold); }
                        label.field { span { "Weight (g)" } input type="number" min="0" name="weight" value=(f.weight); }
                    }
                }
                (seo_fields(&f.seo_title, &f.seo_description))
                button.button type="submit" { "Create product" }
            }))
        },
    )
}

pub fn edit(ctx: &Ctx, csrf: &str, cats: &[Category], p: &Editable, error: Option<&str>) -> Markup {
    let base = format!("/admin/products/{}", p.id);
    frame(
        ctx,
        &p.title,
        "products",
        html! {
            p { a href="/admin/products" { "← All products" } }
            h1 { (p.title) " " span.status { (p.status) } }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            p { a href={ "/p/" (p.slug) } { "View in the shop" } }
            .row {
                @for s in STATUSES {
                    @if s != p.status {
                        (post_form(&format!("{base}/status"), csrf, "inline", html! {
                            input type="hidden" name="status" value=(s);
                            button.button.ghost type="submit" { (match s { "active" => "Publish", "draft" => "Move to draft", _ => "Archive" }) }
                        }))
                    }
                }
            }
            h2 { "Details" }
            (post_form(&base, csrf, "stack", html! {
                label.field { span { "Title" } input type="text" name="title" required maxlength="200" value=(p.title); }
                label.field { span { "Address (slug)" } input type="text" name="slug" required maxlength="120" value=(p.slug); }
                label.field { span { "Description" } textarea name="description" rows="6" { (p.description) } }
                label.field { span { "Category" }
                    select name="category" { option value="" { "None" } (category_options(cats, p.category_id)) }
                }
                label.field { span { "Status" }
                    select name="status" { @for s in STATUSES { option value=(s) selected[p.status == s] { (s) } } }
                }
                label.check { input type="checkbox" name="featured" value="1" checked[p.featured]; " Featured on the home page" }
                label.check { input type="checkbox" name="consumable" value="1" checked[p.consumable]; " Consumable: shoppers run out of it (a reorder reminder follows delivery)" }
                (seo_fields(&p.seo_title, &p.seo_description))
                button.button type="submit" { "Save details" }
            }))
            h2 { "Variants" }
            @if !p.option_names.is_empty() { p.muted { "Options: " (p.option_names.join(" × ")) } }
            (post_form(&format!("{base}/variants"), csrf, "", html! {
                table.data {
                    thead { tr { th { "Variant" } th { "SKU" } th { "Price" } th { "Compare-at" } th { "Stock" } th { "Low at" } th { "Weight (g)" } } }
                    tbody {
                        @for v in &p.variants {
                            tr {
                                td { input type="hidden" name="variant" value=(v.id); (if v.options.is_empty() { "Default".to_string() } else { v.options.join(" / ") }) }
                                td { input type="text" name={ "sku_" (v.id) } maxlength="64" size="14" value=(v.sku); }
                                td { input type="text" inputmode="decimal" name={ "price_" (v.id) } size="8" value=(ctx.money.plain(v.price)); }
                                td { input type="text" inputmode="decimal" name={ "compare_" (v.id) } size="8" value=(v.compare_at.map(|c| ctx.money.plain(c)).unwrap_or_default()); }
                                td { input type="number" min="0" name={ "stock_" (v.id) } size="5" value=(v.stock); }
                                td { input type="number" min="0" name={ "threshold_" (v.id) } size="4" value=(v.low_stock_threshold.map(|t| t.to_string()).unwrap_or_default()); }
                                td { input type="number" min="0" name={ "weight_" (v.id) } size="6" value=(v.weight_grams); }
                            }
                        }
                    }
                }
                button.button type="submit" { "Save variants" }
            }))
            @for v in p.variants.iter().filter(|_| p.variants.len() > 1) {
                (post_form(&format!("{base}/variants/{}/archive", v.id), csrf, "inline", html! {
                    button.button.ghost.small type="submit" { "Archive " (v.sku) }
                }))
            }
            h3 { "Add a variant" }
            (post_form(&format!("{base}/variants/add"), csrf, "row", html! {
                @for name in &p.option_names {
                    label.field { span { (name) } input type="text" name="option" required maxlength="60"; }
                }
                label.field { span { "SKU" } input type="text" name="sku" required maxlength="64" size="14"; }
                label.field { span { "Price" } input type="text" inputmode="decimal" name="price" required size="8"; }
                label.field { span { "Compare-at" } input type="text" inputmode="decimal" name="compare_at" size="8"; }
                label.field { span { "Stock" } input type="number" min="0" name="stock" size="5"; }
                label.field { span { "Low at" } input type="number" min="0" name="threshold" size="4"; }
                label.field { span { "Weight (g)" } input type="number" min="0" name="weight" size="6"; }
                button.button type="submit" { "Add variant" }
            }))
            h2 { "Images" }
            @if p.images.is_empty() {
                p.muted { "No images yet." }
            } @else {
                (post_form(&format!("{base}/images/update"), csrf, "", html! {
                    table.data {
                        thead { tr { th { "Image" } th { "Position" } th { "Alt text" } } }
                        tbody {
                            @for im in &p.images {
                                tr {
                                    td { input type="hidden" name="image" value=(im.image_id); img src=(image_url(&im.hash, "160")) width="80" alt=(im.alt); }
                                    td { input type="number" name={ "position_" (im.image_id) } size="3" value=(im.position); }
                                    td { input type="text" name={ "alt_" (im.image_id) } maxlength="300" value=(im.alt); }
                                }
                            }
                        }
                    }
                    button.button type="submit" { "Save order and alt text" }
                }))
                @for im in &p.images {
                    (post_form(&format!("{base}/images/{}/delete", im.image_id), csrf, "inline", html! {
                        button.button.ghost.small type="submit" { "Remove image " (im.position) }
                    }))
                }
            }
            (upload_form(&format!("{base}/images"), csrf, "stack", html! {
                label.field { span { "Add images (JPEG, PNG or WebP; several at once)" } input type="file" name="image" accept="image/jpeg,image/png,image/webp" multiple required; }
                label.field { span { "Alt text" } input type="text" name="alt" maxlength="300"; }
                button.button type="submit" { "Upload" }
            }))
            h2 { "Delete" }
            @if p.order_lines > 0 {
                p.muted { "This product is on " (crate::shop::text::count_of(p.order_lines, "order line", "order lines")) ", so it cannot be deleted. Archive it to take it out of the shop." }
            } @else {
                (post_form(&format!("{base}/delete"), csrf, "inline", html! {
                    button.button.danger type="submit" { "Delete for good" }
                }))
            }
        },
    )
}
