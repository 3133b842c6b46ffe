//! Local fakes of the Razorpay and Stripe APIs, built from /work/shared/specs/razorpay.md
//! and stripe.md (their "What the local fake server must reproduce" sections). Each fake
//! owns a loopback listener (a thread per connection, hand-parsed HTTP/1.1 with a
//! Content-Length body, always `Connection: close`), the gateway-side state the store can
//! only see through the API (orders, payments, sessions, charges, refunds, idempotency
//! keys), the shopper's side of checkout (`pay`/`fail`, `complete`/`expire`) and a webhook
//! sender that builds events from that state and signs them exactly as the specs say.
//! Tests point the store's real adapters at `base` and drive everything else from here.

use super::fake_http::{Req, Resp, json_resp, listen, serve};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// One webhook event: the id the store dedups on and the exact bytes that get signed.
/// Delivering the same `Event` twice is a redelivery (same id, same body).
#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub body: Vec<u8>,
}

/// Lowercase hex HMAC-SHA256: the one primitive both gateways sign with.
pub fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key), msg);
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `Stripe-Signature` for `body` at `t` under `secret` (stripe.md §3). Free-standing so a
/// test can append a second `v1=` from a rotated secret, or a decoy scheme.
pub fn stripe_signature(secret: &str, body: &[u8], t: i64) -> String {
    let payload = [format!("{t}.").as_bytes(), body].concat();
    format!("t={t},v1={}", hmac_hex(secret.as_bytes(), &payload))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `prefix` + port + a process-wide counter: 14 characters after the prefix like the real
/// ids, and unique across every fake in the test binary.
fn new_id(prefix: &str, port: u16) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{prefix}{port:05}{:09}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn by_id<'a>(list: &'a [Value], id: &str) -> Option<&'a Value> {
    list.iter().find(|v| v["id"] == id)
}

fn by_id_mut<'a>(list: &'a mut [Value], id: &str) -> Option<&'a mut Value> {
    list.iter_mut().find(|v| v["id"] == id)
}

// ---------------------------------------------------------------------------------------
// The HTTP plumbing (shared with the other fakes, in `fake_http`), and the one piece of
// routing both gateways use.

/// "/v1/a/b" → ["a", "b"]; anything outside /v1 matches no route.
fn segments(req: &Req) -> Vec<&str> {
    req.path
        .strip_prefix("/v1/")
        .unwrap_or("")
        .split('/')
        .collect()
}

// ---------------------------------------------------------------------------------------
// Razorpay (razorpay.md §7).

#[derive(Default)]
struct RzState {
    down: Option<u16>,
    /// 401 unless a test asks for 400: the spec could not confirm which one live sends.
    auth_status: u16,
    requests: Vec<String>,
    orders: Vec<Value>,
    payments: Vec<Value>,
    refunds: Vec<Value>,
    /// X-Refund-Idempotency → (payment id, request body, the refund it created).
    refund_keys: HashMap<String, (String, Value, Value)>,
}

#[derive(Clone)]
pub struct FakeRazorpay {
    /// `http://127.0.0.1:PORT/v1`
    pub base: String,
    pub key_id: String,
    pub key_secret: String,
    pub webhook_secret: String,
    port: u16,
    state: Arc<Mutex<RzState>>,
}

/// The error envelope of razorpay.md §1; `field` is left out when "".
fn rz_err(status: u16, code: &str, field: &str, description: &str) -> Resp {
    let mut e = json!({"code": code, "description": description, "source": "business",
        "step": "payment_initiation", "reason": "input_validation_failed", "metadata": {}});
    if !field.is_empty() {
        e["field"] = json!(field);
    }
    json_resp(status, json!({ "error": e }))
}

fn rz_bad<T>(field: &str, description: &str) -> Result<T, Resp> {
    Err(rz_err(400, "BAD_REQUEST_ERROR", field, description))
}

fn rz_found(v: Option<&Value>) -> Result<Value, Resp> {
    match v {
        Some(v) => Ok(v.clone()),
        None => rz_bad("", "The id provided does not exist"),
    }
}

/// Razorpay's quirk (spec §1): empty notes go out as `[]`, non-empty ones as an object.
fn rz_notes(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Object(m)) if !m.is_empty() => Value::Object(m.clone()),
        _ => json!([]),
    }
}

/// A JSON object body; an empty body counts as `{}`.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, Resp> {
    match serde_json::from_slice(body) {
        _ if body.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        Ok(Value::Object(m)) => Ok(m),
        _ => rz_bad("", "The request body is not a JSON object"),
    }
}

impl FakeRazorpay {
    pub fn start(key_id: &str, key_secret: &str, webhook_secret: &str) -> FakeRazorpay {
        let (listener, port) = listen();
        let fake = FakeRazorpay {
            base: format!("http://127.0.0.1:{port}/v1"),
            key_id: key_id.into(),
            key_secret: key_secret.into(),
            webhook_secret: webhook_secret.into(),
            port,
            state: Arc::new(Mutex::new(RzState {
                auth_status: 401,
                ..RzState::default()
            })),
        };
        let f = fake.clone();
        serve(listener, move |req| f.handle(req));
        fake
    }

    pub fn set_down(&self, status: Option<u16>) {
        self.state.lock().unwrap().down = status;
    }

