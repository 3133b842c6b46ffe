//! Review use cases: the invitation mail when an order is delivered (one link per item,
//! queued in the write that delivered it), the shopper's review from a link, and the
//! owner's decisions. Each is one write through `service::write`.

use crate::app::App;
use crate::config::Config;
use crate::db::Tx;
use crate::error::Result;
use crate::shop::audit::Actor;
use crate::shop::orders::Order;
use crate::shop::reviews::{self, Decision, Draft};

/// The reaction to a delivery (by the owner or the courier): review links for its items,
/// mailed once (a second delivery event makes no new links and no mail).
pub fn on_delivered(tx: &Tx, cfg: &Config, o: &Order, now: i64) -> Result<()> {
    if !cfg.reviews.enabled {
        return Ok(());
    }
    // A delayed mail's links still work link_days from when it arrives.
    let days = cfg.reviews.link_days + cfg.reviews.request_after_days;
    let links = reviews::invite(tx, o, days, now)?;
    if links.is_empty() {
        return Ok(());
    }
    let mut paras = vec![format!(
        "Your order {} has arrived. How do you like it? A few words from you help other shoppers choose — each link below is for one item, works once, and needs no account.",
        o.number
    )];
    for l in &links {
        paras.push(format!(
            "{}: {}/reviews/{}",
            l.title, cfg.store.url, l.token
        ));
    }
    paras.push(format!(
        "The links work for {} days.",
        cfg.reviews.link_days
    ));
    let id = super::notices::send(
        tx,
        cfg,
        super::notices::Letter {
            to: &o.email,
            subject: format!("How is your order {}?", o.number),
            button: Some((
                "Review your purchase",
                format!("{}/reviews/{}", cfg.store.url, links[0].token),
            )),
            paras,
            template: "review-request",
            key: format!("review-request/{}", o.id),
        },
        now,
    )?;
    if cfg.reviews.request_after_days > 0 {
        crate::jobs::outbox::defer(tx, id, now + cfg.reviews.request_after_days * 86_400)?;
    }
    Ok(())
}

/// Photo uploads per review link per hour (each is a full decode).
const PHOTO_TRIES_PER_HOUR: usize = 5;

/// The shopper's review from the link `token`, with an optional photo (judged by its
/// bytes and made into the WebP set before the write; the draft is checked first so a
/// bad rating costs no decode). Says whether it is published at once (auto_publish)
/// or waits for the owner.
pub fn submit(app: &App, token: &str, d: &Draft, photo: Option<&[u8]>) -> Result<Sent> {
    reviews::check(d)?;
    let set = match photo.filter(|b| !b.is_empty()) {
        Some(bytes) => {
            app.limits.hit(
                &format!(
                    "review-photo/{}",
                    crate::crypto::hex(&crate::crypto::token_hash(token))
                ),
                PHOTO_TRIES_PER_HOUR,
                std::time::Duration::from_secs(3600),
                "Too many photo uploads for this review; try again in an hour.",
            )?;
            // Only a link that still works gets its photo decoded.
            reviews::usable(&*app.db.read()?, token, crate::db::now())?;
            Some(crate::shop::catalog::images::process(bytes)?)
        }
        None => None,
    };
    let publish = app.cfg().reviews.auto_publish;
    let now = crate::db::now();
    let inv = super::write(app, now, |tx| {
        reviews::submit(tx, token, d, set.as_ref(), publish, now)
    })?;
    Ok(Sent {
        published: publish,
        product_slug: inv.product_slug,
    })
}

/// A review sent: shown at once or waiting for the owner, and the product it is about
/// (for the thank-you page's link back).
pub struct Sent {
    pub published: bool,
    pub product_slug: Option<String>,
}

/// The owner publishes, hides or replies to a review.
pub fn decide(app: &App, id: i64, d: &Decision, actor: &Actor) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| reviews::decide(tx, id, d, actor, now))
}
