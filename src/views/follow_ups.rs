//! The shopper's pages of the follow-up mails: asking to be told when a sold-out variant
//! is back (and confirming it from the mail), the one-click unsubscribe page, putting a
//! mail's items back in the bag, and the account's mail preferences and coupons.

use super::form::post_form;
use super::layout::{Ctx, Meta, page};
use crate::shop::cart::coupons::Coupon;
use crate::shop::follow_ups::Wanted;
use crate::zone::Zone;
use maud::{Markup, html};

fn private(title: &str) -> Meta {
    let mut m = Meta::new(title.to_string(), title);
    m.noindex = true;
    m
}

/// A page that says one thing, with a way on.
pub fn said(ctx: &Ctx, title: &str, lines: &[&str], on: (&str, &str)) -> Markup {
    page(
        ctx,
        &private(title),
        html! {
            section.narrow {
                h1 { (title) }
                @for l in lines { p { (l) } }
                p { a.button href=(on.1) { (on.0) } }
            }
        },
    )
}

pub struct AlertForm<'a> {
    pub csrf: &'a str,
    pub product: &'a str,
    /// The sold-out variants one can ask for.
    pub choices: &'a [Wanted],
    pub selected: Option<i64>,
    pub email: &'a str,
    pub error: Option<&'a str>,
}

/// "Email me when it is back".
pub fn alert_form(ctx: &Ctx, f: &AlertForm) -> Markup {
    page(
        ctx,
        &private("Tell me when it is back"),
        html! {
            section.narrow {
                h1 { "Tell me when it is back" }
                p { strong { (f.product) } " is sold out. Leave your email and we will write once, when it returns. No account needed." }
                @if let Some(e) = f.error { p.error role="alert" { (e) } }
                (post_form("/alerts", f.csrf, "stack", html! {
                    @if f.choices.len() > 1 {
                        fieldset.variants {
                            legend { "Which one?" }
                            @for (i, w) in f.choices.iter().enumerate() {
                                label.variant {
                                    input type="radio" name="variant" value=(w.variant_id) required
                                        checked[f.selected == Some(w.variant_id) || (f.selected.is_none() && i == 0)];
                                    span { (if w.options.is_empty() { w.title.as_str() } else { w.options.as_str() }) }
                                }
                            }
                        }
                    } @else if let Some(w) = f.choices.first() {
                        input type="hidden" name="variant" value=(w.variant_id);
                    }
                    label.field {
                        span { "Email" }
                        input type="email" name="email" value=(f.email) required maxlength="254" autocomplete="email" inputmode="email";
                    }
                    button.button.primary type="submit" { "Email me when it is back" }
                    p.muted.small { "We send a link to confirm first. Each mail has a one-click unsubscribe." }
                }))
            }
        },
    )
}

/// The confirmation link's page: one button, so a mail scanner opening the link
/// confirms nothing.
pub fn confirm_alert(ctx: &Ctx, csrf: &str, token: &str, what: &Wanted, done: bool) -> Markup {
    page(
        ctx,
        &private("Confirm your alert"),
        html! {
            section.narrow {
                @if done {
                    h1 { "You are on the list" }
                    p { "We will write once when " strong { (what.name()) } " is back in stock." }
                    p { a.button href={ "/p/" (what.slug) } { "Back to the product" } }
                } @else {
                    h1 { "Confirm your alert" }
                    p { "Tell me when " strong { (what.name()) } " is back in stock." }
                    (post_form(&format!("/alerts/confirm/{token}"), csrf, "inline", html! {
                        button.button.primary #confirm-alert type="submit" { "Yes, tell me" }
                    }))
                }
            }
        },
    )
}

