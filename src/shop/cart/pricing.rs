//! The price of a cart on the server: subtotal from today's catalog prices, the coupon's
//! discount, the shipping fee of the destination's zone (or free over its threshold), the
//! COD fee, and which payment methods are open for this order with the reason when one is
//! not. The checkout page shows a quote; the order transaction computes it again from
//! scratch, so nothing the client sends about money is ever used.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::shop::cart::coupons::{self, Coupon};
use crate::shop::orders::lifecycle::Method;
use crate::shop::payments::{self, Gateway};
use rusqlite::Connection;

/// One payment method as the checkout offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub method: Method,
    /// What the shopper reads ("Cash on delivery", a gateway's display name).
    pub label: String,
    /// None when it can be chosen; otherwise why not, for the shopper.
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub subtotal: i64,
    pub discount: i64,
    pub shipping_fee: i64,
    pub cod_fee: i64,
    /// The total of `method`: with no method, the total before any method's fee.
    pub total: i64,
    /// The method this quote is the price of: the one asked for if it can be used now,
    /// else None (an unavailable method's fee must never be added to the total).
    pub method: Option<Method>,
    /// The COD fee the store charges when cash on delivery can be chosen (so a page with
    /// no method chosen yet can say a method fee may apply); 0 when it cannot.
    pub cod_fee_if_chosen: i64,
    /// The shipping zone's name; None when the store does not ship there.
    pub zone: Option<String>,
    /// The coupon applied, if any and usable.
    pub coupon: Option<Coupon>,
    /// Why the entered coupon does not apply (the order can still be placed without it).
    pub coupon_error: Option<String>,
    pub choices: Vec<Choice>,
}

impl Quote {
    pub fn choice(&self, m: Method) -> Option<&Choice> {
        self.choices.iter().find(|c| c.method == m)
    }
}

/// What the shopper asked for.
pub struct Ask<'a> {
    pub subtotal: i64,
    pub country: &'a str,
    pub region: &'a str,
    pub method: Option<Method>,
    pub coupon: &'a str,
    pub email: &'a str,
}

/// Prices an order. Never fails for a bad coupon or an unavailable method: those are
/// reported in the quote, and `checkout` refuses them when placing.
pub fn quote(c: &Connection, cfg: &Config, ask: &Ask, now: i64) -> Result<Quote> {
    let money = crate::money::Money::of(&cfg.store);
    let fmt = |m: i64| money.format(m);
    let (coupon, coupon_error) = if ask.coupon.trim().is_empty() {
        (None, None)
    } else {
        match coupons::usable(c, ask.coupon, ask.email, ask.subtotal, now, &fmt) {
            Ok(k) => (Some(k), None),
            Err(e) => (None, Some(e.public)),
        }
    };
    let (discount, free_ship) = coupon
        .as_ref()
        .map(|k| coupons::effect(k, ask.subtotal))
        .unwrap_or((0, false));
    let after_discount = ask.subtotal - discount;
    let zone = cfg.shipping.zone_for(ask.country, ask.region);
    let shipping_fee = match zone {
        None => 0,
        Some(_) if free_ship => 0,
        Some(z) => {
            let fee = z.fee.unwrap_or(cfg.shipping.fee);
            let free_over = z.free_over.unwrap_or(cfg.shipping.free_over);
            if free_over > 0 && after_discount >= free_over {
                0
            } else {
                fee
            }
        }
    };
    let before_cod = after_discount + shipping_fee;
    let p = &cfg.payments;
    let cod_reason = if !p.cod {
        Some("This store does not take cash on delivery.".to_string())
    } else if zone.is_none() {
        Some("Choose a delivery address we ship to first.".to_string())
    } else if zone.is_some_and(|z| !z.cod) {
        Some("Cash on delivery is not available for this address.".to_string())
    } else if p.cod_max_order > 0 && before_cod + p.cod_fee > p.cod_max_order {
        Some(format!(
            "Cash on delivery is available for orders up to {}.",
            fmt(p.cod_max_order)
        ))
    } else {
        None
    };
    let bank_reason =
        (!p.bank_transfer).then(|| "This store does not take bank transfers.".to_string());
    let mut choices = vec![
        Choice {
            method: Method::Cod,
            label: "Cash on delivery".into(),
            unavailable: cod_reason,
        },
        Choice {
            method: Method::BankTransfer,
            label: "Bank transfer".into(),
            unavailable: bank_reason,
        },
    ];
    // A card gateway that cannot take payments now (off, keys missing: the owner's
    // settings page says why) is not shown to shoppers at all.
    for g in [Gateway::Razorpay, Gateway::Stripe] {
        if payments::offer_problem(cfg, g).is_none() {
            choices.push(Choice {
                method: g.method(),
                label: payments::config(cfg, g).display_name.clone(),
                unavailable: None,
            });
        }
    }
    // The total is that of the method that will be used: the one asked for only if it is
    // open now (COD can close when the cart grows past `cod_max_order`, while the page or
    // the form still names it).
    let method = ask.method.filter(|m| {
        choices
            .iter()
            .any(|c| c.method == *m && c.unavailable.is_none())
    });
    let cod_open = choices
        .iter()
        .any(|c| c.method == Method::Cod && c.unavailable.is_none());
    let cod_fee = if method == Some(Method::Cod) {
        p.cod_fee
    } else {
        0
    };
    Ok(Quote {
        subtotal: ask.subtotal,
        discount,
        shipping_fee,
        cod_fee,
        total: before_cod + cod_fee,
        method,
        cod_fee_if_chosen: if cod_open { p.cod_fee } else { 0 },
        zone: zone.map(|z| z.name.clone()),
        coupon,
        coupon_error,
        choices,
    })
}

/// Checks that a quote can become an order paid by `method`: the destination is served,
/// the coupon (if one was entered) applies, the method is open.
pub fn check_placeable(q: &Quote, method: Method, country: &str) -> Result<()> {
    if q.zone.is_none() {
        return Err(Error::bad_request(format!(
            "Sorry, we do not deliver to {country} yet."
        )));
    }
    if let Some(e) = &q.coupon_error {
        return Err(Error::bad_request(e.clone()));
    }
    match q.choice(method) {
        Some(Choice {
            unavailable: None, ..
        }) => Ok(()),
        Some(Choice {
            unavailable: Some(why),
            ..
        }) => Err(Error::bad_request(why.clone())),
        None => Err(Error::bad_request(
            "That payment method is not available in this store. Please choose another one.",
        )),
    }
}
