//! Shiprocket's API (`../shared/specs/shiprocket.md`): sign in for a token (cached per
//! account and renewed a day before its 10 days run out, and once on a 401), ask what
//! exists for one of our orders, create the courier order, assign the AWB, generate the
//! label, request the pickup and generate the manifest. Every answer is read into our
//! terms and every failure sorted into a [`SendError`]: the network, 429 and 5xx pass
//! with time (`Retry`); a refusal (400/422, or an error inside a 200 body, which
//! Shiprocket does send) is `Permanent` with Shiprocket's own words and the fields it
//! names, so the owner reads "billing_pincode: Invalid pincode", not a status code.
//! [`Sandbox`] plays the courier inside the binary for mode = "sandbox". Called from the
//! outbox worker only (through `service::shipping`), never inside a transaction.

use super::SendError;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);
const MAX_ANSWER: u64 = 512 * 1024;
/// Tokens last 10 days (spec §2); renew after 9 so a long job never meets an expiry.
const TOKEN_LIFE_SECS: i64 = 9 * 24 * 3600;
pub const LIVE_BASE: &str = "https://apiv2.shiprocket.in/v1/external";

type Res<T> = std::result::Result<T, SendError>;

/// What the courier has for one of our orders, when asked before (re)creating it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub remote_order_id: i64,
    pub remote_shipment_id: i64,
    /// Empty until an AWB is assigned.
    pub awb: String,
    pub courier: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awb {
    pub awb: String,
    pub courier: String,
    pub pickup_date: String,
}

/// A courier as the shipment job uses it: Shiprocket's API or the built-in sandbox.
pub trait Courier {
    /// Shiprocket's name for it in messages ("Shiprocket", "the sandbox courier").
    fn name(&self) -> &'static str;
    /// What exists for our order `number`, if anything (so a retry never makes a second).
    fn find(&self, number: &str) -> Res<Option<Found>>;
    /// Creates the courier order; None when the courier says one with this id exists.
    fn create(&self, order: &Value) -> Res<Option<Found>>;
    fn assign_awb(&self, shipment_id: i64) -> Res<Awb>;
    fn label(&self, shipment_id: i64) -> Res<String>;
    /// The pickup date; Ok("") when the pickup was already requested.
    fn pickup(&self, shipment_id: i64) -> Res<String>;
    /// The manifest's address; Ok("") when it was already generated.
    fn manifest(&self, shipment_id: i64) -> Res<String>;
    /// Cancels the courier order (only possible before pickup); Ok when already cancelled.
    fn cancel(&self, remote_order_id: i64) -> Res<()>;
    /// The tracking answer for `awb` (spec §6) as it came; None when there is nothing to
    /// pull (the sandbox pushes all it knows).
    fn track(&self, awb: &str) -> Res<Option<Value>>;
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
    email: String,
    password: String,
    now: fn() -> i64,
}

/// Tokens by (base, email), for the whole process: every job of the same account shares
/// one sign-in.
static TOKENS: Mutex<Option<TokenCache>> = Mutex::new(None);
/// (base, email) → (token, when it was issued).
type TokenCache = HashMap<(String, String), (String, i64)>;

impl Client {
    /// `base` empty = Shiprocket's live API.
    pub fn new(base: &str, email: &str, password: &str) -> Client {
        let base = match base.trim() {
            "" => LIVE_BASE.to_string(),
            b => b.trim_end_matches('/').to_string(),
        };
        Client {
            agent: super::agent(TIMEOUT),
            base,
            email: email.to_string(),
            password: password.to_string(),
            now: crate::db::now,
        }
    }

    fn cache_key(&self) -> (String, String) {
        (self.base.clone(), self.email.clone())
    }

