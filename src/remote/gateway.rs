//! The card gateways' HTTP APIs (Razorpay's Orders/Payments/Refunds, Stripe's Checkout
//! Sessions/Refunds), as `../shared/specs/razorpay.md` and `stripe.md` describe them:
//! make the remote object a shopper pays on, read its live state back (the browser's
//! return and the owner's re-check), and refund a captured payment. Every answer is
//! turned into our terms here and every failure into a [`SendError`]: the network, a
//! timeout, 429 and 5xx pass with time (`Retry`); any other refusal is `Permanent`, with
//! the gateway's own words (a bad key, an amount below the minimum). The key secret is
//! never put into error text. Called with no transaction open (house rule 4), from the
//! payments use cases and the outbox worker only.

use super::SendError;
use crate::shop::payments::Gateway;
use serde_json::Value;
use std::time::Duration;

/// A gateway call gives up after this long: the shopper is waiting at checkout.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The largest answer read (a session or a payments list is a few KiB).
const MAX_ANSWER: u64 = 256 * 1024;

/// One gateway account: where its API is and the keys it takes.
pub struct Client {
    agent: ureq::Agent,
    gateway: Gateway,
    base: String,
    key_id: String,
    secret: String,
}

/// What to make a payment page for.
pub struct NewPayment<'a> {
    /// Our order number (Razorpay's receipt, Stripe's client reference).
    pub number: &'a str,
    /// Minor units, the order's total.
    pub amount: i64,
    /// ISO code as the store keeps it ("INR").
    pub currency: &'a str,
    pub email: &'a str,
    /// What the shopper reads on the gateway's page ("Order #1001 at Test Boutique").
    pub description: &'a str,
    /// Stripe sends the shopper here after paying (`{CHECKOUT_SESSION_ID}` is filled in).
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// Stripe's `Idempotency-Key`: a retry of the same attempt makes no second session.
    pub idempotency_key: &'a str,
    /// Unix seconds the payment page stops taking payment (Stripe: 30 min to 24 h ahead).
    pub expires_at: i64,
}

/// The remote object made for an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    /// Razorpay order id / Stripe session id.
    pub remote_id: String,
    /// Stripe's hosted page; Razorpay opens its Checkout over our page instead.
    pub checkout_url: Option<String>,
}

/// The live state of an attempt's remote object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Paid {
        payment_id: String,
        amount: i64,
        currency: String,
    },
    /// Not paid (yet): still payable.
    Open,
    /// Can no longer be paid.
    Expired,
}

/// A refund the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    pub remote_id: String,
    /// Already final (Razorpay `processed`, Stripe `succeeded`); otherwise its event says.
    pub done: bool,
}

type Answer = std::result::Result<Value, SendError>;

impl Client {
    /// `base` empty = the gateway's real address.
    pub fn new(gateway: Gateway, base: &str, key_id: &str, secret: &str) -> Client {
        let base = match (base.trim(), gateway) {
            ("", Gateway::Razorpay) => "https://api.razorpay.com/v1".to_string(),
            ("", Gateway::Stripe) => "https://api.stripe.com/v1".to_string(),
            (b, _) => b.trim_end_matches('/').to_string(),
        };
        Client {
            agent: super::agent(TIMEOUT),
            gateway,
            base,
            key_id: key_id.to_string(),
            secret: secret.to_string(),
        }
    }

