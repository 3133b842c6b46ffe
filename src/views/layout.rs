//! The storefront frame every page shares: <head> with SEO and Open Graph tags, the header
//! (wordmark, category navigation, search, cart), the footer, and the error pages that keep
//! this layout and show the request id.

use super::format::Money;
use crate::shop::catalog::{Category, ImageRef};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Everything about the store and the request that the frame needs.
pub struct Ctx<'a> {
    pub store_name: &'a str,
    pub tagline: &'a str,
    /// Public base URL, no trailing slash.
    pub base_url: &'a str,
    pub locale: &'a str,
    pub contact_email: &'a str,
    pub money: Money,
    /// ISO 4217 code of the store's currency.
    pub currency: &'a str,
    pub css_url: String,
    pub js_url: String,
    pub icon_url: String,
    /// Top-level and child categories, in order (for navigation).
    pub categories: &'a [Category],
    pub request_id: &'a str,
    /// The search box's current text.
    pub search_q: &'a str,
    /// `[follow_ups] back_in_stock`: sold-out products offer "Email me when it is back".
    pub back_in_stock: bool,
    /// What the admin action just done says ("Saved."), from the `done` code of the page
    /// it redirected to (a fixed table: a link cannot put its own words here).
    pub done: Option<&'static str>,
}

impl Ctx<'_> {
    pub fn abs(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// Per-page head data.
pub struct Meta {
    pub title: String,
    pub description: String,
    /// Local path of the canonical URL (made absolute with the store URL).
    pub canonical: Option<String>,
    pub og_type: &'static str,
    pub og_image: Option<String>,
    /// JSON-LD documents, already serialised by `json_ld`.
    pub json_ld: Vec<String>,
    pub noindex: bool,
}

impl Meta {
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Meta {
        Meta {
            title: title.into(),
            description: description.into(),
            canonical: None,
            og_type: "website",
            og_image: None,
            json_ld: Vec::new(),
            noindex: false,
        }
    }
}

/// Serialises a JSON-LD value so it can sit inside <script>: `<`, `>` and `&` become
/// \u escapes, so no stored text can close the script element.
pub fn json_ld(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

pub fn image_url(hash: &str, size: &str) -> String {
    format!("/img/{hash}-{size}.webp")
}

/// A responsive picture with its blur placeholder underneath (no inline styles, so the
/// CSP can forbid them): the placeholder is a data-URI <img>, the real one covers it.
pub fn picture(img: &ImageRef, alt: &str, sizes: &str, eager: bool) -> Markup {
    let srcset = format!(
        "{} 160w, {} 600w, {} {}w",
        image_url(&img.hash, "160"),
        image_url(&img.hash, "600"),
        image_url(&img.hash, "full"),
        img.width
    );
    let alt = if img.alt.is_empty() {
        alt
    } else {
        img.alt.as_str()
    };
    html! {
        span.pic {
            img.blur src=(crate::shop::catalog::images::data_uri(&img.placeholder)) alt="" aria-hidden="true"
                width=(img.width) height=(img.height);
            img.real src=(image_url(&img.hash, "600")) srcset=(srcset) sizes=(sizes) alt=(alt)
                width=(img.width) height=(img.height)
                loading=(if eager { "eager" } else { "lazy" }) decoding="async";
        }
    }
}

pub fn page(ctx: &Ctx, meta: &Meta, body: Markup) -> Markup {
    let full_title = if meta.title == ctx.store_name {
        format!("{} — {}", ctx.store_name, ctx.tagline)
    } else {
        format!("{} · {}", meta.title, ctx.store_name)
    };
    let canonical = meta.canonical.as_ref().map(|p| ctx.abs(p));
    let top: Vec<&Category> = ctx
        .categories
        .iter()
        .filter(|c| c.parent_id.is_none())
        .collect();
    html! {
        (DOCTYPE)
        html lang=(ctx.locale) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                meta name="description" content=(meta.description);
                @if meta.noindex { meta name="robots" content="noindex"; }
                @if let Some(c) = &canonical { link rel="canonical" href=(c); }
                meta property="og:site_name" content=(ctx.store_name);
                meta property="og:title" content=(meta.title);
                meta property="og:description" content=(meta.description);
                meta property="og:type" content=(meta.og_type);
                @if let Some(c) = &canonical { meta property="og:url" content=(c); }
                @if let Some(i) = &meta.og_image {
                    meta property="og:image" content=(i);
                    meta name="twitter:card" content="summary_large_image";
                }
                meta name="color-scheme" content="light dark";
                link rel="icon" href=(ctx.icon_url) type="image/svg+xml";
                link rel="stylesheet" href=(ctx.css_url);
                script src=(ctx.js_url) defer {}
                @for doc in &meta.json_ld {
                    // Built by json_ld(): serde_json output with <, >, & escaped.
                    script type="application/ld+json" { (PreEscaped(doc)) }
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    .bar {
                        a.wordmark href="/" { (ctx.store_name) }
                        form.search role="search" action="/search" method="get" {
                            label.vh for="q" { "Search the shop" }
                            input #q type="search" name="q" value=(ctx.search_q) placeholder="Search products" autocomplete="off" maxlength="100";
                            button type="submit" aria-label="Search" { "Search" }
                        }
                        nav.me aria-label="Your account" {
                            a href="/account" { "Account" }
                            a.cart-link href="/cart" { "Bag" }
                        }
                    }
                    nav.cats aria-label="Categories" {
                        @for c in &top { a href={ "/c/" (c.slug) } { (c.name) } }
                    }
                }
                main #main { (body) }
                footer.site {
                    .cols {
                        div {
                            p.wordmark { (ctx.store_name) }
                            p.muted { (ctx.tagline) }
                        }
                        div {
                            h2 { "Shop" }
                            ul { @for c in &top { li { a href={ "/c/" (c.slug) } { (c.name) } } } }
                        }
                        div {
                            h2 { "Help" }
                            ul {
                                li { "Cash on delivery and bank transfer" }
                                li { "Write to us: " a href={ "mailto:" (ctx.contact_email) } { (ctx.contact_email) } }
                            }
                        }
                    }
                    p.fine { "© " (ctx.store_name) }
                }
            }
        }
    }
}

/// The page for 404 and every other error: same frame, a calm message, the request id.
pub fn error_page(ctx: &Ctx, status: u16, message: &str) -> Markup {
    let heading = match status {
        404 => "We couldn't find that page",
        400 | 413 | 415 | 422 => "That request didn't work",
        403 => "You don't have access to this page",
        429 => "Slow down a little",
        503 => "We're busy right now",
        _ => "Something went wrong",
    };
    let mut meta = Meta::new(heading, message);
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            section.error-page {
                p.status { (status) }
                h1 { (heading) }
                p { (message) }
                p { a.button href="/" { "Back to the shop" } " " a.button.ghost href="/search" { "Search products" } }
                p.request-id { "Request id: " code { (ctx.request_id) } }
            }
        },
    )
}
