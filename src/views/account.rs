//! Account pages: sign-in (email → code or link), the account overview with active
//! sessions and sign-out buttons. Every form goes through `form::post_form`.

use super::form::post_form;
use super::format::iso_date;
use super::layout::{Ctx, Meta, page};
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::orders::Summary;
use crate::zone::Zone;
use maud::{Markup, html};

fn meta(title: &str) -> Meta {
    let mut m = Meta::new(title, title);
    m.noindex = true;
    m
}

fn notice(error: Option<&str>) -> Markup {
    html! { @if let Some(e) = error { p.notice.error role="alert" { (e) } } }
}

pub fn sign_in(ctx: &Ctx, csrf: &str, next: &str, email: &str, error: Option<&str>) -> Markup {
    page(
        ctx,
        &meta("Sign in"),
        html! {
            section.narrow {
                h1 { "Sign in" }
                p.muted { "No password needed. We'll email you a sign-in link and a 6-digit code." }
                (notice(error))
                (post_form("/account/sign-in", csrf, "stack", html! {
                    input type="hidden" name="next" value=(next);
                    label.field {
                        span { "Email" }
                        input type="email" name="email" value=(email) required autocomplete="email" maxlength="254" inputmode="email";
                    }
                    button.button.primary type="submit" { "Email me a sign-in code" }
                }))
            }
        },
    )
}

/// The "check your email" step. `changing`: proving a new address for an email change
/// rather than signing in (same link and code, different words).
pub fn check_email(
    ctx: &Ctx,
    csrf: &str,
    email: &str,
    tries_left: i64,
    error: Option<&str>,
    changing: bool,
) -> Markup {
    page(
        ctx,
        &meta("Check your email"),
        html! {
            section.narrow {
                h1 { "Check your email" }
                @if changing {
                    p { "We sent a link and a 6-digit code to " strong { (email) } ". Your account moves to that address once you use one of them: the link on any device within 15 minutes, or the code here within 10 minutes." }
                } @else {
                    p { "If " strong { (email) } " can receive mail, a sign-in link and a 6-digit code are on their way. The link works on any device for 15 minutes; the code works here for 10 minutes." }
                }
                (notice(error))
                (post_form("/account/sign-in/code", csrf, "stack", html! {
                    label.field {
                        span { "6-digit code" }
                        input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required;
                    }
                    button.button.primary type="submit" { (if changing { "Confirm new address" } else { "Sign in" }) }
                    @if tries_left < 5 { p.muted { (tries_left) " tries left for this code." } }
                }))
                p { a href="/account/sign-in" { "Use a different email or send a new code" } }
            }
        },
    )
}

/// What the overview shows besides the customer.
pub struct OverviewInfo<'a> {
    pub sessions: &'a [Session],
    /// The id of the session looking at the page.
    pub current: i64,
    pub offset_minutes: Zone,
    pub error: Option<&'a str>,
    /// Just came back from proving a new address.
    pub email_changed: bool,
}

pub fn overview(ctx: &Ctx, csrf: &str, me: &Customer, info: &OverviewInfo) -> Markup {
    let OverviewInfo {
        sessions,
        current,
        ref offset_minutes,
        error,
        email_changed,
    } = *info;
    page(
        ctx,
        &meta("Your account"),
        html! {
            section.narrow {
                h1 { "Your account" }
                p { "Signed in as " strong { (me.email) } @if me.is_staff() { " · " a href="/admin" { "Store admin" } } }
                nav.tabs {
                    a href="/account/orders" { "Orders" }
                    a href="/account/addresses" { "Addresses" }
                    a href="/account/reviews" { "Reviews" }
                    a href="/wishlist" { "Wishlist" }
                    a href="/account/coupons" { "Coupons" }
                    a href="/account/mail" { "Mail preferences" }
                }
                @if email_changed { p.notice role="status" { "Your account now uses " strong { (me.email) } "." } }
                h2 { "Profile" }
                (notice(error))
                (post_form("/account/profile", csrf, "stack", html! {
                    label.field {
                        span { "Name" }
                        input type="text" name="name" value=(me.name) maxlength="80" autocomplete="name";
                    }
                    label.field {
                        span { "Phone (for delivery)" }
                        input type="tel" name="phone" value=(me.phone) maxlength="24" autocomplete="tel" inputmode="tel";
                    }
                    button.button type="submit" { "Save" }
                }))
                h2 { "Email address" }
                p.muted { "To change it, enter the new address: we send it a link and a code, and your account moves once you use one." }
                (post_form("/account/email", csrf, "stack", html! {
                    label.field {
                        span { "New email" }
                        input type="email" name="email" required autocomplete="email" maxlength="254" inputmode="email";
                    }
                    button.button type="submit" { "Send confirmation" }
                }))
                h2 { "Where you're signed in" }
                ul.sessions {
                    @for s in sessions {
                        li {
                            span title=(s.user_agent) { (device_name(&s.user_agent)) }
                            span.muted { " · since " (iso_date(s.created_at, offset_minutes)) " · last seen " (iso_date(s.last_seen_at, offset_minutes)) }
                            @if s.id == current { strong { " · this device" } }
                        }
                    }
                }
                .row {
                    (post_form("/account/sign-out", csrf, "inline", html! { button.button.ghost type="submit" { "Sign out" } }))
                    @if sessions.len() > 1 {
                        (post_form("/account/sign-out-everywhere", csrf, "inline", html! { button.button.ghost type="submit" { "Sign out everywhere else" } }))
                    }
                }
            }
        },
    )
}