/// The unsubscribe link's page (a mail client's one-click POST needs no page).
pub fn unsubscribe(ctx: &Ctx, csrf: &str, token: &str, email: &str, done: bool) -> Markup {
    page(
        ctx,
        &private("Unsubscribe"),
        html! {
            section.narrow {
                @if done {
                    h1 { "You are unsubscribed" }
                    p { "We will send no more offers, reminders or back-in-stock mails to " strong { (email) } ". Mails about your orders still arrive." }
                    p.muted { "Changed your mind? Sign in and tick the box under Mail preferences in your account." }
                } @else {
                    h1 { "Unsubscribe" }
                    p { "Stop offers, reminders and back-in-stock mails to " strong { (email) } "?" }
                    (post_form(&format!("/unsubscribe/{token}"), csrf, "inline", html! {
                        button.button.primary #unsubscribe type="submit" { "Unsubscribe" }
                    }))
                }
            }
        },
    )
}

/// A mail's items, to put back in the bag with one button.
pub fn restore(ctx: &Ctx, csrf: &str, token: &str, items: &[(Wanted, i64)]) -> Markup {
    page(
        ctx,
        &private("Put these in your bag"),
        html! {
            section.narrow {
                h1 { "Put these in your bag?" }
                @if items.is_empty() {
                    p { "These items are no longer sold." }
                    p { a.button href="/" { "Go to the shop" } }
                } @else {
                    ul.restore {
                        @for (w, q) in items {
                            li { (q) " × " a href={ "/p/" (w.slug) } { (w.name()) }
                                @if w.stock <= 0 { span.muted { " — sold out right now" } } }
                        }
                    }
                    (post_form(&format!("/go/{token}"), csrf, "inline", html! {
                        button.button.primary #restore type="submit" { "Add to my bag" }
                    }))
                }
            }
        },
    )
}

pub struct Prefs<'a> {
    pub csrf: &'a str,
    pub email: &'a str,
    pub marketing: bool,
    pub unsubscribed: bool,
    pub alerts_waiting: i64,
    pub saved: bool,
}

/// The account's mail preferences.
pub fn prefs(ctx: &Ctx, p: &Prefs) -> Markup {
    page(
        ctx,
        &private("Mail preferences"),
        html! {
            section.narrow {
                p { a href="/account" { "← Your account" } }
                h1 { "Mail preferences" }
                @if p.saved { p.notice role="status" { "Saved." } }
                p { "Mails about your orders, sign-in and deliveries always go to " strong { (p.email) } "." }
                (post_form("/account/mail", p.csrf, "stack", html! {
                    label.check {
                        input type="checkbox" name="marketing" value="1" checked[p.marketing && !p.unsubscribed];
                        " Email me about new products, offers, price drops on my wishlist and items I left in my bag"
                    }
                    button.button type="submit" { "Save" }
                }))
                @if p.unsubscribed { p.muted { "You unsubscribed from these mails; ticking the box starts them again." } }
                @if p.alerts_waiting > 0 {
                    p.muted { "Back-in-stock requests waiting: " (p.alerts_waiting) ". Each is sent once." }
                }
            }
        },
    )
}

/// The coupons the shopper can use now.
pub fn coupons(ctx: &Ctx, list: &[Coupon], zone: &Zone) -> Markup {
    page(
        ctx,
        &private("Your coupons"),
        html! {
            section.narrow {
                p { a href="/account" { "← Your account" } }
                h1 { "Coupons you can use" }
                @if list.is_empty() {
                    p.muted { "No coupons right now." }
                } @else {
                    ul.coupons #coupons {
                        @for k in list {
                            li {
                                code { (k.code) } " — "
                                (match k.kind.as_str() {
                                    "percent" => format!("{}% off", k.value),
                                    "fixed" => format!("{} off", ctx.money.format(k.value)),
                                    _ => "free shipping".to_string(),
                                })
                                @if k.min_subtotal > 0 { " on orders of " (ctx.money.format(k.min_subtotal)) " or more" }
                                @if let Some(e) = k.ends_at { span.muted { " · until " (super::format::iso_date(e, zone)) } }
                            }
                        }
                    }
                    p.muted { "Enter the code at checkout." }
                }
            }
        },
    )
}
