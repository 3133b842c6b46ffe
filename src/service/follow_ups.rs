//! Follow-up mail use cases: asking for and confirming a back-in-stock alert, the
//! one-click unsubscribe (RFC 8058), mail preferences, the checkout contact that starts an
//! abandoned-checkout timer, the order's write that credits the mail whose link filled the
//! bag, the link itself (a click, then the bag restored), and the sweep that sends what is
//! due: back in stock, price drops to wishers, abandoned checkouts, reorder reminders.
//!
//! Rules every flow shares (`deliver`): an unsubscribed address gets nothing; marketing
//! flows need the address's consent; each mail is recorded once per (flow, subject,
//! address) in `flow_sends`, so a sweep that runs twice or a crash between sweeps never
//! sends it twice; at most `[follow_ups] mails_per_address_per_day` per address in 24
//! hours, the rest wait for room.

use crate::app::App;
use crate::config::Config;
use crate::crypto::Hmac;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::accounts::signin::normalize_email;
use crate::shop::cart::{self, Mode, Owner};
use crate::shop::follow_ups::{self as fu, Asked, NewSend};
use crate::shop::orders::Order;
use crate::shop::wishlist;

/// Back-in-stock requests per visitor address per hour.
const ASKS_PER_HOUR: usize = 10;

/// How much each sweep handles of each kind (the rest waits a minute).
const BATCH: usize = 200;

/// The one-click unsubscribe link of the address row `prefs_id`: the id and a tag derived
/// from the server key, so nothing needs storing and a forged link fails.
pub fn unsubscribe_url(cfg: &Config, hmac: &Hmac, prefs_id: i64) -> String {
    format!(
        "{}/unsubscribe/{}",
        cfg.store.url,
        unsubscribe_token(hmac, prefs_id)
    )
}

fn unsubscribe_token(hmac: &Hmac, prefs_id: i64) -> String {
    let tag = hmac.sign(format!("unsubscribe\0{prefs_id}").as_bytes());
    format!("{prefs_id}.{}", crate::crypto::hex(&tag[..16]))
}

/// The address row an unsubscribe token names, if its tag is right (constant time).
fn unsubscribe_id(hmac: &Hmac, token: &str) -> Option<i64> {
    let (id, tag) = token.split_once('.')?;
    let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
    let tag = crate::crypto::unhex(tag)?;
    let want = hmac.sign(format!("unsubscribe\0{id}").as_bytes());
    crate::crypto::same(&want[..16], &tag).then_some(id)
}

/// The address an unsubscribe link is for (the page shows it before the click).
pub fn unsubscribe_target(app: &App, token: &str) -> Result<fu::Prefs> {
    let id = unsubscribe_id(&app.hmac, token).ok_or_else(invalid_unsubscribe)?;
    fu::prefs_by_id(&*app.db.read()?, id)?.ok_or_else(invalid_unsubscribe)
}

fn invalid_unsubscribe() -> Error {
    Error::not_found(
        "This unsubscribe link is not valid. Sign in and use Mail preferences in your account instead.",
    )
}

/// Honours an unsubscribe link at once: no more follow-up mail to the address.
pub fn unsubscribe(app: &App, token: &str) -> Result<String> {
    let id = unsubscribe_id(&app.hmac, token).ok_or_else(invalid_unsubscribe)?;
    let now = crate::db::now();
    super::write(app, now, |tx| fu::unsubscribe(tx, id, now))?.ok_or_else(invalid_unsubscribe)
}

