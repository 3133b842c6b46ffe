//! Storefront pages: home, category listing, search, product and the interim cart page.
//! Each is a pure function of data the handler fetched; SEO data (titles, canonical URLs,
//! JSON-LD) is built here next to the markup it describes.

use super::format::{self, percent_off};
use super::layout::{Ctx, Meta, image_url, json_ld, page, picture};
use crate::shop::catalog::{
    Banner, Category, Facets, ListQuery, Page, Product, ProductCard, Sort, Variant,
};
use maud::{Markup, html};
use serde_json::json;

pub fn price_block(ctx: &Ctx, price: i64, compare_at: Option<i64>) -> Markup {
    html! {
        span.price {
            @if let Some(off) = percent_off(price, compare_at) {
                span.now.sale { (ctx.money.format(price)) }
                s.was { (ctx.money.format(compare_at.unwrap_or_default())) }
                span.badge { "−" (off) "%" }
            } @else {
                span.now { (ctx.money.format(price)) }
            }
        }
    }
}

pub fn card(ctx: &Ctx, p: &ProductCard, eager: bool) -> Markup {
    html! {
        article.card.sold-out[!p.in_stock] {
            a href={ "/p/" (p.slug) } {
                span.frame {
                    @if let Some(img) = &p.image {
                        (picture(img, &p.title, "(min-width: 1100px) 260px, (min-width: 700px) 30vw, 46vw", eager))
                    } @else {
                        span.noimg { (p.title.chars().next().unwrap_or('•')) }
                    }
                    @if !p.in_stock { span.tag { "Sold out" } }
                    @else if percent_off(p.price, p.compare_at).is_some() { span.tag.sale { "Sale" } }
                }
                h3 { (p.title) }
                @if p.review_count > 0 {
                    @let x10 = crate::shop::reviews::average_x10(p.rating_sum, p.review_count);
                    p.card-stars aria-label={ "Rated " (super::reviews::average_text(x10)) " out of 5 by " (p.review_count) } {
                        span.stars { (super::reviews::star_text((x10 + 5) / 10)) } " " small.muted { "(" (p.review_count) ")" }
                    }
                }
                (price_block(ctx, p.price, p.compare_at))
            }
            (super::wishlist::heart(p.id, &p.title))
        }
    }
}

pub fn grid(ctx: &Ctx, items: &[ProductCard], eager_first: usize) -> Markup {
    html! {
        .grid {
            @for (i, p) in items.iter().enumerate() { (card(ctx, p, i < eager_first)) }
        }
    }
}

pub fn home(
    ctx: &Ctx,
    banners: &[Banner],
    featured: &[ProductCard],
    newest: &[ProductCard],
    categories: &[Category],
) -> Markup {
    let mut meta = Meta::new(ctx.store_name, ctx.tagline);
    meta.canonical = Some("/".into());
    meta.og_image = banners
        .iter()
        .find_map(|b| b.image.as_ref())
        .map(|i| ctx.abs(&image_url(&i.hash, "full")));
    meta.json_ld.push(json_ld(&json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": ctx.store_name,
        "url": ctx.abs("/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": ctx.abs("/search?q={query}"),
            "query-input": "required name=query"
        }
    })));
    let top: Vec<&Category> = categories
        .iter()
        .filter(|c| c.parent_id.is_none())
        .collect();
    page(
        ctx,
        &meta,
        html! {
            @if !banners.is_empty() {
                section.banners aria-label="Highlights" {
                    @for (i, b) in banners.iter().enumerate() {
                        a.banner href=(b.link) {
                            @if let Some(img) = &b.image { (picture(img, &b.title, "100vw", i == 0)) }
                            span.copy {
                                @if i == 0 { h1 { (b.title) } } @else { h2 { (b.title) } }
                                @if !b.subtitle.is_empty() { span.sub { (b.subtitle) } }
                                span.button { (b.link_label) }
                            }
                        }
                    }
                }
            } @else {
                section.hero-plain { h1 { (ctx.store_name) } p { (ctx.tagline) } }
            }
            @if !top.is_empty() {
                section.block {
                    h2 { "Shop by category" }
                    ul.cat-tiles {
                        @for c in &top {
                            li { a href={ "/c/" (c.slug) } { span.name { (c.name) } span.count { (c.product_count) " pieces" } } }
                        }
                    }
                }
            }
            @if !featured.is_empty() {
                section.block {
                    h2 { "Loved right now" }
                    (grid(ctx, featured, 4))
                }
            }
            @if !newest.is_empty() {
                section.block {
                    h2 { "New arrivals" }
                    (grid(ctx, newest, 0))
                }
            }
            @if featured.is_empty() && newest.is_empty() {
                section.block.empty { p { "The shop is being stocked. Please come back soon." } }
            }
        },
    )
}