    /// Makes the Razorpay order (spec §2) or the Stripe Checkout Session (spec §2).
    pub fn create(&self, p: &NewPayment) -> std::result::Result<Made, SendError> {
        match self.gateway {
            Gateway::Razorpay => {
                let body = serde_json::json!({
                    "amount": p.amount,
                    "currency": p.currency.to_uppercase(),
                    "receipt": p.number,
                    "notes": {"order": p.number},
                });
                let v = self.send("POST", "/orders", Some(Body::Json(body)), &[])?;
                Ok(Made {
                    remote_id: text(&v, "id")?,
                    checkout_url: None,
                })
            }
            Gateway::Stripe => {
                let amount = p.amount.to_string();
                let expires = p.expires_at.to_string();
                let currency = p.currency.to_lowercase();
                // One line of the order's total: the shopper pays exactly what the order
                // says (discounts, shipping and fees included), and the amount Stripe
                // reports back can be compared with it.
                let form = [
                    ("mode", "payment"),
                    ("line_items[0][price_data][currency]", currency.as_str()),
                    ("line_items[0][price_data][unit_amount]", amount.as_str()),
                    (
                        "line_items[0][price_data][product_data][name]",
                        p.description,
                    ),
                    ("line_items[0][quantity]", "1"),
                    ("success_url", p.success_url),
                    ("cancel_url", p.cancel_url),
                    ("client_reference_id", p.number),
                    ("metadata[order]", p.number),
                    ("payment_intent_data[metadata][order]", p.number),
                    ("customer_email", p.email),
                    ("expires_at", expires.as_str()),
                ];
                let v = self.send(
                    "POST",
                    "/checkout/sessions",
                    Some(Body::Form(encode_form(&form))),
                    &[("Idempotency-Key", p.idempotency_key)],
                )?;
                Ok(Made {
                    remote_id: text(&v, "id")?,
                    checkout_url: Some(text(&v, "url")?),
                })
            }
        }
    }

    /// The live state (spec §5 of each): Razorpay is paid iff one of the order's payments
    /// is `captured`; Stripe iff the session is `complete` and `paid`.
    pub fn fetch(&self, remote_id: &str) -> std::result::Result<State, SendError> {
        let id = path_segment(remote_id)?;
        match self.gateway {
            Gateway::Razorpay => {
                let v = self.send("GET", &format!("/orders/{id}/payments"), None, &[])?;
                let items = v.get("items").and_then(Value::as_array);
                let captured = items
                    .into_iter()
                    .flatten()
                    .find(|p| p.get("status").and_then(Value::as_str) == Some("captured"));
                Ok(match captured {
                    Some(p) => State::Paid {
                        payment_id: text(p, "id")?,
                        amount: int(p, "amount")?,
                        currency: text(p, "currency")?,
                    },
                    None => State::Open,
                })
            }
            Gateway::Stripe => {
                let v = self.send("GET", &format!("/checkout/sessions/{id}"), None, &[])?;
                let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
                Ok(match (s("status"), s("payment_status")) {
                    ("complete", "paid") => State::Paid {
                        payment_id: text(&v, "payment_intent")?,
                        amount: int(&v, "amount_total")?,
                        currency: text(&v, "currency")?,
                    },
                    ("expired", _) => State::Expired,
                    _ => State::Open,
                })
            }
        }
    }

