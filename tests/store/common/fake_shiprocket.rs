//! Local fake of the Shiprocket courier API, built from /work/shared/specs/shiprocket.md
//! (its §9 "What the local fake server must reproduce"). It owns a loopback listener (a
//! thread per connection, hand-parsed HTTP/1.1 with a Content-Length body, always
//! `Connection: close`), the courier-side state the store can only see through the API (API
//! tokens, courier orders with their shipment, AWB, label, pickup, manifest and scans), the
//! failure switches the adapter's tests need (outage, queued one-shot failures, lost
//! responses, stale tokens) and a sender of tracking webhooks (§7) built from that state.
//! Tests point the store's real shipping adapter at `base` and drive the courier from here.

use super::fake_http::{Req, Resp, json_resp, listen, serve};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// The common error body of spec §1.
fn err(status: u16, message: &str) -> Resp {
    json_resp(status, json!({"message": message, "status_code": status}))
}

/// The 422 validation body of spec §1/§3.
fn invalid(errors: Map<String, Value>) -> Resp {
    let msg = "Oops! Invalid Data.";
    json_resp(
        422,
        json!({"message": msg, "errors": errors, "status_code": 422}),
    )
}

fn required(field: &str) -> Resp {
    let mut errors = Map::new();
    let msg = format!("The {} field is required.", field.replace('_', " "));
    errors.insert(field.into(), json!([msg]));
    invalid(errors)
}

/// Absent, null and "" all count as missing.
fn missing(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null)) || v.and_then(Value::as_str) == Some("")
}

/// A string or a number as text ("" for anything else).
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    text(v).trim().parse().ok()
}

fn int(v: &Value) -> Option<i64> {
    text(Some(v)).trim().parse().ok()
}

/// `[1, "2"]` or a bare `3` as ids; anything unparsable becomes 0 (no such shipment).
fn ids(v: Option<&Value>) -> Vec<i64> {
    match v {
        Some(Value::Array(a)) => a.iter().map(|x| int(x).unwrap_or(0)).collect(),
        Some(x) if !missing(Some(x)) => vec![int(x).unwrap_or(0)],
        _ => vec![],
    }
}