/// "Email me when it is back": records the request and mails the confirmation link.
pub fn ask_back_in_stock(
    app: &App,
    variant_id: i64,
    email: &str,
    client_ip: &str,
) -> Result<Asked> {
    let cfg = app.cfg();
    if !cfg.follow_ups.back_in_stock {
        return Err(Error::not_found(
            "Back-in-stock mails are not offered here.",
        ));
    }
    let email = normalize_email(email)?;
    app.limits.hit(
        &format!("stock-alert/{client_ip}"),
        ASKS_PER_HOUR,
        std::time::Duration::from_secs(3600),
        "Too many requests from here; try again in an hour.",
    )?;
    let now = crate::db::now();
    let asked = super::write(app, now, |tx| {
        let asked = fu::ask(tx, variant_id, &email, now)?;
        if let Asked::Confirm { token, what } = &asked {
            super::notices::send(
                tx,
                &cfg,
                super::notices::Letter {
                    to: &email,
                    subject: format!("Confirm: tell me when {} is back", what.name()),
                    paras: vec![
                        format!(
                            "You asked {} to write when {} is back in stock.",
                            cfg.store.name,
                            what.name()
                        ),
                        "Confirm with the button below and we will send one mail when it returns. If you did not ask, ignore this mail; nothing will be sent.".into(),
                    ],
                    button: Some((
                        "Yes, tell me",
                        format!("{}/alerts/confirm/{token}", cfg.store.url),
                    )),
                    template: "back-in-stock-confirm",
                    key: format!(
                        "back-in-stock-confirm/{}",
                        crate::crypto::hex(&crate::crypto::token_hash(token)[..8])
                    ),
                },
                now,
            )?;
        }
        Ok(asked)
    })?;
    app.mail_wake().notify();
    Ok(asked)
}

/// The request a confirmation link is for (GET shows it with a button; nothing written).
pub fn alert(app: &App, token: &str) -> Result<fu::Alert> {
    fu::alert_by_token(&*app.db.read()?, token)?.ok_or_else(|| {
        Error::not_found("This link is not valid. Please ask again on the product page.")
    })
}

pub fn confirm_back_in_stock(app: &App, token: &str) -> Result<fu::Alert> {
    let now = crate::db::now();
    super::write(app, now, |tx| fu::confirm(tx, token, now))
}

/// The signed-in customer's choice about marketing mail.
pub fn set_marketing(app: &App, email: &str, on: bool) -> Result<bool> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        fu::set_marketing(tx, email, on, "account", now)
    })
}

/// The shopper gave their email at checkout (typed in the field, or signed in): if they
/// agreed to mail, that is recorded, and the abandoned-checkout timer of the bag starts
/// (or starts again). Nothing happens for an empty bag.
pub fn checkout_contact(app: &App, owner: &Owner, email: &str, consent: bool) -> Result<()> {
    let email = normalize_email(email)?;
    let cfg = app.cfg();
    let Some(cart_id) = cart::find(&*app.db.read()?, owner)? else {
        return Ok(());
    };
    let now = crate::db::now();
    super::write(app, now, |tx| {
        contact_given(tx, &cfg, cart_id, &email, consent, now)
    })
}

fn contact_given(
    tx: &Tx,
    cfg: &Config,
    cart_id: i64,
    email: &str,
    consent: bool,
    now: i64,
) -> Result<()> {
    if consent {
        fu::set_marketing(tx, email, true, "checkout", now)?;
    }
    if cfg.follow_ups.abandoned_checkout && !fu::cart_lines(tx, cart_id)?.is_empty() {
        fu::schedule(
            tx,
            "abandoned_checkout",
            &format!("cart/{cart_id}"),
            email,
            now + cfg.follow_ups.abandoned_after_hours * 3600,
            now,
        )?;
    }
    Ok(())
}

/// In the order's write: the checkbox's answer is recorded (None: the API, which has no
/// checkbox), the bag's abandoned-checkout timer stops, and the mail whose link filled the
/// bag is credited with the order.
pub fn placed(
    tx: &Tx,
    cart_id: i64,
    order_id: i64,
    email: &str,
    consent: Option<bool>,
    now: i64,
) -> Result<()> {
    if let Some(on) = consent {
        let known = fu::prefs(tx, email)?.is_some();
        // Not ticking the box says nothing new for an address that never agreed.
        if on || known {
            fu::set_marketing(tx, email, on, "checkout", now)?;
        }
    }
    fu::cancel(tx, "abandoned_checkout", &format!("cart/{cart_id}"))?;
    fu::attribute(tx, cart_id, order_id)
}