    /// Which status a bad key answers: 401 (default) or 400 (spec §1 leaves it open).
    pub fn set_auth_failure_status(&self, status: u16) {
        self.state.lock().unwrap().auth_status = status;
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn orders(&self) -> Vec<Value> {
        self.state.lock().unwrap().orders.clone()
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.state.lock().unwrap().refunds.clone()
    }

    /// The shopper paid in Checkout: a captured payment on the order, and what Checkout
    /// hands back reduced to (payment id, signature per §3.1).
    pub fn pay(&self, order_id: &str, amount: Option<i64>) -> (String, String) {
        let id = self.attempt(order_id, amount, true);
        let signature = hmac_hex(
            self.key_secret.as_bytes(),
            format!("{order_id}|{id}").as_bytes(),
        );
        (id, signature)
    }

    /// A declined attempt: the order moves to `attempted` (a paid order stays paid).
    pub fn fail(&self, order_id: &str) -> String {
        self.attempt(order_id, None, false)
    }

    /// One payment attempt on the order: a UPI payment entity shaped like spec §4.3
    /// (captured) or §4.4 (failed), and the order's counters moved the way Razorpay does.
    fn attempt(&self, order_id: &str, amount: Option<i64>, captured: bool) -> String {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        let order = by_id_mut(&mut st.orders, order_id)
            .unwrap_or_else(|| panic!("fake Razorpay has no order {order_id}"));
        let [total, paid, attempts] =
            ["amount", "amount_paid", "attempts"].map(|k| order[k].as_i64().unwrap());
        let amount = amount.unwrap_or(total);
        order["attempts"] = json!(attempts + 1);
        if captured {
            order["amount_paid"] = json!(paid + amount);
            order["amount_due"] = json!((total - paid - amount).max(0));
            order["status"] = json!("paid");
        } else if order["status"] != "paid" {
            order["status"] = json!("attempted");
        }
        // The fee includes 18% GST, as in the spec's sample (2596 = 2200 + 396).
        let fee = amount * 2 / 100;
        let (status, fee, tax) = match captured {
            true => ("captured", json!(fee), json!(fee * 18 / 118)),
            false => ("failed", Value::Null, Value::Null),
        };
        let error = |v: &str| if captured { Value::Null } else { json!(v) };
        let id = new_id("pay_", self.port);
        let payment = json!({"id": id, "entity": "payment", "amount": amount,
            "currency": order["currency"], "base_amount": amount, "status": status,
            "order_id": order_id, "invoice_id": null, "international": false, "method": "upi",
            "amount_refunded": 0, "amount_transferred": 0, "refund_status": null,
            "captured": captured, "description": null, "card_id": null, "bank": null,
            "wallet": null, "vpa": "buyer@upi", "email": "buyer@example.com",
            "contact": "+919800000000", "notes": [], "fee": fee, "tax": tax,
            "error_code": error("BAD_REQUEST_ERROR"), "error_description": error("Payment failed"),
            "error_source": error("bank"), "error_step": error("payment_authorization"),
            "error_reason": error("payment_failed"), "acquirer_data": {"rrn": &id[4..]},
            "created_at": now(),
            "upi": {"payer_account_type": "bank_account", "vpa": "buyer@upi", "flow": "intent"}});
        st.payments.push(payment);
        id
    }

    /// An event built from the current state (spec §4.2–4.6), with a fresh id.
    pub fn event(&self, kind: &str, id: &str) -> Event {
        let st = self.state.lock().unwrap();
        let get = |list: &[Value], id: &str| {
            by_id(list, id)
                .cloned()
                .unwrap_or_else(|| panic!("fake Razorpay: no {id} for {kind}"))
        };
        let (contains, payload) = match kind {
            "payment.captured" | "payment.failed" => (
                json!(["payment"]),
                json!({"payment": {"entity": get(&st.payments, id)}}),
            ),
            "order.paid" => {
                let order = get(&st.orders, id);
                let payment = st
                    .payments
                    .iter()
                    .find(|p| p["order_id"] == id && p["captured"] == true);
                let payment =
                    payment.unwrap_or_else(|| panic!("order {id} has no captured payment"));
                (
                    json!(["payment", "order"]),
                    json!({"payment": {"entity": payment}, "order": {"entity": order}}),
                )
            }
            "refund.processed" => {
                let refund = get(&st.refunds, id);
                let payment = get(&st.payments, refund["payment_id"].as_str().unwrap());
                (
                    json!(["refund", "payment"]),
                    json!({"refund": {"entity": refund}, "payment": {"entity": payment}}),
                )
            }
            _ => panic!("fake Razorpay cannot build a {kind} event"),
        };
        let body = json!({"entity": "event", "account_id": "acc_FakeBoutique01", "event": kind,
            "contains": contains, "payload": payload, "created_at": now()});
        Event {
            id: new_id("evt_", self.port),
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    pub fn sign(&self, body: &[u8]) -> String {
        hmac_hex(self.webhook_secret.as_bytes(), body)
    }

    pub fn deliver(&self, store_url: &str, ev: &Event) -> u16 {
        self.deliver_with_signature(store_url, ev, &self.sign(&ev.body))
    }

    /// `deliver` with any `X-Razorpay-Signature` (for the refusal tests).
    pub fn deliver_with_signature(&self, store_url: &str, ev: &Event, signature: &str) -> u16 {
        let headers = [
            ("Content-Type", "application/json"),
            ("X-Razorpay-Signature", signature),
            ("x-razorpay-event-id", ev.id.as_str()),
        ];
        let url = format!("{store_url}/webhooks/razorpay");
        super::send("POST", &url, &headers, Some(ev.body.clone())).status
    }

    fn handle(&self, req: &Req) -> Resp {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        st.requests.push(format!("{} {}", req.method, req.path));
        if let Some(status) = st.down {
            let code = if status >= 500 {
                "SERVER_ERROR"
            } else {
                "BAD_REQUEST_ERROR"
            };
            return rz_err(status, code, "", "The fake Razorpay is down (set_down)");
        }
        if req.basic_auth() != Some((self.key_id.clone(), self.key_secret.clone())) {
            return rz_err(
                st.auth_status,
                "BAD_REQUEST_ERROR",
                "",
                "Authentication failed",
            );
        }
        let answer = match (req.method.as_str(), segments(req).as_slice()) {
            ("POST", ["orders"]) => self.create_order(st, req),
            ("GET", ["orders", id]) => rz_found(by_id(&st.orders, id)),
            ("GET", ["orders", id, "payments"]) => rz_found(by_id(&st.orders, id)).map(|_| {
                let items: Vec<_> = st
                    .payments
                    .iter()
                    .filter(|p| p["order_id"] == *id)
                    .collect();
                json!({"entity": "collection", "count": items.len(), "items": items})
            }),
            ("GET", ["payments", id]) => rz_found(by_id(&st.payments, id)),
            ("POST", ["payments", id, "refund"]) => self.refund(st, id, req),
            _ => Err(rz_err(
                404,
                "BAD_REQUEST_ERROR",
                "",
                "The requested URL was not found on the server.",
            )),
        };
        answer.map_or_else(|e| e, |v| json_resp(200, v))
    }

    fn create_order(&self, st: &mut RzState, req: &Req) -> Result<Value, Resp> {
        let body = json_object(&req.body)?;
        let Some(amount) = body.get("amount").and_then(Value::as_i64) else {
            return rz_bad("amount", "The amount field is required.");
        };
        if amount < 100 {
            return rz_bad("amount", "The amount must be at least INR 1.00");
        }
        let Some(currency) = body
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| c.len() == 3)
        else {
            return rz_bad("currency", "The currency field is required.");
        };
        let receipt = body.get("receipt").and_then(Value::as_str);
        if receipt.is_some_and(|r| r.len() > 40) {
            return rz_bad(
                "receipt",
                "The receipt may not be greater than 40 characters.",
            );
        }
        let order = json!({"id": new_id("order_", self.port), "entity": "order", "amount": amount,
            "amount_paid": 0, "amount_due": amount, "currency": currency, "receipt": receipt,
            "offer_id": null, "status": "created", "attempts": 0,
            "notes": rz_notes(body.get("notes")), "created_at": now()});
        st.orders.push(order.clone());
        Ok(order)
    }

    /// `POST /v1/payments/{id}/refund` with §6's idempotency. The key is looked at before
    /// anything else, so replaying the refund that emptied a payment still returns it.
    fn refund(&self, st: &mut RzState, pay_id: &str, req: &Req) -> Result<Value, Resp> {
        let body = Value::Object(json_object(&req.body)?);
        let key = req.header("x-refund-idempotency");
        if let Some(key) = key {
            let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
            if key.len() < 10 || !key.bytes().all(ok) {
                return rz_bad(
                    "",
                    "The idempotency key must be 10 or more of A-Z a-z 0-9 _ -",
                );
            }
            match st.refund_keys.get(key) {
                Some((p, b, refund)) if p == pay_id && *b == body => return Ok(refund.clone()),
                Some(_) => {
                    let msg = "Different request with the same idempotency key. Use a unique idempotency key for a new request.";
                    return Err(rz_err(409, "BAD_REQUEST_ERROR", "", msg));
                }
                None => {}
            }
        }
        let mut fields = body.as_object().unwrap().keys();
        if let Some(k) =
            fields.find(|k| !["amount", "speed", "notes", "receipt"].contains(&k.as_str()))
        {
            return rz_bad(
                k,
                &format!("{k} is/are not required and should not be sent"),
            );
        }
        let speed = body
            .get("speed")
            .and_then(Value::as_str)
            .unwrap_or("normal");
        if !["normal", "optimum"].contains(&speed) {
            return rz_bad("speed", "The selected speed is invalid.");
        }
        let Some(pay) = by_id_mut(&mut st.payments, pay_id) else {
            return rz_bad("", "The id provided does not exist");
        };
        if pay["captured"] != true {
            return rz_bad("", "Only captured payments can be refunded");
        }
        let left = pay["amount"].as_i64().unwrap() - pay["amount_refunded"].as_i64().unwrap();
        if left == 0 {
            return rz_bad("", "The payment has been fully refunded already");
        }
        let amount = match body.get("amount").map(Value::as_i64) {
            None => left,
            Some(Some(a)) => a,
            Some(None) => return rz_bad("amount", "The amount must be an integer."),
        };
        if amount < 100 {
            return rz_bad("amount", "The refund amount must be at least INR 1.00");
        }
        if amount > left {
            return rz_bad(
                "amount",
                "The refund amount provided is greater than amount captured",
            );
        }
        pay["amount_refunded"] = json!(pay["amount_refunded"].as_i64().unwrap() + amount);
        pay["refund_status"] = json!(if amount == left { "full" } else { "partial" });
        if amount == left {
            pay["status"] = json!("refunded");
        }
        let refund = json!({"id": new_id("rfnd_", self.port), "entity": "refund", "amount": amount,
            "currency": pay["currency"], "payment_id": pay_id, "notes": rz_notes(body.get("notes")),
            "receipt": body.get("receipt"), "acquirer_data": {"arn": null}, "created_at": now(),
            "batch_id": null, "status": "processed", "speed_processed": "normal",
            "speed_requested": speed});
        st.refunds.push(refund.clone());
        if let Some(key) = key {
            st.refund_keys
                .insert(key.into(), (pay_id.into(), body, refund.clone()));
        }
        Ok(refund)
    }
}

// ---------------------------------------------------------------------------------------
// Stripe (stripe.md §7).

/// Top-level params each endpoint knows. Stripe refuses unknown ones, and so does the fake,
/// so a misspelt param fails in a test rather than in production.
const SESSION_PARAMS: &str = "mode line_items success_url cancel_url client_reference_id \
    metadata payment_intent_data customer_email expires_at locale payment_method_types expand";
const REFUND_PARAMS: &str = "payment_intent amount reason metadata expand";

type Params = Vec<(String, String)>;

#[derive(Default)]
struct StState {
    down: Option<u16>,
    requests: Vec<String>,
    sessions: Vec<Value>,
    charges: Vec<Value>,
    refunds: Vec<Value>,
    /// Session id → (its PaymentIntent id, `payment_intent_data[metadata]`): the intent is
    /// made with the session but the session shows it only once complete.
    intents: HashMap<String, (String, Value)>,
    create_params: Vec<Params>,
    /// Idempotency-Key → ("METHOD /path", sorted params, body) of its first 200 answer.
    idem: HashMap<String, (String, Params, Vec<u8>)>,
}

#[derive(Clone)]
pub struct FakeStripe {
    /// `http://127.0.0.1:PORT/v1`
    pub base: String,
    pub secret_key: String,
    pub webhook_secret: String,
    port: u16,
    state: Arc<Mutex<StState>>,
}

/// The usual Stripe error body (stripe.md §1.2); `code` and `param` left out when "".
fn st_err(status: u16, kind: &str, code: &str, param: &str, message: &str) -> Resp {
    let mut e = json!({"type": kind, "message": message});
    for (k, v) in [("code", code), ("param", param)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
    {
        e[k] = json!(v);
    }
    json_resp(status, json!({ "error": e }))
}

fn st_bad<T>(param: &str, message: &str) -> Result<T, Resp> {
    Err(st_err(400, "invalid_request_error", "", param, message))
}

fn st_missing(object: &str, param: &str, id: &str, status: u16) -> Resp {
    let message = format!("No such {object}: '{id}'");
    st_err(
        status,
        "invalid_request_error",
        "resource_missing",
        param,
        &message,
    )
}

/// Percent-decoding with `+` as space, as form bodies have it.
fn pct(s: &str) -> String {
    let (b, mut out, mut i) = (s.as_bytes(), Vec::new(), 0);
    while i < b.len() {
        let hex = s
            .get(i + 1..i + 3)
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
        match (b[i], hex) {
            (b'%', Some(h)) => out.push(u8::from_str_radix(h, 16).unwrap()),
            (c, _) => out.push(if c == b'+' { b' ' } else { c }),
        }
        i += if b[i] == b'%' && hex.is_some() { 3 } else { 1 };
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_form(body: &[u8]) -> Params {
    let text = String::from_utf8_lossy(body);
    let pairs = text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")));
    pairs.map(|(k, v)| (pct(k), pct(v))).collect()
}

fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn need<'a>(p: &'a [(String, String)], key: &str) -> Result<&'a str, Resp> {
    match param(p, key) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => st_bad(key, &format!("Missing required param: {key}.")),
    }
}

/// An integer param of at least `min`; absent is Ok(None), anything else a 400.
fn int(p: &[(String, String)], key: &str, min: i64) -> Result<Option<i64>, Resp> {
    match param(p, key).map(|v| (v, v.parse::<i64>().ok().filter(|n| *n >= min))) {
        None => Ok(None),
        Some((_, Some(n))) => Ok(Some(n)),
        Some((v, None)) => st_bad(key, &format!("Invalid integer (at least {min}): {v}")),
    }
}

fn known_params(p: &[(String, String)], allowed: &str) -> Result<(), Resp> {
    let top = |k: &str| k.split('[').next().unwrap_or("").to_string();
    match p
        .iter()
        .find(|(k, _)| !allowed.split_whitespace().any(|a| a == top(k)))
    {
        Some((k, _)) => st_bad(k, &format!("Received unknown parameter: {k}")),
        None => Ok(()),
    }
}

/// `prefix[k]=v` pairs as a JSON object; an empty value unsets the key (spec §1.2).
fn bracket_map(p: &[(String, String)], prefix: &str) -> Value {
    let mut m = Map::new();
    for (k, v) in p {
        let inner = k
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('[')?.strip_suffix(']'));
        match inner.filter(|name| !name.contains(['[', ']'])) {
            Some(name) if v.is_empty() => m.remove(name),
            Some(name) => m.insert(name.into(), json!(v)),
            None => None,
        };
    }
    Value::Object(m)
}

impl FakeStripe {
    pub fn start(secret_key: &str, webhook_secret: &str) -> FakeStripe {
        let (listener, port) = listen();
        let fake = FakeStripe {
            base: format!("http://127.0.0.1:{port}/v1"),
            secret_key: secret_key.into(),
            webhook_secret: webhook_secret.into(),
            port,
            state: Arc::new(Mutex::new(StState::default())),
        };
        let f = fake.clone();
        serve(listener, move |req| f.handle(req));
        fake
    }