/// Order history, newest first, each linking to its order page.
pub fn orders(ctx: &Ctx, list: &[Summary], offset_minutes: &Zone) -> Markup {
    page(
        ctx,
        &meta("Your orders"),
        html! {
            section.narrow {
                p { a href="/account" { "← Your account" } }
                h1 { "Your orders" }
                @if list.is_empty() {
                    p.muted { "You have no orders yet. When you place one, it appears here with its status and tracking." }
                    p { a.button href="/" { "Start shopping" } }
                } @else {
                    table.orders {
                        thead { tr { th { "Order" } th { "Placed" } th { "Items" } th { "Total" } th { "Status" } } }
                        tbody {
                            @for o in list {
                                tr {
                                    td { a href={ "/account/orders/" (o.number) } { (o.number) } }
                                    td { (iso_date(o.created_at, offset_minutes)) }
                                    td { (o.items) }
                                    td { (ctx.money.format(o.total)) }
                                    td {
                                        (status_label(&o.status))
                                        // Where the parcel is, while it is on its way.
                                        @if let Some(st) = o.shipment.as_deref().and_then(crate::shop::shipping::State::parse).filter(|s| !matches!(s, crate::shop::shipping::State::Delivered | crate::shop::shipping::State::Cancelled)) {
                                            @if o.status != "delivered" && o.status != "returned" {
                                                br; small.muted { (st.label()) } " · " a href={ "/account/orders/" (o.number) "/tracking" } { "Track" }
                                            }
                                        }
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

/// A browser's user-agent as people say it: "Chrome on Android", "Safari on iPhone",
/// "Firefox on Windows". The raw string stays in the element's title.
pub fn device_name(ua: &str) -> String {
    let has = |s: &str| ua.contains(s);
    let browser = if has("Edg/") || has("EdgA/") || has("EdgiOS/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("SamsungBrowser/") {
        "Samsung Internet"
    } else if has("Firefox/") || has("FxiOS/") {
        "Firefox"
    } else if has("CriOS/") || has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") && has("Version/") {
        "Safari"
    } else if has("curl/") || has("Wget/") || has("python") {
        "A script"
    } else {
        "A browser"
    };
    let device = if has("iPhone") {
        "iPhone"
    } else if has("iPad") {
        "iPad"
    } else if has("Android") {
        if has("Mobile") {
            "Android phone"
        } else {
            "Android tablet"
        }
    } else if has("CrOS") {
        "Chromebook"
    } else if has("Windows") {
        "Windows"
    } else if has("Macintosh") || has("Mac OS X") {
        "Mac"
    } else if has("Linux") {
        "Linux"
    } else {
        ""
    };
    match (ua.trim().is_empty(), device) {
        (true, _) => "Unknown browser".into(),
        (false, "") => browser.into(),
        (false, d) => format!("{browser} on {d}"),
    }
}

/// How a shopper reads an order status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending_payment" => "Awaiting payment",
        "awaiting_verification" => "Payment being checked",
        "confirmed" => "Confirmed",
        "processing" => "Being prepared",
        "shipped" => "Shipped",
        "delivered" => "Delivered",
        "cancelled" => "Cancelled",
        "returned" => "Returned",
        _ => "Unknown",
    }
}

fn address_fields(a: &crate::shop::accounts::addresses::Address) -> Markup {
    html! {
        label.field { span { "Full name" } input type="text" name="name" value=(a.name) required maxlength="80" autocomplete="name"; }
        label.field { span { "Phone" } input type="tel" name="phone" value=(a.phone) required maxlength="24" autocomplete="tel" inputmode="tel"; }
        label.field { span { "Address" } input type="text" name="line1" value=(a.line1) required maxlength="120" autocomplete="address-line1"; }
        label.field { span { "Apartment, landmark (optional)" } input type="text" name="line2" value=(a.line2) maxlength="120" autocomplete="address-line2"; }
        label.field { span { "City" } input type="text" name="city" value=(a.city) required maxlength="80" autocomplete="address-level2"; }
        label.field { span { "State / region" } input type="text" name="region" value=(a.region) maxlength="80" autocomplete="address-level1"; }
        label.field { span { "PIN / postal code" } input type="text" name="postal_code" value=(a.postal_code) required maxlength="12" autocomplete="postal-code"; }
        label.field { span { "Country code" } input type="text" name="country" value=(if a.country.is_empty() { "IN" } else { a.country.as_str() }) required maxlength="2" autocomplete="country"; }
    }
}

pub fn addresses(
    ctx: &Ctx,
    csrf: &str,
    list: &[crate::shop::accounts::addresses::Address],
    draft: &crate::shop::accounts::addresses::Address,
    error: Option<&str>,
) -> Markup {
    page(
        ctx,
        &meta("Your addresses"),
        html! {
            section.narrow {
                p { a href="/account" { "← Your account" } }
                h1 { "Your addresses" }
                @if list.is_empty() { p.muted { "No saved addresses yet." } }
                ul.addresses {
                    @for a in list {
                        li {
                            address {
                                strong { (a.name) } @if a.is_default { " · " em { "default" } } br;
                                (a.line1) @if !a.line2.is_empty() { ", " (a.line2) } br;
                                (a.city) @if !a.region.is_empty() { ", " (a.region) } " " (a.postal_code) " · " (a.country) br;
                                (a.phone)
                            }
                            .row {
                                a.button.ghost href={ "/account/addresses/" (a.id) } { "Edit" }
                                @if !a.is_default {
                                    (post_form(&format!("/account/addresses/{}/default", a.id), csrf, "inline", html! { button.button.ghost type="submit" { "Make default" } }))
                                }
                                (post_form(&format!("/account/addresses/{}/delete", a.id), csrf, "inline", html! { button.button.ghost type="submit" { "Delete" } }))
                            }
                        }
                    }
                }
                h2 { "Add an address" }
                (notice(error))
                (post_form("/account/addresses", csrf, "stack", html! {
                    (address_fields(draft))
                    label.check { input type="checkbox" name="is_default" value="1"; span { "Use as my default address" } }
                    button.button.primary type="submit" { "Save address" }
                }))
            }
        },
    )
}

pub fn edit_address(
    ctx: &Ctx,
    csrf: &str,
    a: &crate::shop::accounts::addresses::Address,
    error: Option<&str>,
) -> Markup {
    page(
        ctx,
        &meta("Edit address"),
        html! {
            section.narrow {
                p { a href="/account/addresses" { "← Your addresses" } }
                h1 { "Edit address" }
                (notice(error))
                (post_form(&format!("/account/addresses/{}", a.id), csrf, "stack", html! {
                    (address_fields(a))
                    button.button.primary type="submit" { "Save changes" }
                }))
            }
        },
    )
}

/// `/account/reviews`: the reviews the shopper wrote, with where each stands.
pub fn reviews(ctx: &Ctx, list: &[crate::shop::reviews::Review], offset: &Zone) -> Markup {
    page(
        ctx,
        &meta("Your reviews"),
        html! {
            section.narrow {
                p { a href="/account" { "← Your account" } }
                h1 { "Your reviews" }
                @if list.is_empty() {
                    p.muted { "You have not reviewed anything yet. After an order is delivered we email you a link to review each item." }
                }
                ol.review-list #my-reviews {
                    @for r in list {
                        li.review {
                            p { span.stars { (super::reviews::star_text(r.rating)) } " " strong { (r.title) } " · " (r.product_title) }
                            p.muted { (match r.status.as_str() { "published" => "On the product page", "pending" => "Waiting to be published", _ => "Not shown" }) " · " (iso_date(r.created_at, offset)) }
                            p { (r.body) }
                            @if !r.reply.is_empty() { blockquote.reply { strong { "From the shop: " } (r.reply) } }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::device_name;

    #[test]
    fn user_agents_read_as_browser_and_device() {
        for (ua, want) in [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android phone",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Mac",
            ),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android phone",
            ),
            ("curl/8.5.0", "A script"),
            ("", "Unknown browser"),
        ] {
            assert_eq!(device_name(ua), want, "{ua}");
        }
    }
}