/// Query string for a listing URL with one thing changed; keeps filters and sort.
pub fn listing_href(base: &str, q: &ListQuery, sort: Sort, after: Option<String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if sort != Sort::Newest {
        parts.push(format!("sort={}", sort.as_str()));
    }
    if q.in_stock_only {
        parts.push("in_stock=1".into());
    }
    for (name, values) in &q.options {
        for v in values {
            parts.push(format!("opt={}", url_encode(&format!("{name}:{v}"))));
        }
    }
    if let Some(a) = after {
        parts.push(format!("after={a}"));
    }
    if parts.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub struct CategoryView<'a> {
    pub category: &'a Category,
    pub parent: Option<&'a Category>,
    pub children: Vec<&'a Category>,
    pub query: &'a ListQuery,
    pub page: &'a Page,
    pub facets: &'a Facets,
    /// True when this is not the first page (cursor present).
    pub paged: bool,
}

pub fn category(ctx: &Ctx, v: &CategoryView) -> Markup {
    let c = v.category;
    let base = format!("/c/{}", c.slug);
    let desc = if c.description.is_empty() {
        format!("{} at {}", c.name, ctx.store_name)
    } else {
        format::plain_text(&c.description, 160)
    };
    let mut meta = Meta::new(c.name.clone(), desc);
    // Filtered and sorted variants of a listing are the same page for search engines.
    meta.canonical = Some(base.clone());
    meta.noindex = v.paged || v.query.in_stock_only || !v.query.options.is_empty();
    let mut crumbs = vec![("Home".to_string(), "/".to_string())];
    if let Some(p) = v.parent {
        crumbs.push((p.name.clone(), format!("/c/{}", p.slug)));
    }
    crumbs.push((c.name.clone(), base.clone()));
    meta.json_ld.push(breadcrumb_ld(ctx, &crumbs));
    let chosen = |name: &str, value: &str| {
        v.query
            .options
            .iter()
            .any(|(n, vals)| n == name && vals.iter().any(|x| x == value))
    };
    page(
        ctx,
        &meta,
        html! {
            (breadcrumbs(&crumbs))
            header.listing-head {
                h1 { (c.name) }
                @if !c.description.is_empty() { .lede { (format::description(&c.description)) } }
                @if !v.children.is_empty() {
                    nav.subcats aria-label="Subcategories" {
                        @for s in &v.children { a.chip href={ "/c/" (s.slug) } { (s.name) } }
                    }
                }
            }
            .listing {
                form.filters method="get" action=(base) {
                    details open[v.query.in_stock_only || !v.query.options.is_empty() || v.query.sort != Sort::Newest] {
                        summary { "Filter and sort" }
                        label.field {
                            span { "Sort by" }
                            select name="sort" {
                                option value="newest" selected[v.query.sort == Sort::Newest] { "Newest" }
                                option value="price_asc" selected[v.query.sort == Sort::PriceAsc] { "Price: low to high" }
                                option value="price_desc" selected[v.query.sort == Sort::PriceDesc] { "Price: high to low" }
                            }
                        }
                        label.check {
                            input type="checkbox" name="in_stock" value="1" checked[v.query.in_stock_only];
                            span { "In stock only" }
                        }
                        @for (name, values) in &v.facets.options {
                            fieldset {
                                legend { (name) }
                                @for value in values {
                                    label.check {
                                        input type="checkbox" name="opt" value={ (name) ":" (value) } checked[chosen(name, value)];
                                        span { (value) }
                                    }
                                }
                            }
                        }
                        button.button type="submit" { "Apply" }
                        " "
                        a.clear href=(base) { "Clear" }
                    }
                }
                section.results {
                    @if v.page.items.is_empty() {
                        .empty {
                            p { "Nothing matches these filters." }
                            a.button href=(base) { "Show everything in " (c.name) }
                        }
                    } @else {
                        (grid(ctx, &v.page.items, 4))
                    }
                    nav.pager aria-label="Pages" {
                        @if v.paged { a.button.ghost href=(listing_href(&base, v.query, v.query.sort, None)) { "← First page" } }
                        @if let Some(next) = &v.page.next {
                            a.button rel="next" href=(listing_href(&base, v.query, v.query.sort, Some(next.encode()))) { "More products →" }
                        }
                    }
                }
            }
        },
    )
}