/// Removes and returns the first queued switch whose route prefixes `route`.
fn take<T>(queue: &mut Vec<T>, route: &str, prefix: impl Fn(&T) -> &str) -> Option<T> {
    let i = queue.iter().position(|x| route.starts_with(prefix(x)))?;
    Some(queue.remove(i))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    let raw = query.split('&').find_map(|kv| match kv.split_once('=') {
        Some((k, v)) if k == name => Some(v),
        _ => None,
    })?;
    let (mut out, mut b) = (Vec::new(), raw.as_bytes());
    while let Some((&c, rest)) = b.split_first() {
        let hex = rest.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match (c, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(x)) => (out.push(x), b = &rest[2..]),
            (b'+', _) => (out.push(b' '), b = rest),
            _ => (out.push(c), b = rest),
        };
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A one-page PDF (a 4×6 in label) showing `line`, with a correct xref table.
fn pdf(line: &str) -> Vec<u8> {
    let stream = format!(
        "BT /F1 16 Tf 24 380 Td ({}) Tj ET",
        line.replace(['(', ')', '\\'], "")
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .into(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for (i, o) in objects.iter().enumerate() {
        xref.push_str(&format!("{:010} 00000 n \n", out.len()));
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let start = out.len();
    out.extend(xref.bytes());
    let size = objects.len() + 1;
    out.extend(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n").bytes(),
    );
    out
}

// ---------------------------------------------------------------------------------------
// The fake's clock: naive IST seconds, starting 2025-05-19 10:00:00 (day 20227 of 1970),
// moved one minute per reading so every timestamp is distinct and runs are deterministic.

const CLOCK_BASE: i64 = 20227 * 86400 + 10 * 3600;

/// (year, month, day, hour, minute, second) of naive seconds since 1970-01-01.
fn civil(secs: i64) -> [i64; 6] {
    let (days, t) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719468;
    let (era, doe) = (z.div_euclid(146097), z.rem_euclid(146097));
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    let day = doy - (153 * mp + 2) / 5 + 1;
    [year, month, day, t / 3600, t / 60 % 60, t % 60]
}

/// `YYYY-MM-DD HH:MM:SS`
fn ymd(secs: i64) -> String {
    let [y, mo, d, h, mi, s] = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `DD MM YYYY HH:MM:SS` (the webhook's `current_timestamp`, spec §7)
fn dmy(secs: i64) -> String {
    let [y, mo, d, h, mi, s] = civil(secs);
    format!("{d:02} {mo:02} {y:04} {h:02}:{mi:02}:{s:02}")
}

/// A shipment status (§8.1) as the order status (§8.2) where the two tables name the same
/// thing; Shiprocket's sample sends the latter as `current_status_id`.
fn order_status(shipment_status: i64) -> i64 {
    const SAME: [i64; 44] = [
        3, 4, 8, 5, 9, 15, 10, 16, 12, 33, 13, 14, 14, 17, 15, 13, 16, 18, 17, 19, 18, 20, 19, 34,
        20, 35, 21, 36, 22, 37, 23, 38, 38, 43, 39, 44, 40, 46, 41, 45, 42, 51, 46, 55,
    ];
    let pair = SAME.chunks(2).find(|p| p[0] == shipment_status);
    pair.map_or(shipment_status, |p| p[1])
}

// ---------------------------------------------------------------------------------------
// State.

#[derive(Default)]
struct Shipment {
    sr_order_id: i64,
    shipment_id: i64,
    channel_order_id: String,
    request: Value,
    awb: Option<String>,
    label: bool,
    pickup: bool,
    manifest: bool,
    /// Cancelled through `POST /orders/cancel`.
    cancelled: bool,
    /// Shipment status table §8.1; 0 before an AWB.
    status_id: i64,
    status: String,
    /// Oldest first (the webhook's order); tracking answers reverse them.
    scans: Vec<Value>,
    awb_date: String,
    pickup_date: String,
    etd: String,
}

const COURIER_ID: i64 = 43;
const COURIER: &str = "Delhivery Surface";

impl Shipment {
    fn courier(&self) -> Option<&'static str> {
        self.awb.as_ref().map(|_| COURIER)
    }

    fn has_awb(&self, awb: &str) -> bool {
        self.awb.as_deref() == Some(awb)
    }

    fn city(&self) -> &str {
        let city = self.request["shipping_city"].as_str();
        let city = city.filter(|c| !c.is_empty());
        city.or(self.request["billing_city"].as_str()).unwrap_or("")
    }

    /// Moves forward only: setup steps after a courier scan leave the scan's status.
    fn advance(&mut self, id: i64, text: &str) {
        if id > self.status_id {
            (self.status_id, self.status) = (id, text.into());
        }
    }

    /// `tracking_data` of spec §6.
    fn tracking(&self) -> Value {
        let awb = self.awb.clone().unwrap_or_default();
        let scan_date = |id: &str| {
            let s = self.scans.iter().rev().find(|s| s["sr-status"] == id);
            s.map_or(Value::Null, |s| s["date"].clone())
        };
        let city = self.city();
        let weight = num(self.request.get("weight")).unwrap_or(0.0);
        json!({"track_status": i64::from(!self.scans.is_empty()),
            "shipment_status": self.status_id,
            "shipment_track": [{"id": self.shipment_id, "awb_code": awb,
                "courier_company_id": if self.awb.is_some() { COURIER_ID } else { 0 },
                "shipment_id": self.shipment_id, "order_id": self.sr_order_id,
                "channel_order_id": self.channel_order_id, "pickup_date": scan_date("42"),
                "delivered_date": scan_date("7"), "weight": format!("{weight:.2}"),
                "packages": 1, "current_status": self.status, "delivered_to": city,
                "destination": city, "consignee_name": self.request["billing_customer_name"],
                "origin": "Bengaluru", "courier_agent_details": null,
                "courier_name": self.courier().unwrap_or(""), "edd": null,
                "pod": "Not Available", "pod_status": ""}],
            "shipment_track_activities": self.scans.iter().rev().collect::<Vec<_>>(),
            "track_url": if awb.is_empty() { String::new() } else {
                format!("https://shiprocket.co/tracking/{awb}") },
            "etd": self.etd,
            "qc_response": {"qc_image": "", "qc_failed_reason": ""}})
    }
}

#[derive(Default)]
struct SrState {
    down: Option<u16>,
    fail_next: Vec<(String, u16, Value)>,
    lose_next: Vec<String>,
    tokens: Vec<String>,
    logins: usize,
    requests: Vec<String>,
    empty_strings: bool,
    shipments: Vec<Shipment>,
    awbs: u64,
    clock: i64,
}

impl SrState {
    fn tick(&mut self) -> i64 {
        self.clock += 60;
        CLOCK_BASE + self.clock
    }

    fn by_id(&mut self, shipment_id: i64) -> Option<&mut Shipment> {
        self.shipments
            .iter_mut()
            .find(|s| s.shipment_id == shipment_id)
    }
}

#[derive(Clone)]
pub struct FakeShiprocket {
    /// `http://127.0.0.1:PORT/v1/external`
    pub base: String,
    email: String,
    password: String,
    port: u16,
    state: Arc<Mutex<SrState>>,
}

const NO_ACTIVITY: &str = "Aahh! There is no activities found in our DB. Please have some patience it will be updated soon.";

impl FakeShiprocket {
    pub fn start(email: &str, password: &str) -> FakeShiprocket {
        let (listener, port) = listen();
        let fake = FakeShiprocket {
            base: format!("http://127.0.0.1:{port}/v1/external"),
            email: email.into(),
            password: password.into(),
            port,
            state: Arc::default(),
        };
        let f = fake.clone();
        serve(listener, move |req| f.handle(req));
        fake
    }

    /// Every call except login (and the label/manifest files, which live on a CDN) answers
    /// this status with `{"message":"Service unavailable","status_code":N}` while Some.
    pub fn set_down(&self, status: Option<u16>) {
        self.state.lock().unwrap().down = status;
    }

    /// The next call whose `METHOD /path` (relative to `base`, no query) starts with
    /// `route` answers `status` with `body` instead of acting. One-shot, queued.
    pub fn fail_next(&self, route: &str, status: u16, body: Value) {
        let mut st = self.state.lock().unwrap();
        st.fail_next.push((route.into(), status, body));
    }

    /// The next authorised call to `route` acts but answers 502: the response is lost.
    pub fn lose_next_response(&self, route: &str) {
        self.state.lock().unwrap().lose_next.push(route.into());
    }

    /// Every token issued so far gets 401 "Token has expired" from now on.
    pub fn expire_tokens(&self) {
        self.state.lock().unwrap().tokens.clear();
    }

    /// `""` instead of null for the courier fields of the create response (spec §3).
    pub fn set_empty_strings(&self, on: bool) {
        self.state.lock().unwrap().empty_strings = on;
    }

    pub fn logins(&self) -> usize {
        self.state.lock().unwrap().logins
    }

    /// `METHOD /path?query` relative to `base`, in arrival order (files: their own path).
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn orders(&self) -> Vec<Value> {
        let st = self.state.lock().unwrap();
        let order = |s: &Shipment| {
            json!({"order_id": s.sr_order_id, "shipment_id": s.shipment_id,
                "channel_order_id": s.channel_order_id, "request": s.request, "awb": s.awb,
                "courier_name": s.courier(), "label": s.label, "pickup": s.pickup,
                "manifest": s.manifest, "cancelled": s.cancelled, "status_id": s.status_id,
                "scans": s.scans})
        };
        st.shipments.iter().map(order).collect()
    }

    /// A forward tracking webhook body (spec §7) for `awb`; moves the fake to that status.
    pub fn update(&self, awb: &str, shipment_status_id: i64, text: &str) -> Vec<u8> {
        self.tracking_event(awb, shipment_status_id, text, 0)
    }

    /// The same for a return / RTO shipment (`"is_return": 1`).
    pub fn return_update(&self, awb: &str, shipment_status_id: i64, text: &str) -> Vec<u8> {
        self.tracking_event(awb, shipment_status_id, text, 1)
    }

    fn tracking_event(&self, awb: &str, id: i64, text: &str, is_return: i64) -> Vec<u8> {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        let now = st.tick();
        let s = st.shipments.iter_mut().find(|s| s.has_awb(awb));
        let s = s.unwrap_or_else(|| panic!("fake Shiprocket has no AWB {awb}"));
        (s.status_id, s.status) = (id, text.into());
        let label = text.to_uppercase();
        let location = match id {
            7 | 17 | 21 | 23 => format!("{}_DC", s.city().to_uppercase()),
            _ => "Bengaluru_Hub (Karnataka)".into(),
        };
        let scan = json!({"date": ymd(now), "status": format!("FK-{id}"),
            "activity": format!("{text} - fake courier scan"), "location": location,
            "sr-status": id.to_string(), "sr-status-label": label});
        s.scans.push(scan);
        let channel_id = s.request.get("channel_id").filter(|v| !missing(Some(v)));
        let body = json!({"awb": awb, "courier_name": COURIER, "current_status": label,
            "current_status_id": order_status(id), "shipment_status": label,
            "shipment_status_id": id, "current_timestamp": dmy(now),
            "order_id": s.channel_order_id, "sr_order_id": s.sr_order_id,
            "awb_assigned_date": s.awb_date, "pickup_scheduled_date": s.pickup_date,
            "etd": s.etd, "scans": s.scans, "is_return": is_return,
            "channel_id": channel_id.cloned().unwrap_or(json!(3400001)),
            "pod_status": "", "pod": "Not Available", "qc_image": "", "qc_failure_reason": ""});
        serde_json::to_vec(&body).unwrap()
    }

    /// POSTs a webhook body to the store the way Shiprocket does (no signature; the
    /// optional security token verbatim in `x-api-key`). Returns the HTTP status.
    pub fn deliver(&self, store_url: &str, body: &[u8], token: Option<&str>) -> u16 {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(t) = token {
            headers.push(("x-api-key", t));
        }
        let url = format!("{store_url}/webhooks/shiprocket");
        super::send("POST", &url, &headers, Some(body.to_vec())).status
    }

    fn handle(&self, req: &Req) -> Resp {
        let mut guard = self.state.lock().unwrap();
        let st = &mut *guard;
        let file = req.path.strip_prefix("/files/");
        let rel = req.path.strip_prefix("/v1/external");
        let rel = rel.filter(|r| r.starts_with('/'));
        let route = format!("{} {}", req.method, rel.unwrap_or(&req.path));
        let query = req.query.as_ref().map(|q| format!("?{q}"));
        st.requests.push(route.clone() + &query.unwrap_or_default());
        let login = route == "POST /auth/login";
        if let (Some(status), false, None) = (st.down, login, file) {
            return err(status, "Service unavailable");
        }
        if let Some((_, status, body)) = take(&mut st.fail_next, &route, |f| &f.0) {
            return json_resp(status, body);
        }
        if let Some(name) = file {
            return self.file(st, name);
        }
        let token = req.headers.iter().find(|(k, _)| k == "authorization");
        let token = token.and_then(|(_, v)| v.strip_prefix("Bearer "));
        let token = token.map(str::trim);
        let Some(rel) = rel else {
            return self.lose(st, &route, err(404, "Not found"));
        };
        if !login && !token.is_some_and(|t| st.tokens.iter().any(|x| x == t)) {
            return err(401, "Token has expired");
        }
        let body = match serde_json::from_slice::<Value>(&req.body) {
            _ if req.body.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(Value::Object(m)) => m,
            _ => return err(400, "The request body is not a JSON object"),
        };
        let get = |prefix: &str| rel.strip_prefix(prefix).filter(|_| req.method == "GET");
        let resp = match rel {
            "/auth/login" if login => self.login(st, &body),
            "/orders/create/adhoc" if req.method == "POST" => self.create(st, body),
            "/courier/assign/awb" if req.method == "POST" => self.assign(st, &body),
            "/courier/generate/label" if req.method == "POST" => self.label(st, &body),
            "/courier/generate/pickup" if req.method == "POST" => pickup(st, &body),
            "/manifests/generate" if req.method == "POST" => self.manifest(st, &body),
            "/orders/cancel" if req.method == "POST" => cancel(st, &body),
            "/courier/track" if req.method == "GET" => {
                // The spec (§6) says only that this answers an array; the element shape is
                // not published. This is the fake's reading: one `{"tracking_data": …}` per
                // shipment of the order, as §6 — the adapter must read it tolerantly.
                let q = req.query.as_deref().unwrap_or("");
                match query_param(q, "order_id").filter(|o| !o.is_empty()) {
                    None => Err(required("order_id")),
                    Some(o) => {
                        let mine = st.shipments.iter().filter(|s| s.channel_order_id == o);
                        Ok(json!(
                            mine.map(|s| json!({"tracking_data": s.tracking()}))
                                .collect::<Vec<_>>()
                        ))
                    }
                }
            }
            _ => {
                let found = if let Some(awb) = get("/courier/track/awb/") {
                    st.shipments.iter().find(|s| s.has_awb(awb))
                } else if let Some(id) = get("/courier/track/shipment/") {
                    let id = id.parse().unwrap_or(0);
                    st.shipments.iter().find(|s| s.shipment_id == id)
                } else {
                    return self.lose(st, &route, err(404, "Not found"));
                };
                Ok(match found.filter(|s| !s.scans.is_empty()) {
                    Some(s) => json!({"tracking_data": s.tracking()}),
                    None => json!({"tracking_data": {"track_status": 0, "error": NO_ACTIVITY}}),
                })
            }
        };
        let resp = resp.map_or_else(|e| e, |v| json_resp(200, v));
        self.lose(st, &route, resp)
    }

    /// Swaps `resp` for a 502 when a `lose_next_response` matches this route.
    fn lose(&self, st: &mut SrState, route: &str, resp: Resp) -> Resp {
        match take(&mut st.lose_next, route, |r| r) {
            Some(_) => json_resp(502, json!({"message": "Bad gateway"})),
            None => resp,
        }
    }

    fn login(&self, st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
        let (email, password) = (text(body.get("email")), text(body.get("password")));
        if email != self.email || password != self.password {
            return Err(err(400, "Invalid email and password combination"));
        }
        let mut raw = [0u8; 24];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut raw).unwrap();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        st.tokens.push(token.clone());
        st.logins += 1;
        Ok(json!({"token": token, "id": 1, "email": email,
            "first_name": "API", "last_name": "User", "company_id": 1,
            "created_at": ymd(CLOCK_BASE)}))
    }

    fn create(&self, st: &mut SrState, body: Map<String, Value>) -> Result<Value, Resp> {
        const REQUIRED: &str = "order_id order_date pickup_location billing_customer_name \
            billing_address billing_city billing_pincode billing_state billing_country \
            billing_email billing_phone shipping_is_billing order_items payment_method \
            sub_total length breadth height weight";
        const SHIPPING: &str = "shipping_customer_name shipping_address shipping_city \
            shipping_pincode shipping_country shipping_state shipping_phone";
        let sib = body.get("shipping_is_billing");
        let separate = sib == Some(&json!(false)) || ["0", "false"].contains(&text(sib).as_str());
        let mut errors = Map::new();
        let mut bad = |key: &str, msg: &str| errors.insert(key.into(), json!([msg]));
        let shipping = if separate { SHIPPING } else { "" };
        let needed = REQUIRED
            .split_whitespace()
            .chain(shipping.split_whitespace());
        for f in needed.filter(|f| missing(body.get(*f))) {
            bad(
                f,
                &format!("The {} field is required.", f.replace('_', " ")),
            );
        }
        let items = body.get("order_items").and_then(Value::as_array);
        if !missing(body.get("order_items")) && items.is_none_or(|i| i.is_empty()) {
            bad("order_items", "The order items field is required.");
        }
        for (i, item) in items.into_iter().flatten().enumerate() {
            for f in ["name", "sku", "units", "selling_price"] {
                let key = format!("order_items.{i}.{f}");
                if missing(item.get(f)) {
                    bad(&key, &format!("The {key} field is required."));
                }
            }
        }
        for f in ["billing_pincode", "shipping_pincode"] {
            let pin = text(body.get(f));
            let six = pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit());
            if (f == "billing_pincode" || separate) && !missing(body.get(f)) && !six {
                bad(f, "Invalid pincode");
            }
        }
        let weight = num(body.get("weight"));
        if !missing(body.get("weight")) && !weight.is_some_and(|w| w > 0.0) {
            bad("weight", "The weight must be greater than 0.");
        }
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        let ours = text(body.get("order_id"));
        if st.shipments.iter().any(|s| s.channel_order_id == ours) {
            return Err(err(422, "Order Id already exists"));
        }
        let n = st.shipments.len() as i64;
        let (sr_order_id, shipment_id) = (5_000_001 + n, 7_000_001 + n);
        st.shipments.push(Shipment {
            sr_order_id,
            shipment_id,
            channel_order_id: ours,
            request: Value::Object(body),
            status: "NEW".into(),
            ..Shipment::default()
        });
        let none = json!(st.empty_strings.then_some(""));
        Ok(json!({"order_id": sr_order_id, "shipment_id": shipment_id,
            "status": "NEW", "status_code": 1, "onboarding_completed_now": 0,
            "awb_code": none, "courier_company_id": none, "courier_name": none}))
    }

    fn assign(&self, st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
        if missing(body.get("shipment_id")) {
            return Err(required("shipment_id"));
        }
        let id = ids(body.get("shipment_id")).first().copied().unwrap_or(0);
        match st.by_id(id) {
            None => return Err(err(400, "Invalid shipment id")),
            Some(s) if s.awb.is_some() => {
                return Err(err(400, "Oops! Cannot reassign courier for this shipment."));
            }
            Some(_) => {}
        }
        st.awbs += 1;
        let (awb, now) = (format!("FAKE{:05}{:05}", self.port, st.awbs), st.tick());
        let s = st.by_id(id).unwrap();
        s.awb = Some(awb.clone());
        (s.status_id, s.status) = (1, "AWB Assigned".into());
        s.awb_date = ymd(now);
        s.pickup_date = ymd(now + 4 * 3600);
        s.etd = ymd(now + 4 * 86400);
        let cod = i64::from(text(s.request.get("payment_method")).eq_ignore_ascii_case("cod"));
        Ok(json!({"awb_assign_status": 1, "response": {"data": {
            "courier_company_id": COURIER_ID, "awb_code": awb, "cod": cod,
            "order_id": s.sr_order_id, "shipment_id": id, "awb_code_status": 1,
            "assigned_date_time": {"date": format!("{}.000000", s.awb_date),
                "timezone_type": 3, "timezone": "Asia/Kolkata"},
            "applied_weight": num(s.request.get("weight")), "company_id": 1,
            "courier_name": COURIER, "child_courier_name": null,
            "pickup_scheduled_date": s.pickup_date, "routing_code": "", "invoice_no": "",
            "shipped_by": {"shipper_company_name": "Test Boutique", "rto_city": "Bengaluru"}}}}))
    }

    fn label(&self, st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
        if !matches!(body.get("shipment_id"), Some(Value::Array(_))) {
            return Err(err(422, "The shipment id must be an array."));
        }
        let (mut first, mut not_created) = (None, vec![]);
        for id in ids(body.get("shipment_id")) {
            match st.by_id(id).filter(|s| s.awb.is_some()) {
                Some(s) => {
                    s.label = true;
                    s.advance(2, "Label Generated");
                    first = first.or(s.awb.clone());
                }
                None => not_created.push(id),
            }
        }
        Ok(match first {
            None => json!({"label_created": 0, "response": "No valid shipment ids to print label",
                "not_created": not_created}),
            Some(awb) => json!({"label_created": 1,
                "label_url": format!("http://127.0.0.1:{}/files/label-{awb}.pdf", self.port),
                "response": "Label has been created and uploaded successfully!",
                "not_created": not_created}),
        })
    }

    fn manifest(&self, st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
        let ids = ids(body.get("shipment_id"));
        let Some(&first) = ids.first() else {
            return Ok(json!({"status": 1, "manifest_url": ""}));
        };
        let mut already = vec![];
        for &id in &ids {
            match st.by_id(id).filter(|s| s.awb.is_some()) {
                None => return Err(err(400, "Invalid shipment id")),
                Some(s) if s.manifest => already.push(id),
                Some(_) => {}
            }
        }
        if !already.is_empty() {
            let msg = "Manifest already generated for some shipment_ids";
            let e = json!({"message": msg, "already_manifested_shipment_ids": already,
                "status_code": 400});
            return Err(json_resp(400, e));
        }
        for &id in &ids {
            let s = st.by_id(id).unwrap();
            s.manifest = true;
            s.advance(5, "Manifest Generated");
        }
        let url = format!("http://127.0.0.1:{}/files/manifest-{first}.pdf", self.port);
        Ok(json!({"status": 1, "manifest_url": url}))
    }

    /// `GET /files/label-<awb>.pdf` and `/files/manifest-<shipment id>.pdf`, once made.
    fn file(&self, st: &mut SrState, name: &str) -> Resp {
        let name = name.strip_suffix(".pdf").unwrap_or("");
        let found = if let Some(awb) = name.strip_prefix("label-") {
            let s = st.shipments.iter().find(|s| s.label && s.has_awb(awb));
            s.map(|_| format!("Label {awb}"))
        } else if let Some(id) = name.strip_prefix("manifest-") {
            let id = id.parse().unwrap_or(0);
            let s = st
                .shipments
                .iter()
                .find(|s| s.manifest && s.shipment_id == id);
            s.map(|_| format!("Manifest {id}"))
        } else {
            None
        };
        match found {
            Some(line) => Resp::new(200, "application/pdf", pdf(&line)),
            None => err(404, "Not found"),
        }
    }
}

fn pickup(st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
    let id = ids(body.get("shipment_id")).first().copied().unwrap_or(0);
    let now = st.tick();
    let Some(s) = st.by_id(id).filter(|s| s.awb.is_some()) else {
        return Err(err(400, "Invalid shipment id"));
    };
    if s.pickup {
        return Err(err(400, "Already in Pickup Queue."));
    }
    s.pickup = true;
    s.advance(3, "Pickup Generated");
    let awb = s.awb.clone().unwrap_or_default();
    Ok(json!({"pickup_status": 1, "response": {
        "pickup_scheduled_date": s.pickup_date,
        "pickup_token_number": format!("Reference No: {}", 194_000_000 + id),
        "status": 3, "others": "",
        "pickup_generated_date": {"date": format!("{}.000000", ymd(now)),
            "timezone_type": 3, "timezone": "Asia/Kolkata"},
        "data": format!("Pickup is confirmed by {COURIER} For AWB :- {awb}")}}))
}

/// `POST /orders/cancel {"ids": [sr_order_id]}` (spec §5; the answer is not published:
/// this fake says so in a 200 with a message). Only before pickup.
fn cancel(st: &mut SrState, body: &Map<String, Value>) -> Result<Value, Resp> {
    let ids = ids(body.get("ids"));
    if ids.is_empty() {
        return Err(required("ids"));
    }
    for &id in &ids {
        let Some(s) = st.shipments.iter_mut().find(|s| s.sr_order_id == id) else {
            return Err(err(400, "Invalid order id"));
        };
        if s.status_id == 42 || s.status_id == 6 || s.status_id == 18 || s.status_id == 7 {
            return Err(err(400, "Order cannot be cancelled after pickup"));
        }
        s.cancelled = true;
        s.status_id = 8;
        s.status = "Canceled".into();
    }
    Ok(json!({"message": "Order cancelled successfully", "status_code": 200}))
}
