//! The mail each event sends: builds the words with `views::email::render` and queues them
//! in the outbox inside the caller's transaction, so the mail commits with its cause.
//! [`react`] turns the events a domain write recorded (`shop::events`) into those mails;
//! the sign-in and address mails a visitor asks for are queued directly by their use case.

use crate::config::Config;
use crate::db::Tx;
use crate::error::Result;
use crate::jobs::outbox::{self, NewEmail};
use crate::money::Money;
use crate::shop::accounts::signin::Issued;
use crate::shop::events::Event;
use crate::shop::orders::lifecycle::{Method, Payment};
use crate::shop::orders::{Op, Order};

/// The sign-in mail: a one-time link (15 minutes, any device) and a 6-digit code
/// (10 minutes, the device that asked).
pub fn sign_in(tx: &Tx, cfg: &Config, email: &str, issued: &Issued, now: i64) -> Result<i64> {
    let store = &cfg.store.name;
    let url = format!(
        "{}/account/sign-in/link?token={}",
        cfg.store.url, issued.link_token
    );
    let code_line = format!(
        "Your sign-in code is {}. It works for 10 minutes on the device where you asked for it.",
        issued.code
    );
    let (text, html) = crate::views::email::render(
        store,
        "Sign in to your account",
        &[
            &code_line,
            "Or use the button below on any device within 15 minutes. It works once.",
            "If you did not ask to sign in, you can ignore this email; nothing changes.",
        ],
        Some(("Sign in", &url)),
    );
    queue_or_refuse(
        tx,
        cfg,
        email,
        format!("{} is your {store} sign-in code", issued.code),
        "sign-in",
        (text, html),
        format!("sign-in/{}", issued.request_id),
        now,
    )
}

/// The mail that proves a new address before an account moves to it: the same link and
/// code as a sign-in, sent to the new address.
pub fn confirm_new_email(
    tx: &Tx,
    cfg: &Config,
    email: &str,
    issued: &Issued,
    now: i64,
) -> Result<i64> {
    let store = &cfg.store.name;
    let url = format!(
        "{}/account/sign-in/link?token={}",
        cfg.store.url, issued.link_token
    );
    let code_line = format!(
        "To use this address for your {store} account, enter the code {} on the account page within 10 minutes.",
        issued.code
    );
    let (text, html) = crate::views::email::render(
        store,
        "Confirm your new email address",
        &[
            &code_line,
            "Or use the button below within 15 minutes. It works once.",
            "If you did not ask for this, ignore this email; your account stays as it is.",
        ],
        Some(("Use this address", &url)),
    );
    queue_or_refuse(
        tx,
        cfg,
        email,
        format!("{} confirms your new {store} email address", issued.code),
        "change-email",
        (text, html),
        format!("change-email/{}", issued.request_id),
        now,
    )
}

/// Tells the old address that the account moved, so a hijack does not go unnoticed.
pub fn email_changed(
    tx: &Tx,
    cfg: &Config,
    old_email: &str,
    new_email: &str,
    request_id: i64,
    now: i64,
) -> Result<i64> {
    let store = &cfg.store.name;
    let line = format!("Your {store} account now uses the address {new_email}.");
    let (text, html) = crate::views::email::render(
        store,
        "Your email address was changed",
        &[
            &line,
            "If this was not you, reply to this email straight away so we can secure your account.",
        ],
        None,
    );
    queue(
        tx,
        cfg,
        old_email,
        format!("Your {store} email address was changed"),
        "email-changed",
        (text, html),
        format!("email-changed/{request_id}"),
        now,
    )
}

/// Queues one mail under the store's mail cap (`[limits]
/// mails_per_unproven_address_per_hour`, see `outbox::MailCap`): over the cap the mail is
/// held and recorded, and the caller's change still goes through.
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue(
    tx: &Tx,
    cfg: &Config,
    to: &str,
    subject: String,
    template: &str,
    body: (String, String),
    key: String,
    now: i64,
) -> Result<i64> {
    match queue_capped(tx, cfg, to, subject, template, body, key, None, now)? {
        outbox::Queued::Pending(id) | outbox::Queued::Held { id, .. } => Ok(id),
    }
}

/// A mail in the store's words: its subject is also its heading; paragraphs; one button.
pub(crate) struct Letter<'a> {
    pub to: &'a str,
    pub subject: String,
    pub paras: Vec<String>,
    /// (label, address).
    pub button: Option<(&'a str, String)>,
    pub template: &'a str,
    pub key: String,
}