/// In the delivery's write: a reorder reminder is scheduled when the order holds a
/// consumable product.
pub fn on_delivered(tx: &Tx, cfg: &Config, o: &Order, now: i64) -> Result<()> {
    let f = &cfg.follow_ups;
    if f.reorder_reminder && !fu::consumable_lines(tx, o.id)?.is_empty() {
        fu::schedule(
            tx,
            "reorder",
            &format!("order/{}", o.id),
            &o.email,
            now + f.reorder_after_days * 86_400,
            now,
        )?;
    }
    Ok(())
}

fn invalid_link() -> Error {
    Error::not_found("This link is not valid any more. You can still find everything in the shop.")
}

/// A visitor followed a follow-up mail's link: the click is counted and the visitor's
/// bag remembers the mail, so an order placed from it is credited to the flow.
pub fn open_link(app: &App, owner: &Owner, token: &str) -> Result<fu::Link> {
    let link = fu::link(&*app.db.read()?, token)?.ok_or_else(invalid_link)?;
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let cart_id = cart::ensure(tx, owner, now)?;
        fu::clicked(tx, link.id, cart_id, now)
    })?;
    Ok(link)
}

/// What putting a mail's items back in the bag did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restored {
    pub added: usize,
    /// Items that could not go back as they were, in words.
    pub notes: Vec<String>,
}

/// Puts the link's items in the visitor's bag: each at the quantity the mail named, or
/// what is left of it; sold-out or withdrawn items are named and skipped.
pub fn restore(app: &App, owner: &Owner, token: &str) -> Result<Restored> {
    let link = fu::link(&*app.db.read()?, token)?.ok_or_else(invalid_link)?;
    let caps = app.cfg().cart.clone();
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let cart_id = cart::ensure(tx, owner, now)?;
        let mut out = Restored::default();
        for &(variant, qty) in &link.lines {
            let Some(v) = fu::variant(tx, variant)? else {
                out.notes.push("One item is no longer sold.".into());
                continue;
            };
            let want = qty.clamp(1, caps.max_line_quantity);
            let take = want.min(v.stock);
            if take <= 0 {
                out.notes
                    .push(format!("{} is sold out right now.", v.name()));
                continue;
            }
            match cart::put(tx, cart_id, variant, take, Mode::Set, &caps, now) {
                Ok(_) => {
                    out.added += 1;
                    if take < want {
                        out.notes.push(format!(
                            "Only {take} of {} {} left, so your bag has {take}.",
                            v.name(),
                            if take == 1 { "is" } else { "are" }
                        ));
                    }
                }
                Err(e) if e.status() < 500 => out.notes.push(e.public),
                Err(e) => return Err(e),
            }
        }
        fu::clicked(tx, link.id, cart_id, now)?;
        Ok(out)
    })
}

/// What a sweep sent (mails) and refreshed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub back_in_stock: usize,
    pub price_drops: usize,
    pub abandoned: usize,
    pub reorders: usize,
    /// Products whose wishlist rows were re-derived.
    pub wishlist_products: usize,
}

impl Swept {
    pub fn mails(&self) -> usize {
        self.back_in_stock + self.price_drops + self.abandoned + self.reorders
    }
}

/// Sends every follow-up that is due at `now` (the sweeper calls it once a minute).
pub fn sweep(app: &App, now: i64) -> Result<Swept> {
    let cfg = app.cfg();
    let out = super::write(app, now, |tx| sweep_in(tx, &cfg, &app.hmac, now))?;
    if out.mails() > 0 {
        app.mail_wake().notify();
    }
    Ok(out)
}

