//! The card payment pages: the shopper's "pay for order N" page (Razorpay's Checkout
//! button, or why the payment page cannot open now with the ways out), and the built-in
//! sandbox gateway's own payment page with its pay / fail / abandon buttons, marked
//! plainly as pretend so nobody mistakes it for a real one.

use super::layout::{Ctx, Meta, page};
use crate::shop::orders::Order;
use crate::shop::payments::Gateway;
use crate::zone::Zone;
use maud::{Markup, html};

/// What the pay page offers.
pub enum PayWith<'a> {
    /// Razorpay's Standard Checkout, opened by `app.js` over this page; with a
    /// `sandbox_url` the button goes to the sandbox's page instead.
    Razorpay {
        key_id: &'a str,
        remote_id: &'a str,
        /// Where Razorpay posts the Checkout result (absolute).
        callback: &'a str,
        sandbox_url: Option<&'a str>,
    },
    /// The payment page could not be opened: the shopper reads why, with a retry and
    /// the way back to checkout (the bag is still there).
    Unavailable(&'a str),
}

pub struct PayView<'a> {
    pub with: PayWith<'a>,
    /// The order page (with its token).
    pub order_url: &'a str,
    /// This page again (a retry).
    pub retry_url: &'a str,
    pub zone: &'a Zone,
    pub notice: Option<&'a str>,
}

pub fn pay_page(ctx: &Ctx, o: &Order, v: &PayView) -> Markup {
    let mut meta = Meta::new(format!("Pay for order {}", o.number), "Pay for your order");
    meta.noindex = true;
    page(
        ctx,
        &meta,
        html! {
            section.order-page.pay-page {
                p.muted { "Order " (o.number) }
                h1 { "Pay " (ctx.money.format(o.total)) }
                @if let Some(n) = v.notice { p.notice role="status" { (n) } }
                @match &v.with {
                    PayWith::Razorpay { key_id, remote_id, callback, sandbox_url } => {
                        p { "You pay on Razorpay's secure window: card, UPI, netbanking or wallet." }
                        @if let Some(by) = o.pay_by { p.muted { "Your items are held until " (super::admin::when(by, v.zone)) "." } }
                        @if let Some(url) = sandbox_url {
                            a.button.primary.big href=(url) { "Pay " (ctx.money.format(o.total)) }
                            p.muted { "This store is in sandbox mode: the next page pretends to be Razorpay and no money moves." }
                        } @else {
                            button.button.primary.big #rzp-pay type="button"
                                data-key=(key_id) data-order=(remote_id) data-amount=(o.total)
                                data-currency=(o.currency) data-name=(ctx.store_name)
                                data-description={ "Order " (o.number) } data-email=(o.email)
                                data-contact=(o.phone) data-callback=(callback) {
                                "Pay " (ctx.money.format(o.total))
                            }
                            noscript { p.notice.error { "Razorpay's payment window needs JavaScript. Please turn it on, or go back to checkout and choose another way to pay." } }
                            script src="https://checkout.razorpay.com/v1/checkout.js" {}
                        }
                    }
                    PayWith::Unavailable(why) => {
                        p.notice.error role="alert" { (why) }
                        p { a.button.primary href=(v.retry_url) { "Try again" } " " a.button.ghost href="/checkout" { "Pay another way" } }
                        p.muted { "Your bag is kept: choosing another way to pay at checkout replaces this order." }
                    }
                }
                p { a href=(v.order_url) { "See the order" } }
            }
        },
    )
}

/// The sandbox gateway's payment page.
pub struct SandboxView<'a> {
    pub gateway: Gateway,
    pub remote_id: &'a str,
    pub amount: i64,
    pub status: &'a str,
    pub csrf: &'a str,
    pub declined: bool,
}

pub fn sandbox_page(ctx: &Ctx, v: &SandboxView) -> Markup {
    let mut meta = Meta::new(
        format!("{} sandbox", v.gateway.label()),
        "Pretend payment page",
    );
    meta.noindex = true;
    let action = format!("/sandbox/{}/{}", v.gateway.as_str(), v.remote_id);
    page(
        ctx,
        &meta,
        html! {
            section.order-page.sandbox {
                p.notice role="note" { strong { "Sandbox" } " — this page pretends to be " (v.gateway.label()) ". No card is charged and no money moves." }
                h1 { "Pay " (ctx.money.format(v.amount)) }
                p.muted { (v.gateway.label()) " " (v.remote_id) }
                @if v.declined { p.notice.error role="alert" { "Your card was declined (sandbox). Try again or choose another card." } }
                @match v.status {
                    "paid" => { p { "This payment is done." } }
                    "expired" => { p { "This payment page has expired." } }
                    _ => {
                        form.stack method="post" action=(action) {
                            input type="hidden" name="csrf_token" value=(v.csrf);
                            label.field { span { "Card number" } input type="text" value="4242 4242 4242 4242" readonly; }
                            button.button.primary.big name="do" value="pay" type="submit" { "Pay " (ctx.money.format(v.amount)) }
                            button.button.ghost name="do" value="fail" type="submit" { "Decline the card" }
                            button.button.ghost name="do" value="abandon" type="submit" { "Go back to the store" }
                        }
                    }
                }
            }
        },
    )
}
