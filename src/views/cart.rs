//! The bag and the checkout page: plain forms that work without JavaScript (every change is
//! a POST that re-renders the page from the server's numbers), phone-first layout, each
//! problem said next to the line it concerns.

use super::form::post_form;
use super::layout::{Ctx, Meta, image_url, page};
use crate::shop::cart::pricing::Quote;
use crate::shop::cart::{Cart, Issue, Line};
use crate::shop::orders::checkout::Input;
use crate::shop::orders::lifecycle::Method;
use maud::{Markup, html};

fn meta(title: &str) -> Meta {
    let mut m = Meta::new(title, title);
    m.noindex = true;
    m
}

fn thumb(l: &Line) -> Markup {
    html! {
        @if let Some(h) = &l.image {
            img.thumb src=(image_url(h, "160")) alt="" width="64" height="80" loading="lazy";
        } @else {
            span.thumb.noimg { (l.title.chars().next().unwrap_or('•')) }
        }
    }
}

fn issue_text(i: &Issue) -> String {
    match i {
        Issue::Unavailable => "No longer available. Please remove it.".into(),
        Issue::SoldOut => "Sold out since you added it. Please remove it.".into(),
        Issue::Short { available } => {
            format!("Only {available} left. Lower the quantity to {available} to continue.")
        }
    }
}

/// What the bag page shows besides the cart.
pub struct BagPage<'a> {
    pub cart: &'a Cart,
    pub csrf: Option<&'a str>,
    pub error: Option<&'a str>,
    pub added: Option<&'a str>,
    /// The bag holds all that is left of an item the shopper asked more of: says so.
    pub limited: Option<&'a str>,
    /// No-JS add: the item waiting for a confirming click (title, options, variant, qty).
    pub confirm: Option<(String, String, i64, i64)>,
    pub max_line_quantity: i64,
}

pub fn bag(ctx: &Ctx, b: &BagPage) -> Markup {
    let cart = b.cart;
    page(
        ctx,
        &meta("Your bag"),
        html! {
            section.bag {
                h1 { "Your bag" }
                @if let Some(e) = b.error { p.notice.error role="alert" { (e) } }
                @if let Some(a) = b.added { p.notice role="status" { "Added " strong { (a) } " to your bag." } }
                @if let Some(l) = b.limited { p.notice.limited role="status" { (l) } }
                @if !cart.notice.is_empty() {
                    .notice role="status" {
                        p { "We merged the bag from before you signed in:" }
                        ul { @for n in cart.notice.lines() { li { (n) } } }
                    }
                }
                @if let (Some((title, opts, variant, qty)), Some(csrf)) = (&b.confirm, b.csrf) {
                    .notice.confirm {
                        (post_form("/cart/add", csrf, "row", html! {
                            input type="hidden" name="variant" value=(variant);
                            input type="hidden" name="qty" value=(qty);
                            span { "Add " strong { (qty) " × " (title) } @if !opts.is_empty() { " (" (opts) ")" } "?" }
                            button.button.primary type="submit" { "Add to bag" }
                        }))
                    }
                }
                @if cart.lines.is_empty() {
                    p.muted { "Your bag is empty." }
                    p { a.button href="/" { "Start shopping" } }
                } @else {
                    ul.lines {
                        @for l in &cart.lines {
                            li.line.flagged[l.issue.is_some()] {
                                a href={ "/p/" (l.slug) } { (thumb(l)) }
                                .what {
                                    a href={ "/p/" (l.slug) } { strong { (l.title) } }
                                    @if !l.options.is_empty() { span.muted { " " (l.options_label()) } }
                                    br;
                                    span { (ctx.money.format(l.unit_price)) }
                                    @if let Some(i) = &l.issue { p.issue role="alert" { (issue_text(i)) } }
                                }
                                @if let Some(csrf) = b.csrf {
                                    .edit {
                                        (post_form("/cart/update", csrf, "qty-form", html! {
                                            input type="hidden" name="variant" value=(l.variant_id);
                                            label { span.vh { "Quantity of " (l.title) }
                                                input type="number" name="qty" value=(l.quantity) min="0" max=(b.max_line_quantity) inputmode="numeric";
                                            }
                                            button.button.ghost type="submit" { "Update" }
                                        }))
                                        (post_form("/cart/remove", csrf, "inline", html! {
                                            input type="hidden" name="variant" value=(l.variant_id);
                                            button.button.ghost type="submit" aria-label={ "Remove " (l.title) } { "Remove" }
                                        }))
                                    }
                                }
                                strong.line-total { (ctx.money.format(l.total())) }
                            }
                        }
                    }
                    .summary {
                        p { "Subtotal " strong #subtotal { (ctx.money.format(cart.subtotal())) } }
                        p.muted { "Shipping and any discount are worked out at checkout." }
                        @if cart.has_issues() {
                            p.notice.error { "Please fix the items marked above before checking out." }
                            span.button.primary aria-disabled="true" { "Checkout" }
                        } @else {
                            a.button.primary #checkout href="/checkout" { "Checkout" }
                        }
                    }
                }
            }
        },
    )
}

/// The checkout form's values (what the shopper typed, or the prefill): exactly what
/// `checkout::place` takes, plus whether the email is the signed-in account's (then it is
/// not editable here).
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub input: Input,
    pub email_locked: bool,
    /// The "email me news and offers" box.
    pub marketing: bool,
}

pub struct CheckoutPage<'a> {
    pub cart: &'a Cart,
    pub quote: &'a Quote,
    pub form: &'a Form,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    pub bank_summary: Option<String>,
}

