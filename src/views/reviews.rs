//! Review pages: the shopper's form behind a review link (rating, title, text; the form
//! comes back with the message and what was typed when something needs fixing), the
//! thank-you, the product page's reviews block (count, average, breakdown, the reviews
//! with "verified purchase" and the owner's reply), and the owner's moderation list.

use super::admin::{frame, when};
use super::form::{post_form, upload_form};
use super::format::iso_date;
use super::layout::{Ctx, Meta, image_url, page};
use crate::shop::reviews::{Draft, Invite, MAX_BODY, MAX_TITLE, Review, Sort, Stars};
use crate::zone::Zone;
use maud::{Markup, html};

/// "★★★★☆" for a rating of 4.
pub fn star_text(rating: i64) -> String {
    let r = rating.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(r), "☆".repeat(5 - r))
}

/// "4.3" from an average kept times ten.
pub fn average_text(x10: i64) -> String {
    format!("{}.{}", x10 / 10, x10 % 10)
}

pub fn form_page(
    ctx: &Ctx,
    inv: &Invite,
    token: &str,
    csrf: &str,
    draft: &Draft,
    error: Option<&str>,
) -> Markup {
    let mut meta = Meta::new("Review your purchase".to_string(), "Review your purchase");
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            section.narrow.review-form {
                p.muted { "Order " (inv.order_number) }
                h1 { "How is your " (inv.title) "?" }
                @if let Some(e) = error { p.notice.error role="alert" #review-error { (e) } }
                (upload_form(&format!("/reviews/{token}"), csrf, "stack", html! {
                    fieldset.stars {
                        legend { "Your rating" }
                        @for n in (1..=5).rev() {
                            label.star {
                                input type="radio" name="rating" value=(n) required checked[draft.rating == n.to_string()];
                                " " (star_text(n)) " " span.muted { (n) " of 5" }
                            }
                        }
                    }
                    label.field { span { "Title" } input type="text" name="title" required maxlength=(MAX_TITLE) value=(draft.title); }
                    label.field { span { "Your review" } textarea name="body" rows="6" required maxlength=(MAX_BODY) { (draft.body) } }
                    label.field { span { "A photo (optional: JPEG, PNG or WebP, up to 8 MB)" } input type="file" name="photo" accept="image/jpeg,image/png,image/webp"; }
                    p.muted { "Shown with your first name and initial (" (crate::shop::reviews::author_of(&inv.name)) ") and \"verified purchase\"." }
                    button.button.primary #send-review type="submit" { "Send review" }
                }))
            }
        },
    )
}

/// After sending, or for a link that no longer works.
pub fn message_page(ctx: &Ctx, title: &str, text: &str, product: Option<&str>) -> Markup {
    let mut meta = Meta::new(title.to_string(), title);
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            section.narrow {
                h1 #review-done { (title) }
                p { (text) }
                @if let Some(slug) = product { p { a.button href={ "/p/" (slug) } { "Back to the product" } } }
                p { a href="/" { "Continue shopping" } }
            }
        },
    )
}

/// What the product page's reviews block shows.
pub struct Block<'a> {
    /// The product page's path ("/p/slug").
    pub url: &'a str,
    pub stars: &'a Stars,
    pub list: &'a [Review],
    pub sort: Sort,
    /// The next page's cursor.
    pub more: Option<&'a str>,
    pub zone: &'a Zone,
}

