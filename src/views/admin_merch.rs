//! The owner's merchandising screens: categories (create, edit, move up/down, one level of
//! nesting) and banners (list, create and edit with image, text, link and schedule).

use super::admin::{frame, when};
use super::form::{post_form, upload_form};
use super::layout::{Ctx, image_url};
use crate::shop::catalog::Category;
use crate::shop::catalog::merch::BannerRow;
use crate::zone::Zone;
use maud::{Markup, html};

/// A stored time as the value of a `datetime-local` input in the store's time zone.
pub fn local_input(t: Option<i64>, offset: &Zone) -> String {
    t.map(|t| when(t, offset).replace(' ', "T"))
        .unwrap_or_default()
}

fn parent_select(cats: &[Category], me: Option<i64>, chosen: Option<i64>) -> Markup {
    html! {
        select name="parent" {
            option value="" { "None (top level)" }
            @for c in cats.iter().filter(|c| c.parent_id.is_none() && Some(c.id) != me) {
                option value=(c.id) selected[chosen == Some(c.id)] { (c.name) }
            }
        }
    }
}

pub fn categories(ctx: &Ctx, csrf: &str, cats: &[Category], error: Option<&str>) -> Markup {
    frame(
        ctx,
        "Categories",
        "categories",
        html! {
            h1 { "Categories" }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            h2 { "New category" }
            (post_form("/admin/categories", csrf, "row", html! {
                label.field { span { "Name" } input type="text" name="name" required maxlength="80"; }
                label.field { span { "Address (made from the name when empty)" } input type="text" name="slug" maxlength="80"; }
                label.field { span { "Parent" } (parent_select(cats, None, None)) }
                label.field { span { "Position" } input type="number" name="position" value="0" size="3"; }
                label.field { span { "Description" } input type="text" name="description"; }
                button.button type="submit" { "Add" }
            }))
            h2 { "All categories" }
            @if cats.is_empty() { p.muted { "No categories yet." } }
            @for c in cats {
                .category-row {
                    h3 { @if c.parent_id.is_some() { "— " } (c.name) " " small.muted { "/c/" (c.slug) " · " (crate::shop::text::count_of(c.product_count, "product", "products")) } }
                    .row {
                        (post_form(&format!("/admin/categories/{}/up", c.id), csrf, "inline", html! { button.button.ghost.small type="submit" { "Move up" } }))
                        (post_form(&format!("/admin/categories/{}/down", c.id), csrf, "inline", html! { button.button.ghost.small type="submit" { "Move down" } }))
                    }
                    (post_form(&format!("/admin/categories/{}", c.id), csrf, "row", html! {
                        label.field { span { "Name" } input type="text" name="name" required maxlength="80" value=(c.name); }
                        label.field { span { "Address" } input type="text" name="slug" required maxlength="80" value=(c.slug); }
                        label.field { span { "Parent" } (parent_select(cats, Some(c.id), c.parent_id)) }
                        label.field { span { "Position" } input type="number" name="position" size="3" value=(c.position); }
                        label.field { span { "Description" } input type="text" name="description" value=(c.description); }
                        button.button type="submit" { "Save" }
                    }))
                }
            }
        },
    )
}

fn banner_fields(b: Option<&BannerRow>, offset: &Zone) -> Markup {
    html! {
        label.field { span { "Title" } input type="text" name="title" required maxlength="120" value=(b.map(|b| b.title.as_str()).unwrap_or("")); }
        label.field { span { "Text" } input type="text" name="subtitle" maxlength="300" value=(b.map(|b| b.subtitle.as_str()).unwrap_or("")); }
        .row {
            label.field { span { "Link" } input type="text" name="link" required placeholder="/c/shirts" value=(b.map(|b| b.link.as_str()).unwrap_or("/")); }
            label.field { span { "Button text" } input type="text" name="link_label" maxlength="40" value=(b.map(|b| b.link_label.as_str()).unwrap_or("Shop now")); }
            label.field { span { "Position" } input type="number" name="position" size="3" value=(b.map(|b| b.position).unwrap_or(0)); }
        }
        .row {
            label.field { span { "Starts (empty: now)" } input type="datetime-local" name="starts" value=(local_input(b.and_then(|b| b.starts_at), offset)); }
            label.field { span { "Ends (empty: never)" } input type="datetime-local" name="ends" value=(local_input(b.and_then(|b| b.ends_at), offset)); }
            label.check { input type="checkbox" name="active" value="1" checked[b.is_none_or(|b| b.active)]; " Active" }
        }
        label.field { span { "Image (JPEG, PNG or WebP)" } input type="file" name="image" accept="image/jpeg,image/png,image/webp"; }
    }
}

fn schedule(b: &BannerRow, offset: &Zone) -> String {
    match (b.starts_at, b.ends_at) {
        (None, None) => "always".into(),
        (Some(s), None) => format!("from {}", when(s, offset)),
        (None, Some(e)) => format!("until {}", when(e, offset)),
        (Some(s), Some(e)) => format!("{} – {}", when(s, offset), when(e, offset)),
    }
}

pub fn banners(
    ctx: &Ctx,
    csrf: &str,
    rows: &[BannerRow],
    offset: &Zone,
    error: Option<&str>,
) -> Markup {
    frame(
        ctx,
        "Banners",
        "banners",
        html! {
            h1 { "Banners" }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            @if rows.is_empty() {
                p.muted { "No banners yet." }
            } @else {
                table.data {
                    thead { tr { th { "Image" } th { "Title" } th { "Link" } th { "Schedule" } th { "Position" } th { "Active" } } }
                    tbody {
                        @for b in rows {
                            tr {
                                td { @if let Some(h) = &b.image_hash { img src=(image_url(h, "160")) width="80" alt=""; } }
                                td { a href={ "/admin/banners/" (b.id) } { (b.title) } br; small.muted { (b.subtitle) } }
                                td { (b.link) }
                                td { (schedule(b, offset)) }
                                td { (b.position) }
                                td { (if b.active { "yes" } else { "no" }) }
                            }
                        }
                    }
                }
            }
            h2 { "New banner" }
            (upload_form("/admin/banners", csrf, "stack", html! {
                (banner_fields(None, offset))
                button.button type="submit" { "Add banner" }
            }))
        },
    )
}

pub fn banner(ctx: &Ctx, csrf: &str, b: &BannerRow, offset: &Zone, error: Option<&str>) -> Markup {
    frame(
        ctx,
        &b.title,
        "banners",
        html! {
            p { a href="/admin/banners" { "← Banners" } }
            h1 { (b.title) }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            @if let Some(h) = &b.image_hash { p { img src=(image_url(h, "600")) width="300" alt=""; } }
            (upload_form(&format!("/admin/banners/{}", b.id), csrf, "stack", html! {
                (banner_fields(Some(b), offset))
                button.button type="submit" { "Save banner" }
            }))
            (post_form(&format!("/admin/banners/{}/delete", b.id), csrf, "inline", html! {
                button.button.danger type="submit" { "Delete banner" }
            }))
        },
    )
}