fn sweep_in(tx: &Tx, cfg: &Config, hmac: &Hmac, now: i64) -> Result<Swept> {
    let f = &cfg.follow_ups;
    let money = crate::money::Money::of(&cfg.store);
    let mut out = Swept {
        wishlist_products: wishlist::refresh_changed(tx, BATCH)?,
        ..Swept::default()
    };
    if f.back_in_stock {
        for a in fu::due_alerts(tx, BATCH)? {
            let name = a.what.name();
            let sent = deliver(
                tx,
                cfg,
                hmac,
                Mail {
                    flow: "back_in_stock",
                    r#ref: format!("alert/{}", a.id),
                    email: &a.email,
                    marketing: false,
                    lines: vec![(a.what.variant_id, 1)],
                    target: format!("/p/{}", a.what.slug),
                    subject: format!("{name} is back in stock"),
                    paras: vec![
                        format!("Good news: {name} is back in stock at {}.", cfg.store.name),
                        "You asked us to write once when it returned; this is that mail. Stock can go quickly.".into(),
                    ],
                    button: "Put it in my bag",
                },
                now,
            )?;
            if sent != Outcome::Deferred {
                fu::mark_notified(tx, a.id, now)?;
                out.back_in_stock += (sent == Outcome::Sent) as usize;
            }
        }
    }
    for d in wishlist::price_drops(tx, BATCH)? {
        let sent = if f.price_drop {
            deliver(
                tx,
                cfg,
                hmac,
                Mail {
                    flow: "price_drop",
                    r#ref: format!("product/{}@{}", d.product_id, d.now),
                    email: &d.email,
                    marketing: true,
                    lines: Vec::new(),
                    target: format!("/p/{}", d.slug),
                    subject: format!("{} is now {}", d.title, money.format(d.now)),
                    paras: vec![format!(
                        "{} from your wishlist is now {} (it was {} when you saved it).",
                        d.title,
                        money.format(d.now),
                        money.format(d.was)
                    )],
                    button: "See it",
                },
                now,
            )?
        } else {
            Outcome::Skipped
        };
        if sent != Outcome::Deferred {
            wishlist::saw_price(tx, d.item_id, d.now)?;
            out.price_drops += (sent == Outcome::Sent) as usize;
        }
    }
    for due in fu::due(tx, now, BATCH)? {
        let sent = match due.flow.as_str() {
            "abandoned_checkout" => abandoned(tx, cfg, hmac, &due, now)?,
            "reorder" => reorder(tx, cfg, hmac, &due, now)?,
            _ => Outcome::Skipped,
        };
        if sent != Outcome::Deferred {
            fu::done(tx, due.id)?;
        }
        if sent == Outcome::Sent {
            match due.flow.as_str() {
                "abandoned_checkout" => out.abandoned += 1,
                _ => out.reorders += 1,
            }
        }
    }
    Ok(out)
}

fn ref_id(r#ref: &str, prefix: &str) -> Option<i64> {
    r#ref.strip_prefix(prefix)?.parse().ok()
}

fn abandoned(tx: &Tx, cfg: &Config, hmac: &Hmac, due: &fu::FollowUp, now: i64) -> Result<Outcome> {
    let Some(cart_id) = ref_id(&due.r#ref, "cart/") else {
        return Ok(Outcome::Skipped);
    };
    let lines = fu::cart_lines(tx, cart_id)?;
    // Emptied, or the order was placed another way (another device, the API): no mail.
    if !cfg.follow_ups.abandoned_checkout
        || lines.is_empty()
        || fu::ordered_since(tx, &due.email, due.created_at)?
    {
        return Ok(Outcome::Skipped);
    }
    let n: i64 = lines.iter().map(|l| l.1).sum();
    deliver(
        tx,
        cfg,
        hmac,
        Mail {
            flow: "abandoned_checkout",
            r#ref: format!("cart/{cart_id}@{}", due.created_at),
            email: &due.email,
            marketing: true,
            lines,
            target: "/cart".into(),
            subject: format!("Your bag at {} is waiting", cfg.store.name),
            paras: vec![
                format!(
                    "You left {n} {} in your bag at checkout. We kept {} for you: the button below puts {} back in your bag on any device.",
                    if n == 1 { "item" } else { "items" },
                    if n == 1 { "it" } else { "them" },
                    if n == 1 { "it" } else { "them" },
                ),
                "Prices and stock are checked again when you order.".into(),
            ],
            button: "Back to my bag",
        },
        now,
    )
}