/// The product page's reviews block: the summary, sort links, a page of reviews and a
/// "More reviews" link (plain links: no JavaScript needed).
pub fn block(b: &Block) -> Markup {
    let (stars, list, zone) = (b.stars, b.list, b.zone);
    html! {
        section.reviews #reviews {
            h2 { "Reviews" }
            @if stars.count == 0 {
                p.muted { "No reviews yet. Reviews come only from shoppers who bought this, after it reached them." }
            } @else {
                p.summary #review-summary data-average=(average_text(stars.average_x10())) data-count=(stars.count) {
                    span.stars aria-hidden="true" { (star_text((stars.average_x10() + 5) / 10)) }
                    " " strong { (average_text(stars.average_x10())) " out of 5" }
                    " · " (stars.count) (if stars.count == 1 { " review" } else { " reviews" })
                }
                ul.breakdown {
                    @for n in (1..=5).rev() {
                        @let c = stars.by_rating[(n - 1) as usize];
                        li { (n) " ★ " meter min="0" max=(stars.count) value=(c) {} " " (c) }
                    }
                }
                nav.tabs.review-sort aria-label="Sort reviews" {
                    @for s in Sort::ALL {
                        a.active[s == b.sort] href={ (b.url) "?reviews=" (s.as_str()) "#reviews" } { (s.label()) }
                    }
                }
                ol.review-list {
                    @for r in list {
                        li.review data-rating=(r.rating) {
                            p { span.stars title={ (r.rating) " of 5" } { (star_text(r.rating)) } " " strong { (r.title) } }
                            p.muted { (r.author) " · " small.verified { "Verified purchase" } " · " (iso_date(r.created_at, zone)) }
                            @for para in r.body.split("\n\n") { p { (para) } }
                            @if let Some(h) = &r.photo {
                                a.review-photo href=(image_url(h, "full")) { img src=(image_url(h, "160")) alt={ "Photo from " (r.author) } loading="lazy" width="160"; }
                            }
                            @if !r.reply.is_empty() { blockquote.reply { strong { "From the shop: " } (r.reply) } }
                        }
                    }
                }
                @if let Some(after) = b.more {
                    p { a.button #more-reviews href={ (b.url) "?reviews=" (b.sort.as_str()) "&after=" (after) "#reviews" } { "More reviews" } }
                }
            }
        }
    }
}

pub struct AdminPage<'a> {
    pub status: &'a str,
    pub rows: &'a [Review],
    pub zone: Zone,
    pub csrf: &'a str,
    pub notice: Option<&'a str>,
}

pub fn admin_list(ctx: &Ctx, p: &AdminPage) -> Markup {
    frame(
        ctx,
        "Reviews",
        "reviews",
        html! {
            h1 { "Reviews" }
            @if let Some(n) = p.notice { p.notice role="status" { (n) } }
            nav.tabs aria-label="Filter reviews" {
                @for (s, label) in [("", "All"), ("pending", "Waiting"), ("published", "Published"), ("hidden", "Hidden")] {
                    a.active[p.status == s] href={ "/admin/reviews" @if !s.is_empty() { "?status=" (s) } } { (label) }
                }
            }
            @if p.rows.is_empty() {
                p.muted { "No reviews here." }
            }
            @for r in p.rows {
                article.review-admin #{ "review-" (r.id) } data-status=(r.status) {
                    p { span.stars { (star_text(r.rating)) } " " strong { (r.title) } " · " (r.product_title)
                        " · " span.status { (match r.status.as_str() { "pending" => "waiting", s => s }) } }
                    p.muted { (r.author) " (" (r.email) ")"
                        @if let Some(n) = &r.order_number { " · order " a href={ "/admin/orders/" (n) } { (n) } }
                        " · " (when(r.created_at, &p.zone)) }
                    @for para in r.body.split("\n\n") { p { (para) } }
                    @if let Some(h) = &r.photo { p { img src=(image_url(h, "160")) alt="Photo with the review" width="160"; } }
                    .actions {
                        @if r.status != "published" {
                            (post_form(&format!("/admin/reviews/{}/publish", r.id), p.csrf, "inline", html! { button.button.primary type="submit" { "Publish" } }))
                        }
                        @if r.status != "hidden" {
                            (post_form(&format!("/admin/reviews/{}/hide", r.id), p.csrf, "inline", html! { button.button.ghost type="submit" { "Hide" } }))
                        }
                    }
                    (post_form(&format!("/admin/reviews/{}/reply", r.id), p.csrf, "stack", html! {
                        label.field { span { "Reply (shown under the review)" } textarea name="reply" rows="2" maxlength="2000" { (r.reply) } }
                        button.button type="submit" { "Save reply" }
                    }))
                }
            }
        },
    )
}