/// Renders `l` in the store's mail frame and queues it (see [`queue`]).
pub(crate) fn send(tx: &Tx, cfg: &Config, l: Letter, now: i64) -> Result<i64> {
    let body = rendered(cfg, &l);
    queue(tx, cfg, l.to, l.subject, l.template, body, l.key, now)
}

/// The letter's (text, html) in the store's mail frame.
fn rendered(cfg: &Config, l: &Letter) -> (String, String) {
    let refs: Vec<&str> = l.paras.iter().map(String::as_str).collect();
    crate::views::email::render(
        &cfg.store.name,
        &l.subject,
        &refs,
        l.button.as_ref().map(|(label, url)| (*label, url.as_str())),
    )
}

/// Renders and queues a follow-up mail (back in stock, price drop, reminders): like
/// [`send`], plus a visible unsubscribe line and the RFC 8058 headers pointing at
/// `unsubscribe`. Returns the outbox row and whether it was held by the mail cap.
pub(crate) fn send_listed(
    tx: &Tx,
    cfg: &Config,
    mut l: Letter,
    unsubscribe: String,
    now: i64,
) -> Result<outbox::Queued> {
    l.paras.push(format!(
        "You get this mail because you asked for it or agreed to hear from {}. To stop these mails: {unsubscribe}",
        cfg.store.name
    ));
    let body = rendered(cfg, &l);
    queue_capped(
        tx,
        cfg,
        l.to,
        l.subject,
        l.template,
        body,
        l.key,
        Some(unsubscribe),
        now,
    )
}