    /// Refunds `amount` of payment `payment_id` (Razorpay payment / Stripe
    /// PaymentIntent), with `key` as the idempotency key (≥ 10 characters of
    /// `A-Za-z0-9_-`, which both gateways take), so a retry never refunds twice.
    pub fn refund(
        &self,
        payment_id: &str,
        amount: i64,
        key: &str,
    ) -> std::result::Result<Refunded, SendError> {
        let id = path_segment(payment_id)?;
        match self.gateway {
            Gateway::Razorpay => {
                let body = serde_json::json!({"amount": amount, "notes": {"key": key}});
                let v = self.send(
                    "POST",
                    &format!("/payments/{id}/refund"),
                    Some(Body::Json(body)),
                    &[("X-Refund-Idempotency", key)],
                )?;
                Ok(Refunded {
                    remote_id: text(&v, "id")?,
                    done: v.get("status").and_then(Value::as_str) == Some("processed"),
                })
            }
            Gateway::Stripe => {
                let amount = amount.to_string();
                let form = [
                    ("payment_intent", payment_id),
                    ("amount", amount.as_str()),
                    ("metadata[key]", key),
                ];
                let v = self.send(
                    "POST",
                    "/refunds",
                    Some(Body::Form(encode_form(&form))),
                    &[("Idempotency-Key", key)],
                )?;
                Ok(Refunded {
                    remote_id: text(&v, "id")?,
                    done: v.get("status").and_then(Value::as_str) == Some("succeeded"),
                })
            }
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Body>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let name = self.gateway.label();
        let auth = match self.gateway {
            Gateway::Razorpay => format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{}:{}", self.key_id, self.secret),
                )
            ),
            Gateway::Stripe => format!("Bearer {}", self.secret),
        };
        let result = if method == "GET" {
            let mut r = self.agent.get(&url).header("Authorization", &auth);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        } else {
            let mut r = self.agent.post(&url).header("Authorization", &auth);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            match body {
                Some(Body::Json(v)) => r
                    .header("Content-Type", "application/json")
                    .send(v.to_string().as_bytes()),
                Some(Body::Form(f)) => r
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .send(f.as_bytes()),
                None => r.send_empty(),
            }
        };
        let mut resp = match result {
            Ok(r) => r,
            // ureq's error names the host and the cause, never the headers.
            Err(e) => return Err(SendError::Retry(format!("{name} cannot be reached: {e}"))),
        };
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return if json.is_object() {
                Ok(json)
            } else {
                Err(SendError::Retry(format!(
                    "{name} answered {status} with something that is not JSON"
                )))
            };
        }
        let said = refusal(&json);
        let detail: String = format!("{name} answered {status}: {said}")
            .chars()
            .take(400)
            .collect();
        // Idempotency collisions (409) are the first try still running: they pass.
        if status == 429 || status == 409 || status >= 500 {
            Err(SendError::Retry(detail))
        } else if status == 401
            || said.to_lowercase().contains("authentication")
            || said.to_lowercase().contains("api key")
        {
            Err(SendError::Permanent(format!(
                "{detail} (the keys in store.toml were refused)"
            )))
        } else {
            Err(SendError::Permanent(detail))
        }
    }
}

enum Body {
    Json(Value),
    Form(String),
}

/// The gateway's own words from its error envelope (Razorpay `error.description`,
/// Stripe `error.message`).
fn refusal(v: &Value) -> String {
    let e = v.get("error");
    e.and_then(|e| e.get("description").or_else(|| e.get("message")))
        .and_then(Value::as_str)
        .unwrap_or("no reason given")
        .to_string()
}

fn text(v: &Value, k: &str) -> std::result::Result<String, SendError> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| SendError::Retry(format!("the gateway's answer has no \"{k}\"")))
}

fn int(v: &Value, k: &str) -> std::result::Result<i64, SendError> {
    v.get(k)
        .and_then(Value::as_i64)
        .ok_or_else(|| SendError::Retry(format!("the gateway's answer has no \"{k}\"")))
}

/// An id we put into a URL path: the gateways' ids are `[A-Za-z0-9_]`; anything else
/// never came from them.
fn path_segment(id: &str) -> std::result::Result<&str, SendError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(id)
    } else {
        Err(SendError::Permanent(format!("{id:?} is not a gateway id")))
    }
}

/// `application/x-www-form-urlencoded`, brackets in names percent-encoded as browsers do.
fn encode_form(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded_as_stripe_reads_them() {
        assert_eq!(
            encode_form(&[
                ("line_items[0][quantity]", "1"),
                ("name", "Linen scarf & co")
            ]),
            "line_items%5B0%5D%5Bquantity%5D=1&name=Linen+scarf+%26+co"
        );
    }

    #[test]
    fn ids_from_elsewhere_never_reach_a_path() {
        assert!(path_segment("order_IEIaMR65cu6nz3").is_ok());
        assert!(path_segment("cs_test_a1").is_ok());
        for bad in ["", "../x", "a/b", "a?b", "a b"] {
            assert!(path_segment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_are_read_from_both_envelopes() {
        let r = serde_json::json!({"error": {"code": "BAD_REQUEST_ERROR", "description": "The amount must be at least INR 1.00"}});
        assert_eq!(refusal(&r), "The amount must be at least INR 1.00");
        let s = serde_json::json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}});
        assert_eq!(refusal(&s), "Invalid API Key provided");
    }
}