    pub fn set_down(&self, status: Option<u16>) {
        self.state.lock().unwrap().down = status;
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn sessions(&self) -> Vec<Value> {
        self.state.lock().unwrap().sessions.clone()
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.state.lock().unwrap().refunds.clone()
    }

    /// The decoded params of the latest `POST /v1/checkout/sessions` (replays included).
    pub fn last_create_params(&self) -> Vec<(String, String)> {
        let st = self.state.lock().unwrap();
        st.create_params.last().cloned().unwrap_or_default()
    }

    /// The shopper paid. Completing a session that is not open panics: Stripe cannot.
    pub fn complete(&self, session_id: &str, amount: Option<i64>) {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        let s = by_id_mut(&mut st.sessions, session_id).expect("known session");
        assert_eq!(
            s["status"], "open",
            "fake Stripe: completing a session that is not open"
        );
        let (pi, metadata) = st.intents[session_id].clone();
        if let Some(a) = amount {
            s["amount_total"] = json!(a);
        }
        s["status"] = json!("complete");
        s["payment_status"] = json!("paid");
        s["payment_intent"] = json!(pi);
        s["url"] = Value::Null; // only there while the session is open
        let email = s["customer_email"]
            .as_str()
            .unwrap_or("buyer@example.com")
            .to_string();
        s["customer_details"] = json!({ "email": email });
        let charge = json!({"id": new_id("ch_", self.port), "object": "charge",
            "amount": s["amount_total"], "amount_captured": s["amount_total"],
            "amount_refunded": 0, "refunded": false, "captured": true, "paid": true,
            "status": "succeeded", "currency": s["currency"], "payment_intent": pi,
            "metadata": metadata, "created": now()});
        st.charges.push(charge);
    }

    pub fn expire(&self, session_id: &str) {
        let mut st = self.state.lock().unwrap();
        let s = by_id_mut(&mut st.sessions, session_id).expect("known session");
        assert_eq!(
            s["status"], "open",
            "fake Stripe: expiring a session that is not open"
        );
        s["status"] = json!("expired");
        s["payment_status"] = json!("unpaid");
        s["url"] = Value::Null;
    }

    /// An event built from the current state (spec §4), with a fresh `evt_` id.
    pub fn event(&self, kind: &str, id: &str) -> Event {
        let st = self.state.lock().unwrap();
        let object = match kind {
            "checkout.session.completed"
            | "checkout.session.expired"
            | "checkout.session.async_payment_succeeded"
            | "checkout.session.async_payment_failed" => by_id(&st.sessions, id),
            "charge.refunded" => st.charges.iter().find(|c| c["payment_intent"] == id),
            _ => panic!("fake Stripe cannot build a {kind} event"),
        };
        let object = object.unwrap_or_else(|| panic!("fake Stripe: no {id} for {kind}"));
        let id = new_id("evt_", self.port);
        let body = json!({"id": id, "object": "event", "api_version": "2024-06-20",
            "created": now(), "data": {"object": object, "previous_attributes": null},
            "livemode": false, "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null}, "type": kind});
        Event {
            id,
            body: serde_json::to_vec(&body).unwrap(),
        }
    }

    pub fn sign(&self, body: &[u8], t: i64) -> String {
        stripe_signature(&self.webhook_secret, body, t)
    }

    pub fn deliver(&self, store_url: &str, ev: &Event, t: Option<i64>) -> u16 {
        let header = self.sign(&ev.body, t.unwrap_or_else(now));
        self.deliver_with_signature(store_url, ev, &header)
    }

    /// `deliver` with any `Stripe-Signature` value (rotation, decoys, refusals).
    pub fn deliver_with_signature(&self, store_url: &str, ev: &Event, header: &str) -> u16 {
        let headers = [
            ("Content-Type", "application/json"),
            ("Stripe-Signature", header),
        ];
        let url = format!("{store_url}/webhooks/stripe");
        super::send("POST", &url, &headers, Some(ev.body.clone())).status
    }

    fn handle(&self, req: &Req) -> Resp {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        // The hosted page is the shopper's browser, not the API: not recorded, never down.
        if let Some(id) = req.path.strip_prefix("/pay/") {
            let status = if by_id(&st.sessions, id).is_some() {
                200
            } else {
                404
            };
            let body = format!(
                "<!doctype html><title>Fake Stripe</title><p>Fake Stripe checkout for {id}</p>"
            );
            return Resp {
                status,
                content_type: "text/html",
                extra: vec![],
                body: body.into_bytes(),
            };
        }
        let endpoint = format!("{} {}", req.method, req.path);
        st.requests.push(endpoint.clone());
        if let Some(status) = st.down {
            let kind = if status >= 500 {
                "api_error"
            } else {
                "invalid_request_error"
            };
            return st_err(status, kind, "", "", "The fake Stripe is down (set_down)");
        }
        let bearer = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        let basic = req.basic_auth().map(|(user, _)| user);
        let key = Some(self.secret_key.as_str());
        if bearer != key && basic.as_deref() != key {
            return st_err(
                401,
                "invalid_request_error",
                "",
                "",
                "Invalid API Key provided",
            );
        }
        let params = parse_form(&req.body);
        let segs = segments(req);
        if req.method == "POST" && segs == ["checkout", "sessions"] {
            st.create_params.push(params.clone());
        }
        // Idempotency (§1.1): the first answer for a key is replayed byte for byte, and the
        // key with other params is refused. Only answers that ran are kept: a refused
        // request is safe to retry.
        let mut sorted = params.clone();
        sorted.sort();
        let key = req
            .header("idempotency-key")
            .filter(|_| req.method == "POST");
        if let Some((k, (e, p, body))) = key.and_then(|k| Some((k, st.idem.get(k)?))) {
            if *e == endpoint && *p == sorted {
                let extra = vec![("Idempotent-Replayed", "true")];
                return Resp {
                    status: 200,
                    content_type: "application/json",
                    extra,
                    body: body.clone(),
                };
            }
            let message = format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{k}' if you meant to execute a different request."
            );
            return st_err(400, "idempotency_error", "", "", &message);
        }
        let answer = match (req.method.as_str(), segs.as_slice()) {
            ("POST", ["checkout", "sessions"]) => self.create_session(st, &params),
            ("GET", ["checkout", "sessions", id]) => by_id(&st.sessions, id)
                .cloned()
                .ok_or_else(|| st_missing("checkout.session", "id", id, 404)),
            ("POST", ["refunds"]) => self.refund(st, &params),
            _ => Err(st_err(
                404,
                "invalid_request_error",
                "",
                "",
                &format!("Unrecognized request URL ({endpoint})."),
            )),
        };
        let resp = answer.map_or_else(|e| e, |v| json_resp(200, v));
        if let Some(k) = key.filter(|_| resp.status == 200) {
            st.idem
                .insert(k.into(), (endpoint, sorted, resp.body.clone()));
        }
        resp
    }

    fn create_session(&self, st: &mut StState, p: &[(String, String)]) -> Result<Value, Resp> {
        known_params(p, SESSION_PARAMS)?;
        if need(p, "mode")? != "payment" {
            return st_bad("mode", "The fake Stripe only knows mode=payment.");
        }
        let (success_url, cancel_url) = (need(p, "success_url")?, need(p, "cancel_url")?);
        let index = |k: &String| -> Option<usize> {
            k.strip_prefix("line_items[")?
                .split(']')
                .next()?
                .parse()
                .ok()
        };
        let mut items: Vec<usize> = p.iter().filter_map(|(k, _)| index(k)).collect();
        items.sort();
        items.dedup();
        if items.is_empty() {
            return st_bad("line_items", "Missing required param: line_items.");
        }
        let (mut total, mut currency) = (0i64, String::new());
        for i in items {
            let k = |f: &str| format!("line_items[{i}]{f}");
            let required = |f: &str, min| match int(p, &k(f), min)? {
                Some(n) => Ok(n),
                None => st_bad(&k(f), &format!("Missing required param: {}.", k(f))),
            };
            let amount = required("[price_data][unit_amount]", 0)? * required("[quantity]", 1)?;
            let cur = need(p, &k("[price_data][currency]"))?.to_ascii_lowercase();
            need(p, &k("[price_data][product_data][name]"))?;
            if !currency.is_empty() && cur != currency {
                return st_bad(
                    &k("[price_data][currency]"),
                    "All line items must share one currency.",
                );
            }
            (currency, total) = (cur, total + amount);
        }
        let created = now();
        let expires_at = int(p, "expires_at", 0)?.unwrap_or(created + 86400);
        // 30 min – 24 h after creation (§2), with a minute of slack for the two clocks.
        if !(created + 1740..=created + 86460).contains(&expires_at) {
            return st_bad(
                "expires_at",
                "expires_at must be 30 minutes to 24 hours from now.",
            );
        }
        let id = new_id("cs_test_", self.port);
        let email = param(p, "customer_email");
        let session = json!({"id": id, "object": "checkout.session", "mode": "payment",
            "url": format!("http://127.0.0.1:{}/pay/{id}", self.port), "status": "open",
            "payment_status": "unpaid", "amount_subtotal": total, "amount_total": total,
            "currency": currency, "client_reference_id": param(p, "client_reference_id"),
            "metadata": bracket_map(p, "metadata"), "payment_intent": null,
            "customer_email": email, "customer_details": email.map(|e| json!({"email": e})),
            "success_url": success_url, "cancel_url": cancel_url, "locale": param(p, "locale"),
            "expires_at": expires_at, "created": created, "livemode": false});
        let pi_metadata = bracket_map(p, "payment_intent_data[metadata]");
        st.intents
            .insert(id, (new_id("pi_", self.port), pi_metadata));
        st.sessions.push(session.clone());
        Ok(session)
    }

    fn refund(&self, st: &mut StState, p: &[(String, String)]) -> Result<Value, Resp> {
        known_params(p, REFUND_PARAMS)?;
        let pi = need(p, "payment_intent")?;
        let Some(charge) = st.charges.iter_mut().find(|c| c["payment_intent"] == pi) else {
            return Err(st_missing("payment_intent", "payment_intent", pi, 400));
        };
        let refunded = charge["amount_refunded"].as_i64().unwrap();
        let left = charge["amount"].as_i64().unwrap() - refunded;
        if left == 0 {
            let message = format!(
                "Charge {} has already been refunded.",
                charge["id"].as_str().unwrap()
            );
            return Err(st_err(
                400,
                "invalid_request_error",
                "charge_already_refunded",
                "",
                &message,
            ));
        }
        let amount = int(p, "amount", 1)?.unwrap_or(left);
        if amount > left {
            let message = format!(
                "Refund amount ({amount}) is greater than unrefunded amount on charge ({left})."
            );
            return st_bad("amount", &message);
        }
        let reason = param(p, "reason");
        if reason
            .is_some_and(|r| !["duplicate", "fraudulent", "requested_by_customer"].contains(&r))
        {
            return st_bad("reason", "Invalid reason.");
        }
        charge["amount_refunded"] = json!(refunded + amount);
        charge["refunded"] = json!(amount == left);
        let refund = json!({"id": new_id("re_", self.port), "object": "refund", "amount": amount,
            "charge": charge["id"], "payment_intent": pi, "currency": charge["currency"],
            "status": "succeeded", "reason": reason, "metadata": bracket_map(p, "metadata"),
            "created": now(), "failure_reason": null});
        st.refunds.push(refund.clone());
        Ok(refund)
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn fake_gateways_follow_the_specs() {
    use base64::engine::general_purpose::STANDARD as B64;
    /// (status, JSON body or Null) of one request.
    fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
        let p = super::send(
            method,
            url,
            headers,
            (!body.is_empty()).then(|| body.into()),
        );
        (
            p.status,
            serde_json::from_slice(&p.body).unwrap_or(Value::Null),
        )
    }
    // A store stand-in that records each webhook delivery as it arrives.
    let (hook_listener, hook_port) = listen();
    let (tx, hooks) = std::sync::mpsc::channel();
    serve(hook_listener, move |req| {
        tx.send((req.path.clone(), req.headers.clone(), req.body.clone()))
            .unwrap();
        json_resp(200, json!({}))
    });
    let store = format!("http://127.0.0.1:{hook_port}");
    let next_hook = || {
        hooks
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap()
    };
    let header =
        |h: &[(String, String)], n: &str| h.iter().find(|(k, _)| k == n).unwrap().1.clone();

    // The specs' test vectors.
    let rz = FakeRazorpay::start(
        "rzp_test_fake",
        "EnLs21M47BllR3X8PSFtjtbd",
        "boutique_webhook_secret",
    );
    let vector = br#"{"entity":"event","account_id":"acc_TestBoutique01","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_TestPay0000001","entity":"payment","amount":129900,"currency":"INR","status":"captured","order_id":"order_TestOrd000001","captured":true}}},"created_at":1700000000}"#;
    assert_eq!(vector.len(), 308);
    assert_eq!(
        rz.sign(vector),
        "e77278272773eb38e3d30c836e4ea4432127ba20b29af6f5ea72e6f29f9c5032"
    );
    let checkout = hmac_hex(
        rz.key_secret.as_bytes(),
        b"order_IEIaMR65cu6nz3|pay_IH4NVgf4Dreq1l",
    );
    assert_eq!(
        checkout,
        "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"
    );
    let vector = br#"{"id":"evt_test_0001","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_0001","object":"checkout.session","payment_status":"paid","client_reference_id":"ORD-1001"}}}"#;
    let header_1700 = FakeStripe::start("sk", "whsec_test_boutique").sign(vector, 1700000000);
    assert_eq!(
        header_1700,
        "t=1700000000,v1=c943315d561f4a283e7c66cc0b7a5b1715adb0be22f2339c08e827c3cabd1d10"
    );

    // Razorpay: orders, auth, checkout, reverify, refunds, webhooks, outage.
    let auth = format!(
        "Basic {}",
        B64.encode("rzp_test_fake:EnLs21M47BllR3X8PSFtjtbd")
    );
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let url = |path: &str| format!("{}{path}", rz.base);
    let get = |path: &str| call("GET", &url(path), &h, "").1;
    let order_body = r#"{"amount":129900,"currency":"INR","receipt":"ORD-1001"}"#;
    let (s, e) = call("POST", &url("/orders"), &h[1..], order_body);
    assert_eq!(
        (s, e["error"]["description"].as_str()),
        (401, Some("Authentication failed"))
    );
    let (s, e) = call(
        "POST",
        &url("/orders"),
        &h,
        r#"{"amount":50,"currency":"INR"}"#,
    );
    assert_eq!((s, e["error"]["field"].as_str()), (400, Some("amount")));
    assert_eq!(call("POST", &url("/orders"), &h, "amount=100").0, 400);
    let (s, order) = call("POST", &url("/orders"), &h, order_body);
    let oid = order["id"].as_str().unwrap();
    assert!(
        s == 200 && oid.starts_with("order_") && order["status"] == "created",
        "{order}"
    );
    assert_eq!(
        [&order["amount_due"], &order["attempts"], &order["notes"]],
        [&json!(129900), &json!(0), &json!([])]
    );
    assert_eq!(
        get("/orders/order_nope")["error"]["description"],
        "The id provided does not exist"
    );
    let failed = rz.fail(oid);
    assert_eq!(get(&format!("/orders/{oid}"))["status"], "attempted");
    let (pay, sig) = rz.pay(oid, None);
    assert_eq!(
        sig,
        hmac_hex(rz.key_secret.as_bytes(), format!("{oid}|{pay}").as_bytes())
    );
    let o = get(&format!("/orders/{oid}"));
    assert_eq!(
        [
            &o["status"],
            &o["amount_paid"],
            &o["amount_due"],
            &o["attempts"]
        ],
        [&json!("paid"), &json!(129900), &json!(0), &json!(2)]
    );
    let list = get(&format!("/orders/{oid}/payments"));
    assert_eq!(
        (&list["entity"], &list["count"]),
        (&json!("collection"), &json!(2))
    );
    assert_eq!(
        get(&format!("/payments/{failed}"))["error_reason"],
        "payment_failed"
    );
    let refund = |key: &str, body: &str| {
        let h = [h[0], h[1], ("X-Refund-Idempotency", key)];
        call("POST", &url(&format!("/payments/{pay}/refund")), &h, body)
    };
    let (s, r1) = refund("refund_key_0001", r#"{"amount":50000}"#);
    assert_eq!(
        (s, &r1["status"], &r1["amount"]),
        (200, &json!("processed"), &json!(50000)),
        "{r1}"
    );
    let (s, again) = refund("refund_key_0001", r#"{"amount": 50000}"#);
    assert_eq!((s, &again["id"], rz.refunds().len()), (200, &r1["id"], 1));
    assert_eq!(refund("refund_key_0001", r#"{"amount":40000}"#).0, 409);
    assert_eq!(
        refund("refund:0002", r#"{"amount":100}"#).0,
        400,
        "key characters"
    );
    assert_eq!(refund("refund_key_0002", r#"{"amount":200000}"#).0, 400);
    let (s, r2) = refund("refund_key_0003", "{}");
    assert_eq!((s, &r2["amount"]), (200, &json!(79900)));
    let (s, e) = refund("refund_key_0004", "{}");
    assert_eq!(
        (s, e["error"]["description"].as_str()),
        (400, Some("The payment has been fully refunded already"))
    );
    let p = get(&format!("/payments/{pay}"));
    assert_eq!(
        [&p["status"], &p["refund_status"], &p["amount_refunded"]],
        [&json!("refunded"), &json!("full"), &json!(129900)]
    );
    let ev = rz.event("order.paid", oid);
    let v: Value = serde_json::from_slice(&ev.body).unwrap();
    assert_eq!(
        (&v["contains"], &v["payload"]["payment"]["entity"]["id"]),
        (&json!(["payment", "order"]), &json!(pay))
    );
    assert_eq!(v["payload"]["order"]["entity"]["notes"], json!([]));
    let ev2 = rz.event("refund.processed", r2["id"].as_str().unwrap());
    assert!(ev2.id != ev.id && ev2.id.starts_with("evt_"));
    assert_eq!(rz.deliver(&store, &ev), 200);
    let (path, hs, body) = next_hook();
    assert_eq!(
        (path.as_str(), body),
        ("/webhooks/razorpay", ev.body.clone())
    );
    assert_eq!(
        [
            header(&hs, "x-razorpay-signature"),
            header(&hs, "x-razorpay-event-id")
        ],
        [rz.sign(&ev.body), ev.id]
    );
    rz.set_down(Some(503));
    let (s, e) = call("GET", &url(&format!("/orders/{oid}")), &h, "");
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (503, Some("SERVER_ERROR"))
    );
    rz.set_down(None);
    assert_eq!(get(&format!("/orders/{oid}"))["id"], oid);
    assert_eq!(rz.requests()[0], "POST /v1/orders");

    // Stripe: sessions, auth, idempotency, hosted page, completion, refunds, events.
    let st = FakeStripe::start("sk_test_fake", "whsec_test_boutique");
    let url = |path: &str| format!("{}{path}", st.base);
    let form_ct = ("Content-Type", "application/x-www-form-urlencoded");
    let keyed = |auth: &'static str, key: &'static str| {
        [("Authorization", auth), form_ct, ("Idempotency-Key", key)]
    };
    let bearer = keyed("Bearer sk_test_fake", "checkout:ORD-1001:1");
    let get = |path: &str| call("GET", &url(path), &bearer[..1], "");
    let form = "mode=payment&line_items[0][price_data][currency]=INR&line_items[0][price_data][unit_amount]=129900\
        &line_items[0][price_data][product_data][name]=Linen+Scarf&line_items[0][quantity]=2\
        &line_items[1][price_data][currency]=inr&line_items[1][price_data][unit_amount]=500\
        &line_items[1][price_data][product_data][name]=Gift%20wrap&line_items[1][quantity]=1\
        &success_url=https%3A%2F%2Fshop.example%2Fpay%2Fdone%3Fs%3D%7BCHECKOUT_SESSION_ID%7D\
        &cancel_url=https%3A%2F%2Fshop.example%2Fcart&client_reference_id=ORD-1001\
        &metadata[order_id]=ORD-1001&payment_intent_data[metadata][order_id]=ORD-1001&customer_email=a%40b.test";
    let create = |h: &[(&str, &str)], form: &str| call("POST", &url("/checkout/sessions"), h, form);
    let (s, e) = create(&[("Authorization", "Bearer sk_wrong"), form_ct], form);
    assert_eq!(
        (s, e),
        (
            401,
            json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
        )
    );
    let (s, e) = create(&bearer, &form.replace("&cancel_url", "&x_cancel_url"));
    assert_eq!(
        (s, e["error"]["param"].as_str()),
        (400, Some("x_cancel_url"))
    );
    let (s, e) = create(&bearer, "mode=payment&success_url=x&cancel_url=y");
    assert_eq!((s, e["error"]["param"].as_str()), (400, Some("line_items")));
    let (s, cs) = create(&bearer, form);
    let sid = cs["id"].as_str().unwrap();
    assert!(
        s == 200
            && sid.starts_with("cs_test_")
            && cs["url"] == format!("http://127.0.0.1:{}/pay/{sid}", st.port)
    );
    assert_eq!(
        [
            &cs["amount_total"],
            &cs["currency"],
            &cs["status"],
            &cs["payment_status"]
        ],
        [
            &json!(260300),
            &json!("inr"),
            &json!("open"),
            &json!("unpaid")
        ]
    );
    assert_eq!(
        [
            &cs["metadata"],
            &cs["payment_intent"],
            &cs["customer_details"]["email"]
        ],
        [
            &json!({"order_id": "ORD-1001"}),
            &Value::Null,
            &json!("a@b.test")
        ]
    );
    assert_eq!(
        cs["success_url"],
        "https://shop.example/pay/done?s={CHECKOUT_SESSION_ID}"
    );
    assert!(st.last_create_params().contains(&(
        "line_items[0][price_data][product_data][name]".into(),
        "Linen Scarf".into()
    )));
    let basic = format!("Basic {}", B64.encode("sk_test_fake:"));
    let replay = super::send(
        "POST",
        &url("/checkout/sessions"),
        &[("Authorization", basic.as_str()), form_ct, bearer[2]],
        Some(form.into()),
    );
    assert_eq!(
        (replay.status, replay.json(), st.sessions().len()),
        (200, cs.clone(), 1)
    );
    let (s, e) = create(&bearer, &form.replace("=2", "=3"));
    assert_eq!(
        (s, e["error"]["type"].as_str()),
        (400, Some("idempotency_error"))
    );
    let page = super::send("GET", cs["url"].as_str().unwrap(), &[], None);
    assert!(
        page.status == 200
            && page
                .text()
                .contains(&format!("Fake Stripe checkout for {sid}"))
    );
    let (s, e) = get("/checkout/sessions/cs_test_nope");
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("resource_missing"))
    );
    st.complete(sid, None);
    let got = get(&format!("/checkout/sessions/{sid}")).1;
    let pi = got["payment_intent"].as_str().unwrap().to_string();
    assert!(
        pi.starts_with("pi_") && got["status"] == "complete" && got["payment_status"] == "paid"
    );
    let ev = st.event("checkout.session.completed", sid);
    let v: Value = serde_json::from_slice(&ev.body).unwrap();
    assert_eq!(
        [&v["type"], &v["data"]["object"]["payment_intent"], &v["id"]],
        [
            &json!("checkout.session.completed"),
            &json!(pi),
            &json!(ev.id)
        ]
    );
    let refund = |key: &'static str, form: &str| {
        call(
            "POST",
            &url("/refunds"),
            &keyed("Bearer sk_test_fake", key),
            form,
        )
    };
    let first = format!("payment_intent={pi}&amount=100000&metadata[refund_id]=R1");
    let (s, re) = refund("refund:R1", &first);
    assert_eq!(
        (s, &re["status"], &re["metadata"]["refund_id"]),
        (200, &json!("succeeded"), &json!("R1")),
        "{re}"
    );
    let (_, again) = refund("refund:R1", &first);
    assert_eq!((&again["id"], st.refunds().len()), (&re["id"], 1));
    assert_eq!(
        refund("refund:R2", &format!("payment_intent={pi}&amount=999999")).0,
        400
    );
    let (s, rest) = refund("refund:R3", &format!("payment_intent={pi}"));
    assert_eq!((s, &rest["amount"]), (200, &json!(160300)));
    let charge: Value = serde_json::from_slice(&st.event("charge.refunded", &pi).body).unwrap();
    let charge = &charge["data"]["object"];
    assert_eq!(
        [
            &charge["amount_refunded"],
            &charge["refunded"],
            &charge["object"]
        ],
        [&json!(260300), &json!(true), &json!("charge")]
    );
    let other = create(&bearer[..2], form).1["id"]
        .as_str()
        .unwrap()
        .to_string();
    st.expire(&other);
    assert_eq!(
        get(&format!("/checkout/sessions/{other}")).1["status"],
        "expired"
    );
    st.set_down(Some(503));
    assert_eq!(get(&format!("/checkout/sessions/{sid}")).0, 503);
    st.set_down(None);
    assert_eq!(st.deliver(&store, &ev, Some(1700000000)), 200);
    let (path, hs, body) = next_hook();
    assert_eq!((path.as_str(), body), ("/webhooks/stripe", ev.body.clone()));
    assert_eq!(
        header(&hs, "stripe-signature"),
        st.sign(&ev.body, 1700000000)
    );
    assert_eq!(
        st.requests()
            .iter()
            .filter(|r| *r == "POST /v1/checkout/sessions")
            .count(),
        7
    );
}