/// For mail a visitor asked for just now (sign-in, new-address codes): over the cap the
/// visitor is told to wait (429, and their request rolls back) rather than left waiting
/// for a mail that was held. The sign-in limits (shop::accounts::signin) are checked first; this
/// one is the same hourly cap every other mail to the address counts towards, so the two
/// rules never disagree about an address: whichever is hit first answers 429.
#[allow(clippy::too_many_arguments)]
fn queue_or_refuse(
    tx: &Tx,
    cfg: &Config,
    to: &str,
    subject: String,
    template: &str,
    body: (String, String),
    key: String,
    now: i64,
) -> Result<i64> {
    match queue_capped(tx, cfg, to, subject, template, body, key, None, now)? {
        outbox::Queued::Pending(id) => Ok(id),
        outbox::Queued::Held { wait, .. } => Err(crate::error::Error::rate_limited(
            wait,
            "Too many emails were sent to this address in the last hour.",
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn queue_capped(
    tx: &Tx,
    cfg: &Config,
    to: &str,
    subject: String,
    template: &str,
    (text, html): (String, String),
    key: String,
    unsubscribe: Option<String>,
    now: i64,
) -> Result<outbox::Queued> {
    outbox::enqueue_email_capped(
        tx,
        &NewEmail {
            to: to.to_string(),
            subject,
            template: template.into(),
            text,
            html,
            idempotency_key: Some(key),
            unsubscribe,
        },
        &outbox::MailCap {
            per_hour: cfg.limits.mails_per_unproven_address_per_hour,
            store_address: &cfg.store.contact_email,
        },
        now,
    )
}

/// The order's secret link for the shopper.
fn order_url(cfg: &Config, hmac: &crate::crypto::Hmac, o: &Order) -> String {
    order_page_url(cfg, hmac, o, "")
}

/// One of the order's pages (`""` the order, `"/tracking"` the parcel) with its secret
/// token, so it opens signed out.
fn order_page_url(cfg: &Config, hmac: &crate::crypto::Hmac, o: &Order, page: &str) -> String {
    format!(
        "{}/orders/{}{page}?token={}",
        cfg.store.url,
        o.number,
        crate::shop::orders::checkout::access_token(hmac, &o.number, &o.idempotency_key)
    )
}

/// The order's lines and totals as plain sentences (both mail parts use them).
fn summary(cfg: &Config, o: &Order) -> Vec<String> {
    let m = Money::of(&cfg.store);
    let mut out: Vec<String> = o
        .lines
        .iter()
        .map(|l| {
            let opts = if l.options.is_empty() {
                String::new()
            } else {
                format!(" ({})", l.options)
            };
            format!(
                "{} × {}{} — {}",
                l.quantity,
                l.title,
                opts,
                m.format(l.unit_price * l.quantity)
            )
        })
        .collect();
    let mut totals = format!("Subtotal {}", m.format(o.subtotal));
    if o.discount > 0 {
        totals.push_str(&format!(" · Discount −{}", m.format(o.discount)));
    }
    totals.push_str(&format!(" · Shipping {}", m.format(o.shipping_fee)));
    if o.cod_fee > 0 {
        totals.push_str(&format!(" · Cash-on-delivery fee {}", m.format(o.cod_fee)));
    }
    totals.push_str(&format!(" · Total {}", m.format(o.total)));
    out.push(totals);
    out
}

/// The shopper's confirmation (with payment instructions and, for a guest, a sign-in
/// link that links the order to an account) and the owner's notification.
pub fn order_placed(
    tx: &Tx,
    cfg: &Config,
    order_id: i64,
    token: &str,
    guest_link: Option<&str>,
    now: i64,
) -> Result<()> {
    let o = crate::shop::orders::get(tx, order_id)?
        .ok_or_else(|| crate::error::Error::internal("order vanished"))?;
    let store = &cfg.store.name;
    let url = format!("{}/orders/{}?token={}", cfg.store.url, o.number, token);
    let mut paras: Vec<String> = vec![format!(
        "Thank you, {}. We have your order {}.",
        o.name, o.number
    )];
    paras.extend(summary(cfg, &o));
    match o.method {
        Method::Cod => paras.push(
            "You pay in cash when the parcel arrives. We will email you when it ships.".into(),
        ),
        Method::BankTransfer => {
            paras.extend(crate::shop::orders::bank_instructions(cfg, &o));
            paras.push(format!(
                "If we do not receive the payment within {} hours, the order is cancelled.",
                cfg.payments.payment_window_hours
            ));
        }
        _ => {}
    }
    paras.push(format!(
        "Deliver to: {}, {}{}, {} {}, {}",
        o.name,
        o.line1,
        if o.line2.is_empty() {
            String::new()
        } else {
            format!(", {}", o.line2)
        },
        o.city,
        o.postal_code,
        o.country
    ));
    if let Some(link) = guest_link {
        paras.push(format!(
            "Want to follow all your orders in one place? This link signs you in and keeps your orders with your account (it works once, for 3 days): {}/account/sign-in/link?token={link}",
            cfg.store.url
        ));
    }
    let refs: Vec<&str> = paras.iter().map(String::as_str).collect();
    let (text, html) = crate::views::email::render(
        store,
        &format!("Order {} received", o.number),
        &refs,
        Some(("View your order", &url)),
    );
    queue(
        tx,
        cfg,
        &o.email,
        format!("Your {store} order {}", o.number),
        "order-placed",
        (text, html),
        format!("order-placed/{}", o.id),
        now,
    )?;
    let mut owner: Vec<String> = vec![format!(
        "{} ({}, {}) ordered, paying by {}.",
        o.name,
        o.email,
        o.phone,
        crate::shop::orders::lifecycle::method_label(o.method)
    )];
    owner.extend(summary(cfg, &o));
    let refs: Vec<&str> = owner.iter().map(String::as_str).collect();
    let admin_url = format!("{}/admin/orders/{}", cfg.store.url, o.number);
    let (text, html) = crate::views::email::render(
        store,
        &format!("New order {}", o.number),
        &refs,
        Some(("Open in admin", &admin_url)),
    );
    queue(
        tx,
        cfg,
        &cfg.store.contact_email,
        format!(
            "New order {} — {}",
            o.number,
            Money::of(&cfg.store).format(o.total)
        ),
        "order-owner",
        (text, html),
        format!("order-owner/{}", o.id),
        now,
    )?;
    Ok(())
}

/// The shopper's mail after an operation on their order.
#[allow(clippy::too_many_arguments)]
pub fn order_update(
    tx: &Tx,
    cfg: &Config,
    hmac: &crate::crypto::Hmac,
    o: &Order,
    op: &Op,
    note: &str,
    event_id: i64,
    now: i64,
) -> Result<()> {
    let m = Money::of(&cfg.store);
    let n = &o.number;
    let (subject, mut paras): (String, Vec<String>) = match op {
        Op::VerifyProof | Op::ConfirmPayment | Op::GatewayCapture { .. } => (
            format!("Payment received for order {n}"),
            vec!["We have received your payment. Your order is confirmed and we are getting it ready.".into()],
        ),
        Op::LateCapture { .. } => (
            format!("Payment received for order {n}"),
            vec!["Your payment arrived after the order had been closed for want of it. The items were still here, so your order is confirmed after all and we are getting it ready.".into()],
        ),
        Op::RejectProof { .. } => (
            format!("We could not verify the payment for order {n}"),
            vec![
                format!("We could not match your payment proof to a transfer: {note}"),
                "Please check the transfer and upload a new screenshot on your order page.".into(),
            ],
        ),
        Op::StartProcessing => (
            format!("Order {n} is being prepared"),
            vec!["We are packing your order now.".into()],
        ),
        Op::Ship { .. } => {
            let mut v = vec![format!("Your order is on its way with {}.", o.carrier)];
            if !o.tracking_number.is_empty() {
                v.push(format!("Tracking number: {}", o.tracking_number));
            }
            if !o.tracking_url.is_empty() {
                v.push(format!("{}'s tracking: {}", o.carrier, o.tracking_url));
            }
            v.push(format!("Follow it here: {}", tracking_url(cfg, hmac, o)));
            if o.method == Method::Cod && o.payment == Payment::Unpaid {
                v.push(format!("Please keep {} in cash ready for the courier.", m.format(o.total)));
            }
            (format!("Order {n} has shipped"), v)
        }
        Op::Deliver => (
            format!("Order {n} was delivered"),
            vec![
                "Your order has been delivered. We hope you love it.".into(),
                format!("Its journey: {}", tracking_url(cfg, hmac, o)),
            ],
        ),
        Op::CollectCash => (
            format!("Payment received for order {n}"),
            vec![format!("We have recorded your cash payment of {}. Thank you.", m.format(o.total))],
        ),
        Op::Cancel { .. } => {
            let mut v = vec!["Your order has been cancelled.".to_string()];
            if !note.is_empty() {
                v.push(format!("Reason: {note}"));
            }
            // Say what happens to the money, by how the order was (to be) paid.
            v.push(match (o.method, o.payment) {
                (_, Payment::Paid | Payment::PartiallyRefunded) => format!(
                    "Your payment will be refunded: {} back to the way you paid ({}); we will email you when it is sent.",
                    m.format(o.total - o.refunded),
                    crate::shop::orders::lifecycle::method_label(o.method)
                ),
                (_, Payment::Refunded) => "Your payment has already been refunded in full.".into(),
                (Method::Cod, _) => "You paid nothing for this order, so there is nothing to pay.".into(),
                (Method::BankTransfer, _) if !o.proofs.is_empty() => "We will check the transfer you told us about and, if it reached us, send the money back to your account and email you.".into(),
                (Method::BankTransfer, _) => "If you already made the transfer, reply to this email with your bank details and we will send the money back.".into(),
                _ => "No payment was taken for this order.".into(),
            });
            (format!("Order {n} was cancelled"), v)
        }
        Op::Expire => (
            format!("Order {n} was cancelled: no payment received"),
            vec![format!(
                "We did not receive the payment for order {n} within {} hours, so it has been cancelled and the items put back on sale. You are welcome to order again.",
                cfg.payments.payment_window_hours
            )],
        ),
        Op::Refund { amount, .. } => (
            format!("Refund for order {n}"),
            vec![format!("We have refunded {} for order {n}.", m.format(*amount))],
        ),
        Op::ReturnTransfer { amount, .. } => (
            format!("Your transfer for order {n} was sent back"),
            vec![format!(
                "Order {n} was cancelled, but your transfer of {} reached us. We have sent it back to your account.",
                m.format(*amount)
            )],
        ),
        Op::Return { .. } => (
            format!("Return received for order {n}"),
            vec!["We have received the items you sent back.".into()],
        ),
        Op::ReturnToSender { .. } => (
            format!("Order {n} came back to us"),
            vec![match o.payment {
                Payment::Paid | Payment::PartiallyRefunded => format!(
                    "The courier could not deliver order {n} and has returned it to us. We will refund what you paid ({}) and email you when it is sent; if you would still like the items, simply order again.",
                    m.format(o.total - o.refunded)
                ),
                _ => format!("The courier could not deliver order {n} and has returned it to us. Nothing is owed; if you would still like the items, simply order again."),
            }],
        ),
    };
    paras.push(format!("Order {n} · total {}", m.format(o.total)));
    send(
        tx,
        cfg,
        Letter {
            to: &o.email,
            subject,
            paras,
            button: Some(("View your order", order_url(cfg, hmac, o))),
            template: &format!("order-{}", op.name()),
            key: format!("order-event/{event_id}"),
        },
        now,
    )?;
    Ok(())
}

/// Tells the owner a proof is waiting.
pub fn proof_uploaded(tx: &Tx, cfg: &Config, o: &Order, now: i64) -> Result<()> {
    let m = Money::of(&cfg.store);
    let line = format!(
        "{} uploaded a payment proof for order {} ({}). Please check your bank account and verify or reject it.",
        o.name,
        o.number,
        m.format(o.total)
    );
    let url = format!("{}/admin/orders/{}", cfg.store.url, o.number);
    let (text, html) = crate::views::email::render(
        &cfg.store.name,
        &format!("Payment proof for {}", o.number),
        &[&line],
        Some(("Review the proof", &url)),
    );
    let n = o.proofs.len();
    queue(
        tx,
        cfg,
        &cfg.store.contact_email,
        format!("Payment proof to verify: {}", o.number),
        "proof-uploaded",
        (text, html),
        format!("proof-uploaded/{}/{n}", o.id),
        now,
    )?;
    Ok(())
}

/// "Please pay": sent once, `reminder_after_hours` after an unpaid bank-transfer order.
pub fn payment_reminder(
    tx: &Tx,
    cfg: &Config,
    hmac: &crate::crypto::Hmac,
    o: &Order,
    now: i64,
) -> Result<()> {
    let mut paras = vec![format!(
        "We are holding order {} for you, but we have not received the payment yet.",
        o.number
    )];
    paras.extend(crate::shop::orders::bank_instructions(cfg, o));
    if let Some(by) = o.pay_by {
        let hours = ((by - now).max(0) + 3599) / 3600;
        paras.push(format!(
            "The order is cancelled automatically if the payment does not arrive within {}.",
            crate::shop::text::count_of(hours, "hour", "hours")
        ));
    }
    let refs: Vec<&str> = paras.iter().map(String::as_str).collect();
    let url = order_url(cfg, hmac, o);
    let (text, html) = crate::views::email::render(
        &cfg.store.name,
        &format!("Reminder: payment for order {}", o.number),
        &refs,
        Some(("Upload your payment proof", &url)),
    );
    queue(
        tx,
        cfg,
        &o.email,
        format!("Reminder: payment for order {}", o.number),
        "payment-reminder",
        (text, html),
        format!("payment-reminder/{}", o.id),
        now,
    )?;
    Ok(())
}

/// A card payment came after its order closed and the stock was gone: the shopper learns
/// the money is on its way back, the owner that it happened (and why the order stays
/// cancelled).
fn late_payment(
    tx: &Tx,
    cfg: &Config,
    hmac: &crate::crypto::Hmac,
    o: &Order,
    amount: i64,
    now: i64,
) -> Result<()> {
    let m = Money::of(&cfg.store);
    let paid = m.format(amount);
    send(
        tx,
        cfg,
        Letter {
            to: &o.email,
            subject: format!("Your payment for order {} is being refunded", o.number),
            paras: vec![format!(
                "Your payment of {paid} for order {} reached us after the order had been closed for want of payment, and its items were no longer available. We are refunding the full {paid} to the card or account you paid with; your bank usually shows it within 5-7 working days.",
                o.number
            )],
            button: Some(("View the order", order_url(cfg, hmac, o))),
            template: "late-payment-refund",
            key: format!("late-payment/{}/{amount}", o.id),
        },
        now,
    )?;
    send(
        tx,
        cfg,
        Letter {
            to: &cfg.store.contact_email,
            subject: format!("Late payment refunded: {}", o.number),
            paras: vec![format!(
                "A card payment of {paid} came for order {} ({}) after it had been cancelled, and its stock was gone, so it is being refunded automatically. The shopper has been told. The refund shows on the order page and in /admin/jobs.",
                o.number, o.email
            )],
            button: Some((
                "Open the order",
                format!("{}/admin/orders/{}", cfg.store.url, o.number),
            )),
            template: "late-payment-owner",
            key: format!("late-payment-owner/{}/{amount}", o.id),
        },
        now,
    )?;
    Ok(())
}

/// The shopper's "out for delivery today" mail, with the tracking page.
fn out_for_delivery(
    tx: &Tx,
    cfg: &Config,
    hmac: &crate::crypto::Hmac,
    o: &Order,
    now: i64,
) -> Result<()> {
    let m = Money::of(&cfg.store);
    let mut paras = vec![format!(
        "Order {} is out for delivery with {} and should reach you today.",
        o.number, o.carrier
    )];
    if o.method == Method::Cod && o.payment == Payment::Unpaid {
        paras.push(format!(
            "Please keep {} in cash ready for the courier.",
            m.format(o.total)
        ));
    }
    send(
        tx,
        cfg,
        Letter {
            to: &o.email,
            subject: format!("Order {} is out for delivery", o.number),
            paras,
            button: Some(("Track your parcel", tracking_url(cfg, hmac, o))),
            template: "order-out-for-delivery",
            key: format!("out-for-delivery/{}", o.id),
        },
        now,
    )?;
    Ok(())
}

/// The shopper's tracking page, with the order's secret token (works signed out).
fn tracking_url(cfg: &Config, hmac: &crate::crypto::Hmac, o: &Order) -> String {
    order_page_url(cfg, hmac, o, "/tracking")
}

/// Takes every event recorded on `tx` and queues what they call for, in the same
/// transaction: the mails, and the courier shipment of an order just confirmed. Returns
/// how many events there were.
pub fn react(tx: &Tx, cfg: &Config, hmac: &crate::crypto::Hmac, now: i64) -> Result<usize> {
    let events = tx.take::<Event>();
    for e in &events {
        match e {
            Event::OrderPlaced {
                order_id,
                access_token,
                guest_link,
            } => {
                order_placed(tx, cfg, *order_id, access_token, guest_link.as_deref(), now)?;
                // COD is confirmed as it is placed: its courier shipment starts now.
                if let Some(o) = crate::shop::orders::get(tx, *order_id)? {
                    super::shipping::on_confirmed(tx, cfg, &o, now)?;
                }
            }
            Event::OrderChanged {
                order,
                op,
                note,
                event_id,
            } => {
                order_update(tx, cfg, hmac, order, op, note, *event_id, now)?;
                if matches!(
                    op,
                    Op::VerifyProof
                        | Op::ConfirmPayment
                        | Op::GatewayCapture { .. }
                        | Op::LateCapture { .. }
                ) {
                    super::shipping::on_confirmed(tx, cfg, order, now)?;
                }
                if matches!(op, Op::Cancel { .. }) {
                    super::shipping::on_cancelled(tx, order, now)?;
                }
                if matches!(op, Op::Deliver) {
                    super::reviews::on_delivered(tx, cfg, order, now)?;
                    super::follow_ups::on_delivered(tx, cfg, order, now)?;
                }
            }
            Event::OutForDelivery { order } => out_for_delivery(tx, cfg, hmac, order, now)?,
            Event::ProofUploaded { order } => proof_uploaded(tx, cfg, order, now)?,
            Event::PaymentReminderDue { order } => payment_reminder(tx, cfg, hmac, order, now)?,
            Event::LatePaymentRefunded { order, amount } => {
                late_payment(tx, cfg, hmac, order, *amount, now)?
            }
            Event::StockLow {
                item,
                after,
                ledger_id,
            } => low_stock(tx, cfg, item, *after, *ledger_id, now)?,
        }
    }
    Ok(events.len())
}

/// The owner's low-stock mail, once per downward crossing (keyed by the ledger row of the
/// move); nothing when the store has no contact address to send it to.
fn low_stock(
    tx: &Tx,
    cfg: &Config,
    it: &crate::shop::catalog::stock::Item,
    after: i64,
    ledger_id: i64,
    now: i64,
) -> Result<()> {
    if cfg.store.contact_email.trim().is_empty() {
        return Ok(());
    }
    let variant_id = it.variant_id;
    let name = if it.options.is_empty() {
        it.title.clone()
    } else {
        format!("{} ({})", it.title, it.options.join(" / "))
    };
    let state = if after == 0 {
        "is sold out".to_string()
    } else {
        format!("is down to {after}")
    };
    let line1 = format!("{name}, SKU {}, {state}.", it.sku);
    let line2 = format!(
        "Its low-stock threshold is {}. You will hear again only after it is restocked above that and falls back.",
        it.threshold
    );
    let url = format!("{}/admin/stock/{}", cfg.store.url, variant_id);
    let mail = crate::views::email::render(
        &cfg.store.name,
        "Low stock",
        &[&line1, &line2],
        Some(("See the stock", &url)),
    );
    queue(
        tx,
        cfg,
        &cfg.store.contact_email,
        format!("Low stock: {} {state}", it.sku),
        "low-stock",
        mail,
        format!("low-stock/{variant_id}/{ledger_id}"),
        now,
    )?;
    Ok(())
}