    fn token(&self, fresh: bool) -> Res<String> {
        let now = (self.now)();
        if !fresh
            && let Some((t, at)) = TOKENS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert_with(HashMap::new)
                .get(&self.cache_key())
            && now - at < TOKEN_LIFE_SECS
        {
            return Ok(t.clone());
        }
        if self.email.is_empty() || self.password.is_empty() {
            return Err(SendError::Permanent(
                "Shiprocket's API user email and password are not set ([shipping.shiprocket] email and password)".into(),
            ));
        }
        let (status, v) = self.call(
            "POST",
            "/auth/login",
            None,
            Some(json!({"email": self.email, "password": self.password})),
        )?;
        let token = v
            .get("token")
            .or_else(|| v.pointer("/data/token"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        match token {
            Some(t) => {
                TOKENS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert_with(HashMap::new)
                    .insert(self.cache_key(), (t.to_string(), now));
                Ok(t.to_string())
            }
            None if v.get("is_mfa_enabled").and_then(Value::as_bool) == Some(true) => {
                Err(SendError::Permanent(
                    "Shiprocket asks for a one-time code for this user: create an API user without two-factor sign-in (Settings → API)".into(),
                ))
            }
            None => Err(classify(status, &v, "signing in").unwrap_or_else(|| {
                SendError::Permanent(format!(
                    "Shiprocket refused the API user's email and password ({})",
                    said(&v)
                ))
            })),
        }
    }

    /// One authenticated request; a 401 signs in again once and repeats it.
    fn authed(&self, method: &str, path: &str, body: Option<Value>) -> Res<(u16, Value)> {
        let token = self.token(false)?;
        let (status, v) = self.call(method, path, Some(&token), body.clone())?;
        if status != 401 {
            return Ok((status, v));
        }
        let token = self.token(true)?;
        let (status, v) = self.call(method, path, Some(&token), body)?;
        if status == 401 {
            return Err(SendError::Permanent(
                "Shiprocket refused a fresh sign-in token (check the API user in the Shiprocket panel)".into(),
            ));
        }
        Ok((status, v))
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Res<(u16, Value)> {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let result = if method == "GET" {
            let mut r = self.agent.get(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        } else {
            let mut r = self
                .agent
                .post(&url)
                .header("Content-Type", "application/json");
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send(body.unwrap_or(Value::Null).to_string().as_bytes())
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                return Err(SendError::Retry(format!(
                    "Shiprocket cannot be reached: {e}"
                )));
            }
        };
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if v.is_null() && status != 204 {
            return Err(SendError::Retry(format!(
                "Shiprocket answered {status} with something that is not JSON"
            )));
        }
        Ok((status, v))
    }

    /// An answer that must be a success: errors (in the status, or inside a 200 body)
    /// sorted by [`classify`].
    fn ok(&self, method: &str, path: &str, body: Option<Value>, doing: &str) -> Res<Value> {
        let (status, v) = self.authed(method, path, body)?;
        match classify(status, &v, doing) {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }
}

/// Shiprocket's words: `message` plus every field of `errors`.
fn said(v: &Value) -> String {
    let mut out = v
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(errs) = v.get("errors").and_then(Value::as_object) {
        let parts: Vec<String> = errs
            .iter()
            .map(|(k, e)| {
                let msgs: Vec<&str> = match e {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    Value::String(s) => vec![s.as_str()],
                    _ => vec![],
                };
                format!("{k}: {}", msgs.join(" "))
            })
            .collect();
        if !parts.is_empty() {
            out = format!("{out} ({})", parts.join("; "));
        }
    }
    if out.is_empty() {
        out = "no reason given".into();
    }
    out.chars().take(400).collect()
}

/// None for a success; otherwise the failure in the owner's words. Shiprocket may put an
/// error inside a 200 (spec §1), so a body's own `status_code` of 400 or more counts.
fn classify(status: u16, v: &Value, doing: &str) -> Option<SendError> {
    let inner = v.get("status_code").and_then(Value::as_u64).unwrap_or(0) as u16;
    let code = if (200..300).contains(&status) && inner >= 400 {
        inner
    } else {
        status
    };
    if (200..300).contains(&code) {
        return None;
    }
    let detail = format!("Shiprocket refused {doing}: {}", said(v));
    Some(if code == 429 || code >= 500 {
        SendError::Retry(format!(
            "Shiprocket answered {code} while {doing}: {}",
            said(v)
        ))
    } else {
        SendError::Permanent(detail)
    })
}

fn int(v: &Value, ptr: &str) -> Option<i64> {
    let x = v.pointer(ptr)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
}

/// A string field, with `""` and null alike read as empty (spec §3).
fn text(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn ids(shipment_id: i64) -> Value {
    json!({"shipment_id": [shipment_id]})
}

impl Courier for Client {
    fn name(&self) -> &'static str {
        "Shiprocket"
    }

    fn find(&self, number: &str) -> Res<Option<Found>> {
        let q: String = number
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let (status, v) = self.authed("GET", &format!("/courier/track?order_id={q}"), None)?;
        // Nothing there yet reads as 404 or an empty answer on some accounts.
        if status == 404 {
            return Ok(None);
        }
        if let Some(e) = classify(status, &v, "looking up the order") {
            return Err(e);
        }
        // The published docs give no exact shape for this answer: an array of entries,
        // each holding tracking_data (directly, or under one key); read it tolerantly.
        let entries: Vec<&Value> = match &v {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![&v],
            _ => vec![],
        };
        for e in entries {
            let td = e.get("tracking_data").or_else(|| {
                e.as_object()
                    .and_then(|m| m.values().find_map(|x| x.get("tracking_data")))
            });
            let Some(td) = td else { continue };
            let Some(track) = td
                .get("shipment_track")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            else {
                continue;
            };
            let shipment = int(track, "/shipment_id").or_else(|| int(track, "/id"));
            let order = int(track, "/order_id");
            if let (Some(s), Some(o)) = (shipment, order) {
                return Ok(Some(Found {
                    remote_order_id: o,
                    remote_shipment_id: s,
                    awb: text(track, "/awb_code"),
                    courier: text(track, "/courier_name"),
                }));
            }
        }
        Ok(None)
    }

    fn create(&self, order: &Value) -> Res<Option<Found>> {
        let (status, v) = self.authed("POST", "/orders/create/adhoc", Some(order.clone()))?;
        if let Some(e) = classify(status, &v, "the new order") {
            let m = said(&v).to_lowercase();
            if m.contains("already exist") || m.contains("duplicate") {
                return Ok(None);
            }
            return Err(e);
        }
        match (int(&v, "/order_id"), int(&v, "/shipment_id")) {
            (Some(o), Some(s)) => Ok(Some(Found {
                remote_order_id: o,
                remote_shipment_id: s,
                awb: text(&v, "/awb_code"),
                courier: text(&v, "/courier_name"),
            })),
            _ => Err(SendError::Retry(format!(
                "Shiprocket's answer to the new order had no order_id/shipment_id ({})",
                said(&v)
            ))),
        }
    }

    fn assign_awb(&self, shipment_id: i64) -> Res<Awb> {
        let v = self.ok(
            "POST",
            "/courier/assign/awb",
            Some(json!({"shipment_id": shipment_id})),
            "the AWB",
        )?;
        let awb = text(&v, "/response/data/awb_code");
        if v.get("awb_assign_status").and_then(Value::as_i64) != Some(1) || awb.is_empty() {
            return Err(SendError::Permanent(format!(
                "Shiprocket assigned no AWB: {}",
                said(&v)
            )));
        }
        Ok(Awb {
            awb,
            courier: text(&v, "/response/data/courier_name"),
            pickup_date: text(&v, "/response/data/pickup_scheduled_date"),
        })
    }

    fn label(&self, shipment_id: i64) -> Res<String> {
        let v = self.ok(
            "POST",
            "/courier/generate/label",
            Some(ids(shipment_id)),
            "the label",
        )?;
        let url = text(&v, "/label_url");
        if v.get("label_created").and_then(Value::as_i64) != Some(1) || url.is_empty() {
            // "No valid shipment ids to print label": usually the AWB is not through yet.
            return Err(SendError::Retry(format!(
                "Shiprocket made no label yet: {}",
                v.get("response")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given")
            )));
        }
        Ok(url)
    }

    fn pickup(&self, shipment_id: i64) -> Res<String> {
        let (status, v) =
            self.authed("POST", "/courier/generate/pickup", Some(ids(shipment_id)))?;
        if let Some(e) = classify(status, &v, "the pickup") {
            if said(&v).to_lowercase().contains("already") {
                return Ok(String::new());
            }
            return Err(e);
        }
        Ok(text(&v, "/response/pickup_scheduled_date"))
    }

    fn manifest(&self, shipment_id: i64) -> Res<String> {
        let (status, v) = self.authed("POST", "/manifests/generate", Some(ids(shipment_id)))?;
        if let Some(e) = classify(status, &v, "the manifest") {
            if said(&v).to_lowercase().contains("already") {
                return Ok(String::new());
            }
            return Err(e);
        }
        Ok(text(&v, "/manifest_url"))
    }

    fn track(&self, awb: &str) -> Res<Option<Value>> {
        let awb: String = awb.chars().filter(char::is_ascii_alphanumeric).collect();
        let v = self.ok(
            "GET",
            &format!("/courier/track/awb/{awb}"),
            None,
            "the tracking",
        )?;
        Ok(Some(v))
    }

    fn cancel(&self, remote_order_id: i64) -> Res<()> {
        let (status, v) = self.authed(
            "POST",
            "/orders/cancel",
            Some(json!({"ids": [remote_order_id]})),
        )?;
        match classify(status, &v, "the cancellation") {
            Some(_) if said(&v).to_lowercase().contains("already cancel") => Ok(()),
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The courier simulator (mode = "sandbox"): answers at once, never fails, and derives
/// its ids from ours so a repeated step gives the same answer. Its label is drawn by the
/// store (the admin's label link); its tracking updates are sent by `service::shipping`
/// over time.
pub struct Sandbox {
    pub today: String,
}

pub const SANDBOX_COURIER: &str = "Sandbox Express";

/// The sandbox's AWB for a shipment id.
pub fn sandbox_awb(shipment_id: i64) -> String {
    format!("SBX{:010}", shipment_id % 10_000_000_000)
}

impl Courier for Sandbox {
    fn name(&self) -> &'static str {
        "the sandbox courier"
    }
    fn find(&self, _number: &str) -> Res<Option<Found>> {
        // Its answers are never lost, so there is never anything unrecorded to find.
        Ok(None)
    }
    fn create(&self, order: &Value) -> Res<Option<Found>> {
        let id = order.get("order_id").and_then(Value::as_str).unwrap_or("");
        let h = crate::crypto::sha256(id.as_bytes());
        let n = i64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x3fff_ffff);
        Ok(Some(Found {
            remote_order_id: 100_000_000 + n,
            remote_shipment_id: 200_000_000 + n,
            awb: String::new(),
            courier: String::new(),
        }))
    }
    fn assign_awb(&self, shipment_id: i64) -> Res<Awb> {
        Ok(Awb {
            awb: sandbox_awb(shipment_id),
            courier: SANDBOX_COURIER.into(),
            pickup_date: self.today.clone(),
        })
    }
    fn label(&self, shipment_id: i64) -> Res<String> {
        Ok(format!(
            "{}{}",
            crate::shop::shipping::SANDBOX_LABEL,
            sandbox_awb(shipment_id)
        ))
    }
    fn pickup(&self, _shipment_id: i64) -> Res<String> {
        Ok(self.today.clone())
    }
    fn manifest(&self, shipment_id: i64) -> Res<String> {
        self.label(shipment_id)
    }
    fn cancel(&self, _remote_order_id: i64) -> Res<()> {
        Ok(())
    }
    fn track(&self, _awb: &str) -> Res<Option<Value>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_the_owners_words_and_errors_inside_a_200_count() {
        let v = json!({"message": "Oops! Invalid Data.", "errors": {"billing_pincode": ["Invalid pincode"]}, "status_code": 422});
        match classify(422, &v, "the new order") {
            Some(SendError::Permanent(m)) => {
                assert!(m.contains("billing_pincode: Invalid pincode"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(200, &json!({"message": "Wrong", "status_code": 400}), "x"),
            Some(SendError::Permanent(_))
        ));
        assert!(matches!(
            classify(503, &json!({}), "x"),
            Some(SendError::Retry(_))
        ));
        assert!(matches!(
            classify(429, &json!({}), "x"),
            Some(SendError::Retry(_))
        ));
        assert_eq!(classify(200, &json!({"order_id": 1}), "x"), None);
    }

    #[test]
    fn empty_strings_and_nulls_read_alike() {
        let v = json!({"a": "", "b": null, "c": 12, "d": " x "});
        assert_eq!(text(&v, "/a"), "");
        assert_eq!(text(&v, "/b"), "");
        assert_eq!(text(&v, "/c"), "12");
        assert_eq!(text(&v, "/d"), "x");
        assert_eq!(int(&json!({"n": "42"}), "/n"), Some(42));
    }
}