fn field(
    label: &str,
    name: &str,
    value: &str,
    kind: &str,
    auto: &str,
    required: bool,
    max: u32,
) -> Markup {
    html! {
        label.field {
            span { (label) @if !required { small.muted { " (optional)" } } }
            input type=(kind) name=(name) value=(value) autocomplete=(auto) maxlength=(max) required[required];
        }
    }
}

pub fn checkout(ctx: &Ctx, c: &CheckoutPage) -> Markup {
    let f = &c.form.input;
    let q = c.quote;
    let m = &ctx.money;
    page(
        ctx,
        &meta("Checkout"),
        html! {
            section.checkout {
                h1 { "Checkout" }
                @if let Some(e) = c.error { p.notice.error role="alert" #checkout-error { (e) } }
                @if !c.cart.notice.is_empty() {
                    .notice role="status" { ul { @for n in c.cart.notice.lines() { li { (n) } } } }
                }
                (post_form("/checkout", c.csrf, "checkout-form", html! {
                    input type="hidden" name="idempotency_key" value=(f.idempotency_key);
                    .cols {
                        .details {
                            h2 { "Contact" }
                            @if c.form.email_locked {
                                p { "Signed in as " strong { (f.email) } }
                                input type="hidden" name="email" value=(f.email);
                            } @else {
                                (field("Email", "email", &f.email, "email", "email", true, 254))
                                p.muted.small { "We send your order confirmation here. " a href="/account/sign-in?next=/checkout" { "Sign in" } " to use your saved addresses." }
                            }
                            label.check {
                                input type="checkbox" name="marketing" value="1" checked[c.form.marketing];
                                " Email me about new products, offers and items I left in my bag (you can stop any time)"
                            }
                            (field("Phone", "phone", &f.phone, "tel", "tel", true, 24))
                            h2 { "Delivery address" }
                            (field("Full name", "name", &f.name, "text", "name", true, 80))
                            (field("Address", "line1", &f.line1, "text", "address-line1", true, 120))
                            (field("Apartment, landmark", "line2", &f.line2, "text", "address-line2", false, 120))
                            .two {
                                (field("City", "city", &f.city, "text", "address-level2", true, 80))
                                (field("PIN / postal code", "postal_code", &f.postal_code, "text", "postal-code", true, 12))
                            }
                            .two {
                                (field("State / region", "region", &f.region, "text", "address-level1", false, 80))
                                (field("Country (2-letter code)", "country", &f.country, "text", "country", true, 2))
                            }
                            button.button.ghost.small name="action" value="update" type="submit" formnovalidate { "Update delivery cost" }
                            h2 { "Payment" }
                            fieldset.methods {
                                legend.vh { "Payment method" }
                                @for ch in &q.choices {
                                    label.method.off[ch.unavailable.is_some()] {
                                        input type="radio" name="method" value=(ch.method.as_str())
                                            checked[f.method == ch.method.as_str() && ch.unavailable.is_none()]
                                            disabled[ch.unavailable.is_some()] required;
                                        span {
                                            strong { (ch.label) }
                                            @match (ch.method, &ch.unavailable) {
                                                (_, Some(why)) => { br; small.muted { (why) } }
                                                (Method::Cod, None) => { br; small.muted { "Pay in cash when the parcel arrives." } }
                                                (Method::BankTransfer, None) => { br; small.muted { @if let Some(b) = &c.bank_summary { (b) } " You upload a screenshot of the transfer after ordering." } }
                                                (_, None) => { br; small.muted { "You pay on the secure payment page next; your items are held while you do." } }
                                            }
                                        }
                                    }
                                }
                            }
                            label.field {
                                span { "Note for the shop " small.muted { "(optional)" } }
                                textarea name="note" maxlength="500" rows="2" { (f.note) }
                            }
                        }
                        aside.summary {
                            h2 { "Your order" }
                            ul.mini {
                                @for l in &c.cart.lines {
                                    li { span { (l.quantity) " × " (l.title) @if !l.options.is_empty() { small.muted { " " (l.options_label()) } } } span { (m.format(l.total())) } }
                                }
                            }
                            .coupon {
                                (field("Coupon code", "coupon", &f.coupon, "text", "off", false, 40))
                                button.button.ghost.small name="action" value="update" type="submit" formnovalidate { "Apply" }
                                @if let Some(e) = &q.coupon_error { p.issue role="alert" { (e) } }
                                @if let Some(k) = &q.coupon { p.ok { "Code " strong { (k.code) } " applied." } }
                            }
                            dl.totals {
                                dt { "Subtotal" } dd #t-subtotal { (m.format(q.subtotal)) }
                                @if q.discount > 0 { dt { "Discount" } dd #t-discount { "−" (m.format(q.discount)) } }
                                dt { "Shipping" } dd #t-shipping {
                                    @if q.zone.is_none() { "—" } @else if q.shipping_fee == 0 { "Free" } @else { (m.format(q.shipping_fee)) }
                                }
                                @if q.cod_fee > 0 { dt { "Cash-on-delivery fee" } dd #t-cod { (m.format(q.cod_fee)) } }
                                dt.total { "Total" } dd.total #t-total { (m.format(q.total)) }
                            }
                            // With no usable method chosen the total carries no method fee;
                            // say so rather than let a fee appear or vanish at placing.
                            @if q.method.is_none() {
                                p.muted.small #t-method-note {
                                    "Choose a payment method to see the final total."
                                    @if q.cod_fee_if_chosen > 0 { " Cash on delivery adds " (m.format(q.cod_fee_if_chosen)) "." }
                                }
                            }
                            @if q.zone.is_none() && !f.country.is_empty() { p.issue { "We do not deliver to " (f.country) " yet." } }
                            button.button.primary.wide #place name="action" value="place" type="submit" { "Place order" }
                            p.muted.small { "Prices, shipping and totals are checked again when you place the order." }
                        }
                    }
                }))
            }
        },
    )
}