pub fn search(
    ctx: &Ctx,
    q: &str,
    results: &[ProductCard],
    next_offset: Option<usize>,
    suggestions: &[Category],
) -> Markup {
    let title = if q.is_empty() {
        "Search".to_string()
    } else {
        format!("Search: {q}")
    };
    let mut meta = Meta::new(title, format!("Search {}", ctx.store_name));
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            header.listing-head {
                h1 { @if q.is_empty() { "Search" } @else { "Results for “" (q) "”" } }
                form.search-big role="search" action="/search" method="get" {
                    input type="search" name="q" value=(q) placeholder="Try “linen”, “candle” or a SKU" maxlength="100" aria-label="Search";
                    button.button type="submit" { "Search" }
                }
            }
            @if results.is_empty() {
                section.empty {
                    @if !q.is_empty() {
                        p { "No products match “" (q) "”. Check the spelling, try a shorter word, or browse a category:" }
                    } @else {
                        p { "What are you looking for? Or browse a category:" }
                    }
                    ul.cat-tiles {
                        @for c in suggestions.iter().filter(|c| c.parent_id.is_none()) {
                            li { a href={ "/c/" (c.slug) } { span.name { (c.name) } span.count { (c.product_count) " pieces" } } }
                        }
                    }
                }
            } @else {
                (grid(ctx, results, 4))
                @if let Some(off) = next_offset {
                    nav.pager { a.button rel="next" href={ "/search?q=" (url_encode(q)) "&offset=" (off) } { "More results →" } }
                }
            }
        },
    )
}

fn breadcrumbs(crumbs: &[(String, String)]) -> Markup {
    html! {
        nav.crumbs aria-label="Breadcrumb" {
            ol {
                @for (i, (name, href)) in crumbs.iter().enumerate() {
                    @if i + 1 == crumbs.len() { li aria-current="page" { (name) } }
                    @else { li { a href=(href) { (name) } } }
                }
            }
        }
    }
}

fn breadcrumb_ld(ctx: &Ctx, crumbs: &[(String, String)]) -> String {
    let items: Vec<serde_json::Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, (name, href))| {
            json!({"@type": "ListItem", "position": i + 1, "name": name, "item": ctx.abs(href)})
        })
        .collect();
    json_ld(
        &json!({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}),
    )
}

/// Label of a variant from its options ("M / Indigo"); "Default" when it has none.
pub fn variant_label(v: &Variant) -> String {
    let opts: Vec<&str> = v
        .options
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if opts.is_empty() {
        "Default".into()
    } else {
        opts.join(" / ")
    }
}

