//! The owner's order screens: the list with its filters and search, and one order with
//! everything needed to run it to delivery — items, customer, address, timeline, proofs
//! (viewed inline), and one form per action that is legal right now.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use super::order::{address, lines, method_label, payment_label, timeline, totals};
use crate::shop::orders::lifecycle::{self, Action, Method, Payment};
use crate::shop::orders::{Filter, Order, Row};
use crate::zone::Zone;
use maud::{Markup, html};

fn status_text(s: &str) -> &'static str {
    super::account::status_label(s)
}

/// `methods`: the payment methods the store offers (a filter by one it does not offer is
/// still shown while it is chosen).
pub fn list(
    ctx: &Ctx,
    rows: &[Row],
    f: &Filter,
    offset: &Zone,
    methods: &[Method],
    next: Option<String>,
) -> Markup {
    let statuses = lifecycle::Status::ALL;
    frame(
        ctx,
        "Orders",
        "orders",
        html! {
            h1 { "Orders" }
            nav.tabs {
                a.active[f == &Filter { limit: f.limit, ..Filter::default() }] href="/admin/orders" { "All" }
                a.active[f.awaiting_verification] href="/admin/orders?awaiting=1" { "Proofs to verify" }
                a.active[f.unpaid_cod] href="/admin/orders?unpaid_cod=1" { "COD to collect" }
                a.active[f.status.as_deref() == Some("confirmed")] href="/admin/orders?status=confirmed" { "To ship" }
            }
            form.row.filters method="get" action="/admin/orders" {
                label.field { span.vh { "Search" } input type="search" name="q" value=(f.q) placeholder="Order number, email or phone"; }
                label.field { span.vh { "Status" }
                    select name="status" {
                        option value="" { "Any status" }
                        @for s in statuses { option value=(s.as_str()) selected[f.status.as_deref() == Some(s.as_str())] { (status_text(s.as_str())) } }
                    }
                }
                label.field { span.vh { "Payment method" }
                    select name="method" {
                        option value="" { "Any payment" }
                        @for m in Method::ALL.into_iter().filter(|m| methods.contains(m) || f.method.as_deref() == Some(m.as_str())) { option value=(m.as_str()) selected[f.method.as_deref() == Some(m.as_str())] { (method_label(m)) } }
                    }
                }
                button.button type="submit" { "Filter" }
            }
            @if rows.is_empty() {
                p.muted { "No orders match." }
            } @else {
                table.data.orders {
                    thead { tr { th { "Order" } th { "Placed" } th { "Customer" } th { "Items" } th { "Total" } th { "Payment" } th { "Status" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { a href={ "/admin/orders/" (r.number) } { (r.number) } }
                                td { (when(r.created_at, offset)) }
                                td { (r.name) br; small.muted { (r.email) " · " (r.phone) } }
                                td { (r.items) }
                                td { (ctx.money.format(r.total)) }
                                td { (Method::parse(&r.payment_method).map(method_label).unwrap_or("")) br; small.muted { (Payment::parse(&r.payment_status).map(payment_label).unwrap_or("")) } }
                                td { span.status { (status_text(&r.status)) } }
                            }
                        }
                    }
                }
                @if let Some(n) = next { p { a.button.ghost href=(n) { "Older orders →" } } }
            }
        },
    )
}

fn allowed(o: &Order, a: Action) -> bool {
    lifecycle::next(o.status, o.payment, o.method, a).is_ok()
}

/// A card order's gateway side, for its page.
pub struct Card<'a> {
    pub attempts: &'a [crate::shop::payments::Attempt],
    pub refunds: &'a [crate::shop::payments::refunds::Refund],
}

/// The order's shipment side, for its page.
pub struct Parcel<'a> {
    pub shipment: Option<&'a crate::shop::shipping::Shipment>,
    pub history: &'a [crate::shop::shipping::TrackEvent],
    /// The carriers of `[[shipping.carriers]]`, offered in the ship form.
    pub carriers: &'a [crate::config::Carrier],
    /// Why the courier cannot book now (None: it can).
    pub courier_problem: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)]