fn reorder(tx: &Tx, cfg: &Config, hmac: &Hmac, due: &fu::FollowUp, now: i64) -> Result<Outcome> {
    let Some(order_id) = ref_id(&due.r#ref, "order/") else {
        return Ok(Outcome::Skipped);
    };
    let items = fu::consumable_lines(tx, order_id)?;
    if !cfg.follow_ups.reorder_reminder || items.is_empty() {
        return Ok(Outcome::Skipped);
    }
    let names: Vec<&str> = items.iter().map(|l| l.2.as_str()).collect();
    deliver(
        tx,
        cfg,
        hmac,
        Mail {
            flow: "reorder",
            r#ref: due.r#ref.clone(),
            email: &due.email,
            marketing: true,
            lines: items.iter().map(|l| (l.0, l.1)).collect(),
            target: "/cart".into(),
            subject: format!("Running low on {}?", names.join(", ")),
            paras: vec![format!(
                "It has been {} days since your {} arrived. If you are running low, the button below puts the same again in your bag.",
                cfg.follow_ups.reorder_after_days,
                names.join(", ")
            )],
            button: "Order the same again",
        },
        now,
    )
}

/// What `deliver` did with one follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    /// Recorded as passed over (unsubscribed, no consent) or not for sending: done.
    Skipped,
    /// The address had its share of mail today: try again on a later sweep.
    Deferred,
}

struct Mail<'a> {
    flow: &'static str,
    r#ref: String,
    email: &'a str,
    /// Needs the address's consent (price drops, reminders).
    marketing: bool,
    /// What the link puts in the bag ((variant, quantity)); empty: it opens `target`.
    lines: Vec<(i64, i64)>,
    target: String,
    subject: String,
    paras: Vec<String>,
    button: &'static str,
}

/// The rules every follow-up shares (see the module comment), then the mail: its link
/// is a fresh token whose hash is recorded with the send.
fn deliver(tx: &Tx, cfg: &Config, hmac: &Hmac, m: Mail, now: i64) -> Result<Outcome> {
    let prefs = fu::prefs(tx, m.email)?;
    let skip = match &prefs {
        Some(p) if p.unsubscribed_at.is_some() => Some("unsubscribed"),
        Some(p) if m.marketing && !p.marketing => Some("no consent"),
        None if m.marketing => Some("no consent"),
        _ => None,
    };
    let send = |skipped, token| NewSend {
        flow: m.flow,
        r#ref: &m.r#ref,
        email: m.email,
        skipped,
        token,
        lines: &m.lines,
        target: &m.target,
    };
    if let Some(reason) = skip {
        fu::record(tx, &send(Some(reason), None), now)?;
        return Ok(Outcome::Skipped);
    }
    if fu::sent_since(tx, m.email, now - 86_400)? >= cfg.follow_ups.mails_per_address_per_day {
        return Ok(Outcome::Deferred);
    }
    let token = crate::crypto::token();
    let Some(id) = fu::record(tx, &send(None, Some(&token)), now)? else {
        // Sent before (a repeated sweep): once is enough.
        return Ok(Outcome::Skipped);
    };
    let prefs_id = fu::ensure_prefs(tx, m.email, now)?;
    super::notices::send_listed(
        tx,
        cfg,
        super::notices::Letter {
            to: m.email,
            subject: m.subject,
            paras: m.paras,
            button: Some((m.button, format!("{}/go/{token}", cfg.store.url))),
            template: &m.flow.replace('_', "-"),
            key: format!("{}/{id}", m.flow),
        },
        unsubscribe_url(cfg, hmac, prefs_id),
        now,
    )?;
    Ok(Outcome::Sent)
}
