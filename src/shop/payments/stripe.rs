//! Stripe's side of the wire, as specs/stripe.md reads it: the `Stripe-Signature` header
//! (`t=` and one or more `v1=`, HMAC-SHA256 of `t.body` with the endpoint secret, a
//! 5-minute tolerance in both directions) and the Checkout events the store acts on,
//! turned into [`Happened`]. Pure: no SQL, no network.

use super::{Delivery, Happened};
use crate::crypto::{Hmac, unhex};
use crate::error::{Error, Result};
use serde_json::Value;

/// How far the signed timestamp may be from our clock, either way.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused (all answered 400; the log says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigError {
    /// No header, no `t=` or no `v1=`.
    Malformed,
    /// `t` more than [`TOLERANCE_SECS`] from now.
    Stale,
    /// No `v1` value matches.
    Mismatch,
}

impl SigError {
    pub fn describe(self) -> &'static str {
        match self {
            SigError::Malformed => "the Stripe-Signature header is missing or malformed",
            SigError::Stale => "the signature's timestamp is more than 5 minutes from now",
            SigError::Mismatch => "the signature does not match",
        }
    }
}

/// Checks `header` against `body` with the endpoint `secret` (`whsec_…` used as is) at
/// unix time `now`. Any matching `v1` passes (secret rotation sends several); other
/// schemes are ignored.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), SigError> {
    let mut t: Option<&str> = None;
    let mut v1: Vec<&str> = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", v)) => t = Some(v),
            Some(("v1", v)) => v1.push(v),
            _ => {}
        }
    }
    let (Some(t), false) = (t, v1.is_empty()) else {
        return Err(SigError::Malformed);
    };
    let at: i64 = t.parse().map_err(|_| SigError::Malformed)?;
    if (now - at).abs() > TOLERANCE_SECS {
        return Err(SigError::Stale);
    }
    if secret.is_empty() {
        return Err(SigError::Mismatch);
    }
    let mut signed = Vec::with_capacity(t.len() + 1 + body.len());
    signed.extend_from_slice(t.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    let mac = Hmac::new(secret.as_bytes());
    let ok = v1
        .iter()
        .filter_map(|s| unhex(s))
        .filter(|tag| tag.len() == 32)
        .any(|tag| mac.verify(&signed, &tag));
    if ok { Ok(()) } else { Err(SigError::Mismatch) }
}

/// The header a sender would make (the sandbox and tests sign with it).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(body);
    format!(
        "t={t},v1={}",
        crate::crypto::hex(&Hmac::new(secret.as_bytes()).sign(&signed))
    )
}

/// A verified event body → what happened. Not the documented envelope → 400; an event
/// type the store does not act on → [`Happened::Ignored`].
pub fn parse_event(body: &[u8]) -> Result<Delivery> {
    let bad = |why: &str| Error::bad_request(format!("Not a Stripe event: {why}."));
    let v: Value = serde_json::from_slice(body).map_err(|_| bad("the body is not JSON"))?;
    let id = v["id"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 100)
        .ok_or_else(|| bad("no event id"))?;
    let kind = v["type"].as_str().ok_or_else(|| bad("no event type"))?;
    let o = &v["data"]["object"];
    let text = |k: &str| o[k].as_str().unwrap_or("").to_string();
    let session = || {
        o["id"]
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= 200)
            .map(str::to_string)
            .ok_or_else(|| bad("no session id"))
    };
    let happened = match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            if text("payment_status") == "paid" {
                Happened::Captured {
                    remote_id: session()?,
                    payment_id: text("payment_intent"),
                    amount: o["amount_total"].as_i64().ok_or_else(|| bad("no amount"))?,
                    currency: text("currency").to_uppercase(),
                }
            } else {
                // Completed but the money is not there yet (a delayed method): the
                // async_payment_* event follows.
                Happened::Ignored
            }
        }
        "checkout.session.async_payment_failed" => Happened::Failed {
            remote_id: session()?,
            reason: "the payment did not go through".into(),
        },
        "checkout.session.expired" => Happened::Expired {
            remote_id: session()?,
        },
        // The charge says how much is refunded in all, not which refund it was.
        "charge.refunded" => Happened::RefundedTotal {
            payment_id: text("payment_intent"),
            total: o["amount_refunded"]
                .as_i64()
                .ok_or_else(|| bad("no amount"))?,
            // Set by us at checkout (payment_intent_data[metadata][order]).
            of: o["metadata"]["order"]
                .as_str()
                .filter(|s| !s.is_empty() && s.len() <= 100)
                .map(str::to_string),
        },
        _ => Happened::Ignored,
    };
    Ok(Delivery {
        event_id: id.to_string(),
        event_type: kind.chars().take(100).collect(),
        happened,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of specs/stripe.md §3, the tolerance both ways, several v1 values, a
    /// decoy scheme.
    #[test]
    fn signature_header_is_checked_as_the_sdks_do() {
        let body = br#"{"id":"evt_test_0001","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_0001","object":"checkout.session","payment_status":"paid","client_reference_id":"ORD-1001"}}}"#;
        let good = "c943315d561f4a283e7c66cc0b7a5b1715adb0be22f2339c08e827c3cabd1d10";
        let s = "whsec_test_boutique";
        let h = format!("t=1700000000,v1={good}");
        assert_eq!(verify(s, &h, body, 1_700_000_000), Ok(()));
        assert_eq!(sign(s, 1_700_000_000, body), h);
        assert_eq!(verify(s, &h, body, 1_700_000_300), Ok(()));
        assert_eq!(verify(s, &h, body, 1_700_000_301), Err(SigError::Stale));
        assert_eq!(verify(s, &h, body, 1_699_999_699), Err(SigError::Stale));
        let rotated = format!("t=1700000000,v0=deadbeef,v1={},v1={good}", "00".repeat(32));
        assert_eq!(verify(s, &rotated, body, 1_700_000_000), Ok(()));
        assert_eq!(
            verify(s, &format!("t=1700000000,v0={good}"), body, 1_700_000_000),
            Err(SigError::Malformed)
        );
        assert_eq!(verify(s, "", body, 1_700_000_000), Err(SigError::Malformed));
        assert_eq!(
            verify("whsec_other", &h, body, 1_700_000_000),
            Err(SigError::Mismatch)
        );
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify(s, &h, &tampered, 1_700_000_000),
            Err(SigError::Mismatch)
        );
    }

    #[test]
    fn checkout_events_become_what_happened() {
        let paid = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"paid","amount_total":129900,"currency":"inr","payment_intent":"pi_1"}}}"#;
        assert_eq!(
            parse_event(paid).unwrap().happened,
            Happened::Captured {
                remote_id: "cs_1".into(),
                payment_id: "pi_1".into(),
                amount: 129_900,
                currency: "INR".into()
            }
        );
        let unpaid = br#"{"id":"evt_2","type":"checkout.session.completed","data":{"object":{"id":"cs_1","payment_status":"unpaid"}}}"#;
        assert_eq!(parse_event(unpaid).unwrap().happened, Happened::Ignored);
        let expired =
            br#"{"id":"evt_3","type":"checkout.session.expired","data":{"object":{"id":"cs_1"}}}"#;
        assert_eq!(
            parse_event(expired).unwrap().happened,
            Happened::Expired {
                remote_id: "cs_1".into()
            }
        );
        assert!(parse_event(br#"{"type":"x"}"#).is_err());
        assert!(parse_event(b"[").is_err());
    }
}
