//! The shopper's order page (reached by the secret link or from the account): what was
//! bought, the totals, the status timeline, how to pay, and for a bank transfer the proof
//! upload with the history of earlier uploads.

use super::account::status_label;
use super::form::upload_form;
use super::format::iso_date;
use super::layout::{Ctx, Meta, page};
use crate::shop::orders::Order;
use crate::shop::orders::lifecycle::{Method, Payment, Status};
use crate::shop::shipping::{Shipment, State, TrackEvent};
use crate::zone::Zone;
use maud::{Markup, html};

/// How this visitor reached the order; decides the links of the proof form and files.
pub struct Access<'a> {
    /// The secret token when the page was opened by its link.
    pub token: Option<&'a str>,
    pub csrf: Option<&'a str>,
    pub offset_minutes: Zone,
    /// Lines of the bank details (account name, number…), shown while payment is due.
    pub bank: Vec<String>,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub max_mb: u64,
    /// The order's shipment, once there is one.
    pub shipment: Option<&'a Shipment>,
}

impl Access<'_> {
    fn suffix(&self) -> String {
        self.token
            .map(|t| format!("?token={t}"))
            .unwrap_or_default()
    }
}

pub fn payment_label(p: Payment) -> &'static str {
    match p {
        Payment::Unpaid => "Not paid yet",
        Payment::Paid => "Paid",
        Payment::PartiallyRefunded => "Partly refunded",
        Payment::Refunded => "Refunded",
    }
}

pub fn method_label(m: Method) -> &'static str {
    crate::shop::orders::lifecycle::method_label(m)
}

fn event_label(kind: &str) -> &'static str {
    match kind {
        "placed" => "Order placed",
        "proof_uploaded" => "Payment proof uploaded",
        "proof_verified" => "Payment verified",
        "proof_rejected" => "Payment proof not accepted",
        "payment_confirmed" => "Payment confirmed",
        "processing" => "Being prepared",
        "shipped" => "Shipped",
        "delivered" => "Delivered",
        "cash_collected" => "Cash payment received",
        "cancelled" => "Cancelled",
        "expired" => "Cancelled: no payment received in time",
        "refunded" => "Refund sent",
        "transfer_received" => "Transfer received after cancelling",
        "transfer_returned" => "Transfer sent back",
        "returned" => "Return received",
        "reminder_sent" => "Payment reminder sent",
        "payment_captured" => "Card payment received",
        "payment_captured_late" => "Card payment received after the order was closed",
        "payment_failed" => "Card payment did not go through",
        "payment_mismatch" => "Card payment needs checking",
        "payment_late" => "Card payment arrived too late: refunding",
        "refund_confirmed" => "Refund confirmed by the gateway",
        "payment_opened" => "Payment page opened",
        "payment_open_failed" => "Payment page could not be opened",
        "refund_requested" => "Refund asked from the gateway",
        "refund_failed" => "Refund refused by the gateway",
        "shipment_requested" => "Shipment booked with the courier",
        "shipment_step" => "Courier update",
        "shipment_failed" => "Courier booking needs attention",
        "returned_to_sender" => "Returned by the courier",
        _ => "Update",
    }
}

/// Timeline steps meant for the owner only: their notes speak of dashboards and decisions
/// the shopper has nothing to do with.
pub const OWNER_ONLY: [&str; 6] = [
    "payment_mismatch",
    "payment_late",
    "payment_open_failed",
    "refund_failed",
    "shipment_failed",
    "shipment_step",
];

/// The timeline and totals shared by the shopper's page and the admin's.
pub fn timeline(o: &Order, offset: &Zone, show_actor: bool) -> Markup {
    html! {
        ol.timeline {
            @for e in o.events.iter().filter(|e| show_actor || !OWNER_ONLY.contains(&e.kind.as_str())) {
                li {
                    time { (iso_date(e.at, offset)) }
                    " " strong { (event_label(&e.kind)) }
                    @if !e.note.is_empty() { " — " span { (e.note) } }
                    @if show_actor { small.muted { " · " (e.actor) } }
                }
            }
        }
    }
}

pub fn totals(ctx: &Ctx, o: &Order) -> Markup {
    let m = &ctx.money;
    html! {
        dl.totals {
            dt { "Subtotal" } dd { (m.format(o.subtotal)) }
            @if o.discount > 0 {
                dt { "Discount" @if let Some(c) = &o.coupon_code { " (" (c) ")" } } dd { "−" (m.format(o.discount)) }
            }
            dt { "Shipping" } dd { @if o.shipping_fee == 0 { "Free" } @else { (m.format(o.shipping_fee)) } }
            @if o.cod_fee > 0 { dt { "Cash-on-delivery fee" } dd { (m.format(o.cod_fee)) } }
            dt.total { "Total" } dd.total { (m.format(o.total)) }
            @if o.refunded > 0 { dt { "Refunded" } dd { "−" (m.format(o.refunded)) } }
        }
    }
}

