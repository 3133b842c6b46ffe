//! Razorpay's side of the wire, as specs/razorpay.md reads it: the two signatures (the
//! Standard Checkout result, signed with the API key secret over `order_id|payment_id`;
//! a webhook, signed with the webhook secret over the raw body) and the webhook events the
//! store acts on, turned into [`Happened`]. Pure: no SQL, no network.

use super::{Delivery, Happened};
use crate::crypto::{Hmac, unhex};
use crate::error::{Error, Result};
use serde_json::Value;

/// Whether `signature` (64 hex chars) is HMAC-SHA256(`key_secret`, `order_id|payment_id`).
/// `order_id` must be the one in our database, never the one the browser sent back.
pub fn checkout_signature_ok(
    key_secret: &str,
    order_id: &str,
    payment_id: &str,
    signature: &str,
) -> bool {
    let msg = format!("{order_id}|{payment_id}");
    verify(key_secret, msg.as_bytes(), signature)
}

/// Whether `signature` (the `X-Razorpay-Signature` header) signs `body` with `secret`.
pub fn webhook_signature_ok(secret: &str, body: &[u8], signature: &str) -> bool {
    verify(secret, body, signature)
}

/// The Checkout result's signature (what Razorpay's Checkout hands the browser; the
/// sandbox makes it the same way).
pub fn sign_checkout(key_secret: &str, order_id: &str, payment_id: &str) -> String {
    let msg = format!("{order_id}|{payment_id}");
    crate::crypto::hex(&Hmac::new(key_secret.as_bytes()).sign(msg.as_bytes()))
}

/// A webhook's `X-Razorpay-Signature` (the sandbox signs its deliveries with it).
pub fn sign_webhook(secret: &str, body: &[u8]) -> String {
    crate::crypto::hex(&Hmac::new(secret.as_bytes()).sign(body))
}

fn verify(secret: &str, msg: &[u8], signature: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    match unhex(signature.trim()) {
        Some(tag) if tag.len() == 32 => Hmac::new(secret.as_bytes()).verify(msg, &tag),
        _ => false,
    }
}

/// A signed webhook body (already verified) and its `x-razorpay-event-id` → what happened.
/// A body that is not the documented envelope is a 400; an event type the store does not
/// act on is [`Happened::Ignored`].
pub fn parse_event(event_id: &str, body: &[u8]) -> Result<Delivery> {
    let bad = |why: &str| Error::bad_request(format!("Not a Razorpay webhook: {why}."));
    let id = event_id.trim();
    if id.is_empty() || id.len() > 100 {
        return Err(bad("the x-razorpay-event-id header is missing"));
    }
    let v: Value = serde_json::from_slice(body).map_err(|_| bad("the body is not JSON"))?;
    let kind = v["event"].as_str().ok_or_else(|| bad("no event type"))?;
    let payment = &v["payload"]["payment"]["entity"];
    let text = |e: &Value, k: &str| e[k].as_str().unwrap_or("").to_string();
    let happened = match kind {
        "payment.captured" | "order.paid" => Happened::Captured {
            remote_id: required(payment, "order_id").ok_or_else(|| bad("no order id"))?,
            payment_id: required(payment, "id").ok_or_else(|| bad("no payment id"))?,
            amount: payment["amount"].as_i64().ok_or_else(|| bad("no amount"))?,
            currency: text(payment, "currency").to_uppercase(),
        },
        "payment.failed" => Happened::Failed {
            remote_id: required(payment, "order_id").ok_or_else(|| bad("no order id"))?,
            reason: text(payment, "error_description"),
        },
        "refund.processed" => {
            let refund = &v["payload"]["refund"]["entity"];
            Happened::Refunded {
                payment_id: required(refund, "payment_id").ok_or_else(|| bad("no payment id"))?,
                refund_id: required(refund, "id").ok_or_else(|| bad("no refund id"))?,
                amount: refund["amount"].as_i64().ok_or_else(|| bad("no amount"))?,
                of: required(payment, "order_id"),
            }
        }
        _ => Happened::Ignored,
    };
    Ok(Delivery {
        event_id: id.to_string(),
        event_type: kind.chars().take(100).collect(),
        happened,
    })
}

fn required(e: &Value, k: &str) -> Option<String> {
    e[k].as_str()
        .filter(|s| !s.is_empty() && s.len() <= 100)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of specs/razorpay.md §3.1 and §4.1.
    #[test]
    fn signatures_match_the_published_vectors() {
        assert!(checkout_signature_ok(
            "EnLs21M47BllR3X8PSFtjtbd",
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1l",
            "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"
        ));
        assert!(!checkout_signature_ok(
            "EnLs21M47BllR3X8PSFtjtbd",
            "order_IEIaMR65cu6nz3",
            "pay_IH4NVgf4Dreq1m",
            "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"
        ));
        let body = br#"{"entity":"event","account_id":"acc_TestBoutique01","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_TestPay0000001","entity":"payment","amount":129900,"currency":"INR","status":"captured","order_id":"order_TestOrd000001","captured":true}}},"created_at":1700000000}"#;
        assert_eq!(body.len(), 308);
        let sig = "e77278272773eb38e3d30c836e4ea4432127ba20b29af6f5ea72e6f29f9c5032";
        assert!(webhook_signature_ok("boutique_webhook_secret", body, sig));
        assert!(!webhook_signature_ok("other_secret", body, sig));
        assert!(!webhook_signature_ok("", body, sig));
        assert!(!webhook_signature_ok("boutique_webhook_secret", body, "zz"));
        let mut tampered = body.to_vec();
        tampered[200] ^= 1;
        assert!(!webhook_signature_ok(
            "boutique_webhook_secret",
            &tampered,
            sig
        ));
        let d = parse_event("evt_1", body).unwrap();
        assert_eq!(
            d.happened,
            Happened::Captured {
                remote_id: "order_TestOrd000001".into(),
                payment_id: "pay_TestPay0000001".into(),
                amount: 129_900,
                currency: "INR".into()
            }
        );
        assert!(parse_event("", body).is_err());
        assert!(parse_event("evt_2", b"{not json").is_err());
        let other = br#"{"event":"payment.authorized","payload":{}}"#;
        assert_eq!(
            parse_event("evt_3", other).unwrap().happened,
            Happened::Ignored
        );
    }
}