pub struct ProductView<'a> {
    pub product: &'a Product,
    pub selected: Option<&'a Variant>,
    pub related: &'a [ProductCard],
    pub low_stock_threshold: i64,
    /// Its published reviews (newest first) and their stars.
    pub reviews: &'a [crate::shop::reviews::Review],
    pub review_sort: crate::shop::reviews::Sort,
    /// The cursor of the next page of reviews, if there is one.
    pub more_reviews: Option<&'a str>,
    pub stars: crate::shop::reviews::Stars,
    pub zone: &'a crate::zone::Zone,
}

fn availability(v: &Variant) -> &'static str {
    if v.stock > 0 {
        "https://schema.org/InStock"
    } else {
        "https://schema.org/OutOfStock"
    }
}

pub fn product(ctx: &Ctx, v: &ProductView) -> Markup {
    let p = v.product;
    let url = format!("/p/{}", p.slug);
    let plain = format::plain_text(&p.description, 300);
    let title = if p.seo_title.is_empty() {
        p.title.clone()
    } else {
        p.seo_title.clone()
    };
    let desc = if p.seo_description.is_empty() {
        format::plain_text(&p.description, 160)
    } else {
        p.seo_description.clone()
    };
    let mut meta = Meta::new(title, desc);
    meta.canonical = Some(url.clone());
    meta.og_type = "product";
    meta.og_image = p
        .images
        .first()
        .map(|i| ctx.abs(&image_url(&i.hash, "full")));
    let offers: Vec<serde_json::Value> = p
        .variants
        .iter()
        .map(|var| {
            json!({
                "@type": "Offer",
                "sku": var.sku,
                "name": variant_label(var),
                "price": ctx.money.plain(var.price),
                "priceCurrency": ctx.currency,
                "availability": availability(var),
                "url": ctx.abs(&format!("{url}?variant={}", var.id)),
            })
        })
        .collect();
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.title,
        "description": plain,
        "url": ctx.abs(&url),
        "image": p.images.iter().map(|i| ctx.abs(&image_url(&i.hash, "full"))).collect::<Vec<_>>(),
        "brand": {"@type": "Brand", "name": ctx.store_name},
        "offers": offers,
    });
    if let Some(first) = p.variants.first() {
        ld["sku"] = json!(first.sku);
    }
    if v.stars.count > 0 {
        ld["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": super::reviews::average_text(v.stars.average_x10()),
            "reviewCount": v.stars.count,
            "bestRating": 5,
            "worstRating": 1,
        });
        ld["review"] =
            json!(v.reviews.iter().take(5).map(|r| json!({
            "@type": "Review",
            "name": r.title,
            "reviewBody": r.body,
            "author": {"@type": "Person", "name": r.author},
            "reviewRating": {"@type": "Rating", "ratingValue": r.rating, "bestRating": 5},
        })).collect::<Vec<_>>());
    }
    meta.json_ld.push(json_ld(&ld));
    let mut crumbs = vec![("Home".to_string(), "/".to_string())];
    if let Some(pc) = &p.parent_category {
        crumbs.push((pc.name.clone(), format!("/c/{}", pc.slug)));
    }
    if let Some(c) = &p.category {
        crumbs.push((c.name.clone(), format!("/c/{}", c.slug)));
    }
    crumbs.push((p.title.clone(), url.clone()));
    meta.json_ld.push(breadcrumb_ld(ctx, &crumbs));
    let sel = v.selected;
    let any_stock = p.in_stock();
    page(
        ctx,
        &meta,
        html! {
            (breadcrumbs(&crumbs))
            .product {
                section.gallery aria-label="Photos" {
                    .track {
                        @for (i, img) in p.images.iter().enumerate() {
                            figure id={ "g" (i + 1) } {
                                (picture(img, &p.title, "(min-width: 900px) 50vw, 100vw", i == 0))
                            }
                        }
                        @if p.images.is_empty() { figure { span.noimg.big { (p.title.chars().next().unwrap_or('•')) } } }
                    }
                    @if p.images.len() > 1 {
                        nav.thumbs aria-label="Choose a photo" {
                            @for (i, img) in p.images.iter().enumerate() {
                                a href={ "#g" (i + 1) } aria-label={ "Photo " (i + 1) } {
                                    img src=(image_url(&img.hash, "160")) alt="" width="64" height="80" loading="lazy";
                                }
                            }
                        }
                    }
                }
                section.buy {
                    h1 { (p.title) }
                    @if let Some(s) = sel {
                        p.price-line #price { (price_block(ctx, s.price, s.compare_at)) }
                        (stock_note(s, v.low_stock_threshold))
                    } @else {
                        p.price-line { (price_block(ctx, p.min_price(), None)) }
                    }
                    form.add #add-form method="get" action="/cart" {
                        @if p.variants.len() > 1 || !p.option_names.is_empty() {
                            fieldset.variants {
                                legend { @if p.option_names.is_empty() { "Choose" } @else { "Choose " (p.option_names.join(" / ").to_lowercase()) } }
                                @for var in &p.variants {
                                    label.variant.out[var.stock <= 0] {
                                        input type="radio" name="variant" value=(var.id)
                                            checked[sel.map(|s| s.id) == Some(var.id)]
                                            disabled[var.stock <= 0]
                                            data-price=(ctx.money.format(var.price))
                                            data-compare=[percent_off(var.price, var.compare_at).map(|_| ctx.money.format(var.compare_at.unwrap_or_default()))]
                                            data-stock=(stock_text(var, v.low_stock_threshold))
                                            data-off=[percent_off(var.price, var.compare_at)]
                                            data-sku=(var.sku);
                                        span { (variant_label(var)) @if var.stock <= 0 { small { " — sold out" } } }
                                    }
                                }
                            }
                        } @else if let Some(only) = p.variants.first() {
                            input type="hidden" name="variant" value=(only.id);
                        }
                        .buybar {
                            label.qty {
                                span.vh { "Quantity" }
                                input type="number" name="qty" value="1" min="1" max="10" inputmode="numeric";
                            }
                            @if any_stock {
                                button.button.primary #add type="submit" { "Add to bag" }
                            } @else {
                                button.button.primary #add type="submit" disabled { "Sold out" }
                            }
                        }
                    }
                    @if ctx.back_in_stock && p.variants.iter().any(|v| v.stock <= 0) {
                        @let out: Vec<String> = p.variants.iter().filter(|v| v.stock <= 0).map(variant_label).collect();
                        p.notify-back {
                            @if any_stock && p.variants.len() > 1 { (out.join(", ")) " sold out? " }
                            a href={ "/alerts?product=" (p.id) } { "Email me when it is back" }
                        }
                    }
                    .description { (format::description(&p.description)) }
                    p.save { (super::wishlist::heart(p.id, &p.title)) " " a href={ "/wishlist?save=" (p.id) } { "Save to wishlist" } }
                    dl.facts {
                        @if let Some(s) = sel { dt { "SKU" } dd #sku { (s.sku) } }
                        dt { "Payment" } dd { "Cash on delivery or bank transfer" }
                    }
                }
            }
            (super::reviews::block(&super::reviews::Block {
                url: &url,
                stars: &v.stars,
                list: v.reviews,
                sort: v.review_sort,
                more: v.more_reviews,
                zone: v.zone,
            }))
            @if !v.related.is_empty() {
                section.block {
                    h2 { "You may also like" }
                    (grid(ctx, v.related, 0))
                }
            }
        },
    )
}

fn stock_text(v: &Variant, store_threshold: i64) -> String {
    let threshold = v.low_stock_threshold.unwrap_or(store_threshold);
    if v.stock <= 0 {
        "Sold out".into()
    } else if v.stock <= threshold {
        format!("Only {} left", v.stock)
    } else {
        "In stock".into()
    }
}

fn stock_note(v: &Variant, store_threshold: i64) -> Markup {
    let text = stock_text(v, store_threshold);
    let low = v.stock > 0 && v.stock <= v.low_stock_threshold.unwrap_or(store_threshold);
    html! { p.stock.low[low].out[v.stock <= 0] #stock { (text) } }
}