pub fn lines(ctx: &Ctx, o: &Order) -> Markup {
    html! {
        table.data.lines {
            thead { tr { th { "Item" } th { "Qty" } th { "Price" } th { "Total" } } }
            tbody {
                @for l in &o.lines {
                    tr {
                        td { (l.title) @if !l.options.is_empty() { br; small.muted { (l.options) } } br; small.muted { "SKU " (l.sku) } }
                        td { (l.quantity) @if l.returned > 0 { br; small.muted { (l.returned) " returned" } } }
                        td { (ctx.money.format(l.unit_price)) }
                        td { (ctx.money.format(l.unit_price * l.quantity)) }
                    }
                }
            }
        }
    }
}

pub fn address(o: &Order) -> Markup {
    html! {
        address {
            (o.name) br;
            (o.line1) br;
            @if !o.line2.is_empty() { (o.line2) br; }
            (o.city) ", " @if !o.region.is_empty() { (o.region) " " } (o.postal_code) br;
            (o.country) br;
            (o.phone)
        }
    }
}

pub fn order_page(ctx: &Ctx, o: &Order, a: &Access) -> Markup {
    let mut meta = Meta::new(format!("Order {}", o.number), "Your order");
    meta.noindex = true;
    let suffix = a.suffix();
    page(
        ctx,
        &meta,
        html! {
            section.order-page {
                p.muted { "Order " (o.number) " · placed " (iso_date(o.created_at, &a.offset_minutes)) }
                h1 #order-status data-status=(o.status.as_str()) { (status_label(o.status.as_str())) }
                p { "Payment: " strong #payment-status data-payment=(o.payment.as_str()) { (payment_label(o.payment)) } " · " (method_label(o.method)) }
                @if let Some(e) = a.error { p.notice.error role="alert" { (e) } }
                @if let Some(n) = a.notice { p.notice role="status" { (n) } }
                @if let Some(sh) = a.shipment.filter(|s| s.state != State::Cancelled) {
                    section.parcel #parcel {
                        @if !sh.by_courier() && !o.carrier.is_empty() {
                            p { "Shipped with " strong { (o.carrier) }
                                @if !o.tracking_number.is_empty() { " · tracking " (o.tracking_number) }
                                @if !o.tracking_url.is_empty() { " · " a href=(o.tracking_url) rel="noopener noreferrer" target="_blank" { "Track parcel" } }
                            }
                        }
                        @if sh.by_courier() {
                            p {
                                strong { (sh.state.label()) }
                                @if !sh.carrier.is_empty() { " · " (sh.carrier) }
                                @if !sh.awb.is_empty() { " · AWB " (sh.awb) }
                                @if !sh.edd.is_empty() && !sh.state.is_final() { " · expected by " (day_of(&sh.edd)) }
                            }
                        }
                        a.button #track-parcel href={ "/orders/" (o.number) "/tracking" (suffix) } { "Track your parcel" }
                    }
                } @else if o.status == Status::Shipped || o.status == Status::Delivered {
                    @if !o.carrier.is_empty() {
                        p { "Shipped with " strong { (o.carrier) }
                            @if !o.tracking_number.is_empty() { " · tracking " (o.tracking_number) }
                            @if !o.tracking_url.is_empty() { " · " a href=(o.tracking_url) rel="noopener noreferrer" target="_blank" { "Track parcel" } }
                        }
                    }
                }
                @if matches!(o.method, Method::Razorpay | Method::Stripe) && o.status == Status::PendingPayment && o.payment == Payment::Unpaid {
                    section.pay {
                        h2 { "Pay by card" }
                        p { "This order is waiting for its payment of " strong { (ctx.money.format(o.total)) } "." }
                        @if let Some(by) = o.pay_by { p.muted { "Its items are held until " (super::admin::when(by, &a.offset_minutes)) "; after that the order is cancelled." } }
                        a.button.primary #pay-now href={ "/orders/" (o.number) "/pay" (suffix) } { "Pay now" }
                    }
                }
                @if o.method == Method::BankTransfer && matches!(o.status, Status::PendingPayment | Status::AwaitingVerification) {
                    section.pay {
                        h2 { "Pay by bank transfer" }
                        @if o.status == Status::AwaitingVerification {
                            p { "Thank you — we have your payment proof and will confirm it shortly. You can upload a clearer one if needed." }
                        } @else {
                            p { "Transfer " strong { (ctx.money.format(o.total)) } " to:" }
                            ul.bank { @for b in &a.bank { li { (b) } } }
                            @if let Some(by) = o.pay_by { p.muted { "Please pay by " (iso_date(by, &a.offset_minutes)) "; unpaid orders are cancelled after that." } }
                            @if let Some(r) = o.proofs.iter().find(|p| p.status == "rejected" && !p.closed_with_cancellation()) {
                                p.notice.error { "Your last proof was not accepted: " (r.reason) }
                            }
                        }
                        @if let Some(csrf) = a.csrf {
                            @if o.takes_proof() {
                                (upload_form(&format!("/orders/{}/proof{}", o.number, suffix), csrf, "stack proof-form", html! {
                                    label.field {
                                        span { "Screenshot or PDF of the transfer (JPEG, PNG, WebP or PDF, up to " (a.max_mb) " MB)" }
                                        input type="file" name="proof" accept="image/jpeg,image/png,image/webp,application/pdf" required;
                                    }
                                    button.button.primary type="submit" { "Upload payment proof" }
                                }))
                            }
                        }
                    }
                }
                @if !o.proofs.is_empty() {
                    h2 { "Payment proofs" }
                    ul.proofs {
                        @for p in &o.proofs {
                            li {
                                a href={ "/orders/" (o.number) "/proofs/" (p.id) (suffix) } { "Uploaded " (iso_date(p.uploaded_at, &a.offset_minutes)) }
                                " · " (if p.closed_with_cancellation() { "closed with the cancellation" } else { match p.status.as_str() { "pending" => "being checked", "accepted" => "accepted", "rejected" => "not accepted", _ => "replaced" } })
                            }
                        }
                    }
                }
                h2 { "Items" }
                (lines(ctx, o))
                (totals(ctx, o))
                .two {
                    div { h2 { "Delivery" } (address(o)) }
                    div { h2 { "Timeline" } (timeline(o, &a.offset_minutes, false)) }
                }
                p.muted { "Questions? Write to " a href={ "mailto:" (ctx.contact_email) } { (ctx.contact_email) } " with your order number." }
            }
        },
    )
}