pub fn detail(
    ctx: &Ctx,
    o: &Order,
    csrf: &str,
    offset: &Zone,
    error: Option<&str>,
    notice: Option<&str>,
    card: &Card,
    parcel: &Parcel,
) -> Markup {
    let base = format!("/admin/orders/{}", o.number);
    let act = |name: &str| format!("{base}/{name}");
    let left = o.total - o.refunded;
    let by_card = crate::shop::payments::Gateway::of(o.method);
    let waiting: i64 = card
        .refunds
        .iter()
        .filter(|r| r.applies && matches!(r.status.as_str(), "requested" | "sent"))
        .map(|r| r.amount)
        .sum();
    frame(
        ctx,
        &format!("Order {}", o.number),
        "orders",
        html! {
            p { a href="/admin/orders" { "← Orders" } }
            h1 { "Order " (o.number) }
            p {
                span.status #admin-status data-status=(o.status.as_str()) { (status_text(o.status.as_str())) }
                " · " (payment_label(o.payment)) " · " (method_label(o.method))
                " · placed " (when(o.created_at, offset))
            }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            @if let Some(n) = notice { p.notice role="status" { (n) } }
            .two {
                div {
                    @if let Some(g) = by_card {
                        h2 { "Card payment (" (g.label()) ")" }
                        @if card.attempts.is_empty() { p.muted { "No payment page was opened yet." } }
                        ul.attempts {
                            @for a in card.attempts {
                                li {
                                    "Attempt " (a.attempt) " · " (a.remote_id.as_deref().unwrap_or("not opened")) " · " strong { (a.status) }
                                    @if let Some(p) = &a.payment_id { " · payment " (p) }
                                    @if let Some(by) = &a.captured_by { small.muted { " · reported by " (by) } }
                                    @if let Some(e) = &a.last_error { br; small.muted { (e) } }
                                }
                            }
                        }
                        @if card.attempts.iter().any(|a| a.remote_id.is_some() && !a.settled()) {
                            (post_form(&act("recheck"), csrf, "inline", html! { button.button #recheck type="submit" { "Re-check with " (g.label()) } }))
                        }
                        @if !card.refunds.is_empty() {
                            h3 { "Refunds" }
                            ul.refunds {
                                @for r in card.refunds {
                                    li {
                                        (ctx.money.format(r.amount)) " · " strong { (match r.status.as_str() { "requested" => "being sent", "sent" => "sent, waiting for the gateway", "confirmed" => "done", _ => "refused" }) }
                                        @if let Some(id) = &r.remote_id { " · " (id) }
                                        @if !r.reason.is_empty() { " · " (r.reason) }
                                        @if let Some(e) = &r.last_error { br; small.muted { (e) } }
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Customer" }
                    p { (o.name) br; a href={ "mailto:" (o.email) } { (o.email) } br; (o.phone)
                        @if o.customer_id.is_none() { br; small.muted { "Guest (email not yet proven)" } } }
                    h2 { "Ship to" }
                    (address(o))
                    @if !o.note.is_empty() { h2 { "Note from the shopper" } p { (o.note) } }
                    @if let Some(sh) = parcel.shipment {
                        section.shipment #shipment data-state=(sh.state.as_str()) {
                            h2 { "Shipment" }
                            p {
                                strong { (sh.state.label()) }
                                " · " (if sh.by_courier() { "Shiprocket" } else { "shipped by hand" })
                                @if !sh.carrier.is_empty() { " · " (sh.carrier) }
                                @if !sh.awb.is_empty() { " · AWB " (sh.awb) }
                                @if sh.by_courier() && sh.step != crate::shop::shipping::Step::Done { br; small.muted { "Next step: " (sh.step.doing()) } }
                                @if !sh.pickup_date.is_empty() { br; small.muted { "Pickup " (sh.pickup_date) } }
                                @if !sh.edd.is_empty() { br; small.muted { "Expected delivery " (sh.edd) } }
                                @if !sh.last_status.is_empty() { br; small.muted { "Courier's last word: " (sh.last_status) } }
                            }
                            @if !sh.tracking_url.is_empty() { p.wrap { a href=(sh.tracking_url) rel="noopener noreferrer" { (sh.tracking_url) } } }
                            @if !sh.attention.is_empty() {
                                p.notice.error #shipment-attention { (sh.attention) }
                            }
                            @if sh.by_courier() && sh.step != crate::shop::shipping::Step::Done {
                                (post_form(&format!("/admin/shipments/{}/retry", sh.id), csrf, "inline", html! { button.button #retry-shipment type="submit" { "Retry with the courier" } }))
                            }
                            @if sh.by_courier() && !sh.awb.is_empty() && !sh.state.is_final() {
                                (post_form(&act("track"), csrf, "inline", html! { button.button.ghost #track-shipment type="submit" { "Re-check with Shiprocket" } }))
                            }
                            @if !sh.label_url.is_empty() {
                                p { a.button #label href={ "/admin/shipments/" (sh.id) "/label" } { "Download label (PDF)" } }
                            }
                            @if !parcel.history.is_empty() {
                                ol.timeline {
                                    @for e in parcel.history.iter().rev().take(12) {
                                        li { time { @if e.happened.is_empty() { (when(e.at, offset)) } @else { (e.happened) } } " " (e.activity) @if !e.location.is_empty() { " — " (e.location) } }
                                    }
                                }
                            }
                        }
                    } @else if !o.carrier.is_empty() {
                        h2 { "Shipment" }
                        p { (o.carrier) " " (o.tracking_number) @if !o.tracking_url.is_empty() { br; a.wrap href=(o.tracking_url) rel="noopener noreferrer" { (o.tracking_url) } } }
                    }
                }
                div {
                    h2 { "Actions" }
                    .actions.stack {
                        // Only what the state machine allows: a proof left pending is
                        // never offered for a decision the table would refuse.
                        @if let Some(p) = o.pending_proof().filter(|_| allowed(o, Action::VerifyProof)) {
                            .proof-review {
                                p { "Payment proof uploaded " (when(p.uploaded_at, offset)) ". Check it against your bank statement for " strong { (ctx.money.format(o.total)) } " with reference " (o.number) "." }
                                @if p.content_type.starts_with("image/") {
                                    img.proof src={ (base) "/proofs/" (p.id) } alt="Payment proof";
                                } @else {
                                    p { a href={ (base) "/proofs/" (p.id) } target="_blank" { "Open the PDF" } }
                                }
                                (post_form(&act("verify"), csrf, "inline", html! { button.button.primary #verify type="submit" { "Payment received — verify" } }))
                                (post_form(&act("reject"), csrf, "stack", html! {
                                    label.field { span { "Reason (the shopper reads this)" } input type="text" name="reason" required maxlength="300"; }
                                    button.button.ghost type="submit" { "Reject proof" }
                                }))
                            }
                        }
                        @if allowed(o, Action::ConfirmPayment) {
                            (post_form(&act("confirm"), csrf, "inline", html! { button.button type="submit" { "Confirm payment received" } }))
                        }
                        @if allowed(o, Action::StartProcessing) {
                            (post_form(&act("process"), csrf, "inline", html! { button.button type="submit" { "Start processing" } }))
                        }
                        @if allowed(o, Action::Ship) && parcel.shipment.is_none() && parcel.courier_problem.is_none() {
                            (post_form(&act("shipment"), csrf, "inline", html! { button.button.primary #create-shipment type="submit" { "Ship with Shiprocket" } }))
                        }
                        @if allowed(o, Action::Ship) && parcel.shipment.is_none_or(|s| !s.by_courier() || s.awb.is_empty()) {
                            (post_form(&act("ship"), csrf, "stack", html! {
                                label.field { span { "Carrier" } input type="text" name="carrier" required maxlength="80" list="carriers"; }
                                datalist #carriers { @for c in parcel.carriers { option value=(c.name) {} } }
                                label.field { span { "Tracking number" } input type="text" name="tracking_number" maxlength="80"; }
                                label.field { span { "Tracking link" } input type="url" name="tracking_url" maxlength="500" placeholder="https://"; }
                                button.button type="submit" { "Mark shipped" }
                            }))
                        }
                        @if allowed(o, Action::Deliver) {
                            (post_form(&act("deliver"), csrf, "inline", html! { button.button type="submit" { "Mark delivered" } }))
                        }
                        @if allowed(o, Action::CollectCash) {
                            (post_form(&act("collect"), csrf, "inline", html! { button.button type="submit" { "Record cash collected (" (ctx.money.format(o.total)) ")" } }))
                        }
                        @if allowed(o, Action::AcceptReturn) {
                            (post_form(&act("return"), csrf, "stack", html! {
                                p { "Accept a return (items go back into stock):" }
                                @for l in &o.lines {
                                    @if l.quantity > l.returned {
                                        label.field { span { (l.title) " " (l.options) " (up to " (l.quantity - l.returned) ")" }
                                            input type="number" name={ "line_" (l.id) } value="0" min="0" max=(l.quantity - l.returned);
                                        }
                                    }
                                }
                                label.field { span { "Note" } input type="text" name="note" maxlength="300"; }
                                button.button.ghost type="submit" { "Accept return" }
                            }))
                        }
                        @if allowed(o, Action::Refund { full: false }) && left - waiting > 0 && by_card.is_some() {
                            (post_form(&act("refund"), csrf, "stack", html! {
                                p { "Refund through " (by_card.map(|g| g.label()).unwrap_or("")) " (up to " (ctx.money.format(left - waiting)) "); the order follows when the gateway confirms it:" }
                                label.field { span { "Amount" } input type="text" name="amount" required inputmode="decimal" placeholder=(ctx.money.plain(left - waiting)); }
                                label.field { span { "Reason" } input type="text" name="note" maxlength="300"; }
                                button.button.ghost #refund type="submit" { "Refund" }
                            }))
                        }
                        @if allowed(o, Action::Refund { full: false }) && left > 0 && by_card.is_none() {
                            (post_form(&act("refund"), csrf, "stack", html! {
                                p { "Record a refund you have sent (up to " (ctx.money.format(left)) "):" }
                                label.field { span { "Amount" } input type="text" name="amount" required inputmode="decimal" placeholder=(ctx.money.plain(left)); }
                                label.field { span { "Note" } input type="text" name="note" maxlength="300"; }
                                button.button.ghost type="submit" { "Record refund" }
                            }))
                        }
                        @if allowed(o, Action::ReturnTransfer) {
                            (post_form(&act("return-transfer"), csrf, "stack", html! {
                                p { "A transfer reached your account after this order was cancelled? Record that you sent it back (up to " (ctx.money.format(o.total)) "):" }
                                label.field { span { "Amount sent back" } input type="text" name="amount" required inputmode="decimal" placeholder=(ctx.money.plain(o.total)); }
                                label.field { span { "Note (how and when you sent it back)" } input type="text" name="note" required maxlength="300"; }
                                button.button.ghost #return-transfer type="submit" { "Record transfer sent back" }
                            }))
                        }
                        @if allowed(o, Action::Cancel) {
                            (post_form(&act("cancel"), csrf, "stack", html! {
                                label.field { span { "Reason for cancelling (the shopper reads this)" } input type="text" name="reason" maxlength="300"; }
                                button.button.ghost.danger type="submit" { "Cancel order and restock" }
                            }))
                        }
                    }
                }
            }
            h2 { "Items" }
            (lines(ctx, o))
            (totals(ctx, o))
            @if !o.proofs.is_empty() {
                h2 { "Payment proofs" }
                ul.proofs {
                    @for p in &o.proofs {
                        li {
                            a href={ (base) "/proofs/" (p.id) } target="_blank" { "Uploaded " (when(p.uploaded_at, offset)) }
                            " · " (if p.closed_with_cancellation() { "closed with the cancellation" } else { p.status.as_str() }) " · " (p.content_type) " · " (p.size / 1024) " KB"
                            @if !p.reason.is_empty() { " · “" (p.reason) "”" }
                            @if let Some(by) = &p.decided_by { small.muted { " · " (by) } }
                        }
                    }
                }
            }
            @if !o.refunds.is_empty() {
                h2 { "Refunds" }
                ul { @for r in &o.refunds { li { (ctx.money.format(r.amount)) " · " (when(r.created_at, offset)) " · " (r.actor) @if !r.note.is_empty() { " · " (r.note) } } } }
            }
            h2 { "Timeline" }
            (timeline(o, offset, true))
        },
    )
}
