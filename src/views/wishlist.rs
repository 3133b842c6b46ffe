//! The wishlist page (`/wishlist`, for guests and customers alike): the saved products
//! from the projection with price and availability, a remove button on each, and — when
//! reached from a heart without JavaScript — the "save this?" confirmation on top.

use super::form::post_form;
use super::layout::{Ctx, Meta, image_url, page};
use crate::shop::wishlist::Saved;
use maud::{Markup, html};

/// The heart on product pages and cards: a plain link (the wishlist page asks to confirm,
/// so a cached page needs no per-visitor token).
pub fn heart(product_id: i64, title: &str) -> Markup {
    html! {
        a.heart href={ "/wishlist?save=" (product_id) } aria-label={ "Save " (title) " to your wishlist" } title="Save to wishlist" { "♡" }
    }
}

pub struct Page<'a> {
    pub items: &'a [Saved],
    pub csrf: &'a str,
    /// (product id, title) the visitor asked to save.
    pub confirm: Option<(i64, &'a str)>,
    pub notice: Option<&'a str>,
    pub signed_in: bool,
}

pub fn wishlist(ctx: &Ctx, p: &Page) -> Markup {
    let mut meta = Meta::new("Your wishlist".to_string(), "Your wishlist");
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            section.narrow.wishlist {
                h1 { "Your wishlist" }
                @if let Some(n) = p.notice { p.notice role="status" { (n) } }
                @if let Some((id, title)) = p.confirm {
                    (post_form("/wishlist/add", p.csrf, "inline save-confirm", html! {
                        input type="hidden" name="product" value=(id);
                        p { "Save " strong { (title) } " to your wishlist?" }
                        button.button.primary #save-wish type="submit" { "♥ Save" }
                    }))
                }
                @if !p.signed_in && !p.items.is_empty() {
                    p.muted { "Saved on this device. " a href="/account/sign-in?next=/wishlist" { "Sign in" } " to keep it on every device." }
                }
                @if p.items.is_empty() && p.confirm.is_none() {
                    p.muted { "Nothing saved yet. Tap ♡ on a product to keep it here." }
                }
                ul.wish-list #wishlist {
                    @for it in p.items {
                        li.wish data-product=(it.product_id) {
                            a href={ "/p/" (it.slug) } {
                                @if let Some(h) = &it.image_hash { img src=(image_url(h, "160")) alt="" width="80" height="80" loading="lazy"; }
                                span.title { (it.title) }
                            }
                            span.price { (ctx.money.format(it.price)) }
                            span.muted { (if it.in_stock { "In stock" } else { "Sold out" }) }
                            (post_form("/wishlist/remove", p.csrf, "inline", html! {
                                input type="hidden" name="product" value=(it.product_id);
                                button.button.ghost.small type="submit" aria-label={ "Remove " (it.title) } { "Remove" }
                            }))
                        }
                    }
                }
            }
        },
    )
}