/// "2025-05-23 15:40:19" → "2025-05-23": the courier's date, without its clock.
fn day_of(s: &str) -> &str {
    s.get(..10).unwrap_or(s)
}

/// `/orders/{number}/tracking`: where the parcel is, with the carrier, the AWB, the
/// expected date and every scan, newest first.
pub fn tracking_page(
    ctx: &Ctx,
    o: &Order,
    sh: Option<&Shipment>,
    history: &[TrackEvent],
    a: &Access,
) -> Markup {
    let mut meta = Meta::new(
        format!("Tracking order {}", o.number),
        "Where your parcel is",
    );
    meta.noindex = true;
    let suffix = a.suffix();
    page(
        ctx,
        &meta,
        html! {
            section.order-page.tracking {
                p.muted { a href={ "/orders/" (o.number) (suffix) } { "← Order " (o.number) } }
                @match sh {
                    None => {
                        h1 #tracking-state data-state="none" { "Not shipped yet" }
                        p { (status_label(o.status.as_str())) ". We will email you the tracking details as soon as your parcel leaves us." }
                    }
                    Some(sh) => {
                        h1 #tracking-state data-state=(sh.state.as_str()) { (sh.state.label()) }
                        dl.facts {
                            @if !sh.carrier.is_empty() { dt { "Carrier" } dd #carrier { (sh.carrier) } }
                            @if !sh.awb.is_empty() { dt { "Tracking number (AWB)" } dd #awb { (sh.awb) } }
                            @if !sh.edd.is_empty() && !sh.state.is_final() { dt { "Expected delivery" } dd #edd { (day_of(&sh.edd)) } }
                            @if !sh.tracking_url.is_empty() { dt { "Courier's page" } dd { a.wrap href=(sh.tracking_url) rel="noopener noreferrer" target="_blank" { "Open the courier's tracking" } } }
                        }
                        h2 { "Journey" }
                        @if history.is_empty() {
                            p.muted { "No scans yet: the courier adds them as the parcel moves." }
                        } @else {
                            ol.timeline.journey #journey {
                                @for e in history.iter().rev() {
                                    li data-state=(e.state) {
                                        time { @if e.happened.is_empty() { (iso_date(e.at, &a.offset_minutes)) } @else { (e.happened.get(..16).unwrap_or(&e.happened)) } }
                                        " " strong { (e.activity) }
                                        @if !e.location.is_empty() { " — " span { (e.location) } }
                                    }
                                }
                            }
                        }
                    }
                }
                p.muted { "Questions? Write to " a href={ "mailto:" (ctx.contact_email) } { (ctx.contact_email) } " with your order number." }
            }
        },
    )
}
