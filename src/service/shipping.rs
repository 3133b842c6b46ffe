//! Shipping use cases: a courier shipment queued when an order is confirmed (or by the
//! owner, one or many), the outbox job that books it with Shiprocket step by step, the
//! owner's retry, the tracking webhook, manual shipping with a carrier's pattern and
//! link, and the built-in sandbox courier (mode = "sandbox") whose tracking updates
//! arrive over time through the same webhook code, token and all.
//!
//! Resumable and never twice: each step's result is written before the next call, and a
//! job that starts with no courier order recorded first asks Shiprocket what exists for
//! our order number, so a lost answer (the courier made it, we never heard) is adopted,
//! not repeated. A courier failure writes only the shipment's `attention` note and the
//! job's retry schedule: the order itself is never changed by it.
//!
//! This is one of the places that call `remote`: from the outbox worker's thread, with
//! no transaction open.

use crate::app::App;
use crate::config::Config;
use crate::db::Tx;
use crate::error::{Error, Kind, Result};
use crate::jobs::outbox::{self, Failure, NewJob, OutboxRow};
use crate::remote::SendError;
use crate::remote::shiprocket::{self, Courier};
use crate::shop::audit::Actor;
use crate::shop::orders::lifecycle::{Method, Status};
use crate::shop::orders::{self, Op, Order};
use crate::shop::shipping::{self, Progress, Shipment, State, Step};
use crate::zone::Zone;
use serde_json::{Value, json};

/// The job that books a shipment (`{"shipment": id}`).
pub const SHIP: &str = "shiprocket.ship";
/// A tracking pull for a shipment whose updates stopped (`{"shipment": id}`).
pub const TRACK: &str = "shiprocket.track";
/// One update of the sandbox courier's journey (`{"shipment": id, "step": n}`).
pub const SANDBOX_SCAN: &str = "shiprocket.sandbox";
/// The kinds `run_job` handles.
pub const KINDS: [&str; 3] = [SHIP, SANDBOX_SCAN, TRACK];

/// Shiprocket's times are India's (IST, no offset on the wire).
fn ist() -> Zone {
    Zone::fixed_minutes(330)
}

fn ist_text(t: i64) -> String {
    let z = ist();
    let (y, m, d) = z.date(t);
    let (hh, mm) = z.time(t);
    format!(
        "{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{:02}",
        t.rem_euclid(60)
    )
}

fn sandboxed(cfg: &Config) -> bool {
    cfg.shipping.shiprocket.mode == "sandbox"
}

/// The token tracking webhooks must carry: store.toml's (or the environment's), or in
/// sandbox mode one made from this store's own key.
pub fn webhook_token(app: &App) -> String {
    let cfg = app.cfg();
    if sandboxed(&cfg) {
        return crate::crypto::hex(&app.hmac.sign(b"sandbox/shiprocket/webhook"))[..32].to_string();
    }
    cfg.shipping.shiprocket.webhook_token.expose().to_string()
}

fn job_key(order_id: i64) -> String {
    format!("ship/{order_id}")
}

/// Starts the courier shipment of `order` in `tx` (its row and its job), if the courier
/// is set up and the order has none. True when one was started.
fn queue(tx: &Tx, cfg: &Config, order: &Order, by: &str, now: i64) -> Result<bool> {
    if let Some(why) = shipping::courier_problem(cfg) {
        return Err(Error::conflict(why));
    }
    let Some(id) = shipping::start_courier(tx, order, by, now)? else {
        return Ok(false);
    };
    let key = job_key(order.id);
    let subject = format!("Book the shipment of order {}", order.number);
    outbox::enqueue(
        tx,
        &NewJob {
            kind: SHIP,
            idempotency_key: Some(&key),
            recipient: "Shiprocket",
            subject: &subject,
            template: "ship",
            payload: json!({"shipment": id}),
        },
        now,
    )?;
    Ok(true)
}

/// The reaction to an order becoming confirmed (paid, or COD accepted): its courier
/// shipment, when the courier is set up and creates shipments on its own. Runs inside
/// the write that confirmed the order (`notices::react`).
pub fn on_confirmed(tx: &Tx, cfg: &Config, order: &Order, now: i64) -> Result<()> {
    if order.status != Status::Confirmed
        || !cfg.shipping.shiprocket.auto_create
        || shipping::courier_problem(cfg).is_some()
    {
        return Ok(());
    }
    queue(tx, cfg, order, "system", now).map(|_| ())
}

/// The reaction to an order being cancelled: a courier shipment not yet picked up is
/// cancelled with the courier too — by its booking job, due again now, which finds the
/// order cancelled (one place decides, whatever step it was at).
pub fn on_cancelled(tx: &Tx, order: &Order, now: i64) -> Result<()> {
    if let Some(sh) = shipping::by_order(tx, order.id)?
        && sh.by_courier()
        && matches!(sh.state, State::Creating | State::AwaitingPickup)
    {
        outbox::requeue_key(tx, &job_key(order.id), now)?;
    }
    Ok(())
}

/// A shipment on its way with no word from the courier for this long gets a tracking
/// pull (a webhook can be lost, or never set up).
pub const PULL_AFTER_SECS: i64 = 6 * 3600;

/// The sweeper's round: a tracking pull queued for each courier shipment gone quiet,
/// at most one per shipment per `PULL_AFTER_SECS` window. Returns how many.
pub fn sweep(app: &App, now: i64) -> Result<usize> {
    let cfg = app.cfg();
    if shipping::courier_problem(&cfg).is_some() || sandboxed(&cfg) {
        return Ok(0);
    }
    let quiet = shipping::stale(&*app.db.read()?, now - PULL_AFTER_SECS, 100)?;
    if quiet.is_empty() {
        return Ok(0);
    }
    let n = super::write(app, now, |tx| {
        for sh in &quiet {
            let key = format!("ship-track/{}/{}", sh.id, now / PULL_AFTER_SECS);
            outbox::enqueue(
                tx,
                &NewJob {
                    kind: TRACK,
                    idempotency_key: Some(&key),
                    recipient: "Shiprocket",
                    subject: &format!("Pull the tracking of {}", sh.awb),
                    template: "track",
                    payload: json!({"shipment": sh.id}),
                },
                now,
            )?;
        }
        Ok(quiet.len())
    })?;
    app.mail_wake().notify();
    Ok(n)
}

/// Asks the courier where the parcel is and applies what it says like a webhook update
/// (forward only, scans kept once). Returns what it did, in the owner's words. The
/// owner's "Re-check with Shiprocket" and the sweeper's pulls both land here.
pub fn pull(app: &App, shipment_id: i64) -> Result<String> {
    let cfg = app.cfg();
    let sh = shipping::get(&*app.db.read()?, shipment_id)?
        .ok_or_else(|| Error::not_found("There is no such shipment."))?;
    if !sh.by_courier() || sh.awb.is_empty() {
        return Err(Error::conflict("This shipment has no AWB to track yet."));
    }
    if let Some(why) = shipping::courier_problem(&cfg) {
        return Err(Error::conflict(why));
    }
    let c = courier(&cfg);
    let v = match c.track(&sh.awb) {
        Ok(Some(v)) => v,
        Ok(None) => return Ok(format!("{} reports every update as it happens.", c.name())),
        Err(SendError::Permanent(m)) => return Err(Error::conflict(m)),
        Err(e) => {
            return Err(Error::new(
                Kind::Unavailable,
                format!("{} could not be asked: {e}", c.name()),
            ));
        }
    };
    let Some(u) = shipping::wire::read_tracking(&sh.awb, &v) else {
        return Ok(format!("{} has no scans for {} yet.", c.name(), sh.awb));
    };
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let sh = shipping::get(tx, shipment_id)?
            .ok_or_else(|| Error::not_found("There is no such shipment."))?;
        let applied = shipping::apply_update(tx, &sh, &u, now)?;
        Ok(if applied.duplicate {
            format!("{} says nothing new: {}.", c.name(), u.status)
        } else {
            format!("{} says {}: {}.", c.name(), u.status, applied.outcome)
        })
    })
}

/// The owner's "create shipments" for one or many orders. Returns how many were
/// started and, per order that could not be, why.
pub fn create(app: &App, order_ids: &[i64], actor: &Actor) -> Result<(usize, Vec<String>)> {
    if order_ids.is_empty() {
        return Err(Error::bad_request("Choose at least one order to ship."));
    }
    if order_ids.len() > 200 {
        return Err(Error::bad_request(
            "Create at most 200 shipments at a time.",
        ));
    }
    let cfg = app.cfg();
    if let Some(why) = shipping::courier_problem(&cfg) {
        return Err(Error::conflict(why));
    }
    let now = crate::db::now();
    let out = super::write(app, now, |tx| {
        let mut made = 0;
        let mut refused = Vec::new();
        for id in order_ids {
            let Some(o) = orders::get(tx, *id)? else {
                refused.push(format!("order #{id} does not exist"));
                continue;
            };
            match queue(tx, &cfg, &o, &actor.name, now) {
                Ok(true) => made += 1,
                Ok(false) => refused.push(format!("{} already has a shipment", o.number)),
                Err(e) if e.kind == Kind::Conflict => refused.push(e.public),
                Err(e) => return Err(e),
            }
        }
        if made > 0 {
            crate::shop::audit::record(
                tx,
                actor,
                "shipments_created",
                "shipment",
                &made.to_string(),
                &format!(
                    "{} requested",
                    crate::shop::text::count_of(
                        made as i64,
                        "courier shipment",
                        "courier shipments"
                    )
                ),
                now,
            )?;
        }
        Ok((made, refused))
    })?;
    app.mail_wake().notify();
    Ok(out)
}

/// The owner's "retry" of a shipment needing attention: the note is cleared and the
/// booking job is due again now (it resumes at the first step not done).
pub fn retry(app: &App, shipment_id: i64, actor: &Actor) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let sh = shipping::get(tx, shipment_id)?
            .ok_or_else(|| Error::not_found("There is no such shipment."))?;
        if !sh.by_courier() || sh.step == Step::Done {
            return Err(Error::conflict(
                "This shipment has nothing left to book with the courier.",
            ));
        }
        shipping::clear_attention(tx, sh.id, now)?;
        if !outbox::requeue_key(tx, &job_key(sh.order_id), now)? {
            return Err(Error::conflict(
                "This shipment's booking is running right now; look again in a moment.",
            ));
        }
        crate::shop::audit::record(
            tx,
            actor,
            "shipment_retried",
            "shipment",
            &sh.id.to_string(),
            &format!("retry from the step: {}", sh.step.doing()),
            now,
        )?;
        Ok(())
    })?;
    app.mail_wake().notify();
    Ok(())
}

fn courier(cfg: &Config) -> Box<dyn Courier> {
    let c = &cfg.shipping.shiprocket;
    if sandboxed(cfg) {
        let (y, m, d) = ist().date(crate::db::now());
        return Box::new(shiprocket::Sandbox {
            today: format!("{y:04}-{m:02}-{d:02}"),
        });
    }
    Box::new(shiprocket::Client::new(
        &c.base_url,
        &c.email,
        c.password.expose(),
    ))
}

/// Rupees (or the store's major unit) for the courier: whole amounts as integers, others
/// with two decimals as text (Shiprocket's own templates send strings; decimals are not
/// confirmed to work — see specs/shiprocket.md §3).
fn major(minor: i64) -> Value {
    if minor % 100 == 0 {
        json!(minor / 100)
    } else {
        json!(format!("{}.{:02}", minor / 100, minor % 100))
    }
}

fn country_name(code: &str) -> String {
    match code {
        "IN" => "India".into(),
        other => other.to_string(),
    }
}

/// The adhoc-order body (spec §3) for `o`.
fn order_body(cfg: &Config, o: &Order, weights: &[i64]) -> Value {
    let sr = &cfg.shipping.shiprocket;
    let items: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let name = if l.options.is_empty() {
                l.title.clone()
            } else {
                format!("{} ({})", l.title, l.options)
            };
            json!({"name": name, "sku": l.sku, "units": l.quantity, "selling_price": major(l.unit_price), "discount": 0})
        })
        .collect();
    let grams: i64 = o
        .lines
        .iter()
        .zip(weights.iter().chain(std::iter::repeat(&0)))
        .map(|(l, w)| l.quantity * if *w > 0 { *w } else { sr.default_weight_grams })
        .sum();
    let kg = (grams.max(1) as f64) / 1000.0;
    let (first, last) = match o.name.trim().rsplit_once(' ') {
        Some((f, l)) => (f.to_string(), l.to_string()),
        None => (o.name.trim().to_string(), String::new()),
    };
    let phone: String = o.phone.chars().filter(char::is_ascii_digit).collect();
    let phone = if phone.len() > 10 {
        phone[phone.len() - 10..].to_string()
    } else {
        phone
    };
    let city: String = o.city.chars().take(30).collect();
    json!({
        "order_id": o.number,
        "order_date": &ist_text(o.created_at)[..16],
        "pickup_location": sr.pickup_location,
        "billing_customer_name": first,
        "billing_last_name": last,
        "billing_address": o.line1,
        "billing_address_2": o.line2,
        "billing_city": city,
        "billing_pincode": o.postal_code,
        "billing_state": o.region,
        "billing_country": country_name(&o.country),
        "billing_email": o.email,
        "billing_phone": phone,
        "shipping_is_billing": true,
        "order_items": items,
        "payment_method": if o.method == Method::Cod { "COD" } else { "Prepaid" },
        "shipping_charges": major(o.shipping_fee),
        "transaction_charges": major(o.cod_fee),
        "total_discount": major(o.discount),
        // What the order costs the shopper: for COD, what the courier collects.
        "sub_total": major(o.total),
        "length": sr.length_cm,
        "breadth": sr.breadth_cm,
        "height": sr.height_cm,
        "weight": kg,
    })
}

/// Runs a courier job (the outbox worker calls this with no transaction open).
pub fn run_job(app: &App, row: &OutboxRow) -> std::result::Result<(), Failure> {
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let id = payload
        .get("shipment")
        .and_then(Value::as_i64)
        .ok_or_else(|| Failure::Permanent("the job names no shipment".into()))?;
    match row.kind.as_str() {
        SANDBOX_SCAN => sandbox_scan(
            app,
            id,
            payload.get("step").and_then(Value::as_i64).unwrap_or(0),
        ),
        TRACK => pull(app, id).map(|_| ()).map_err(|e| match e.kind {
            Kind::Unavailable => Failure::Retry(e.public),
            _ => Failure::Permanent(e.public),
        }),
        _ => book(app, id),
    }
}

fn internal(e: Error) -> Failure {
    Failure::Retry(e.to_string())
}

/// The booking job: every step not yet done, in order, each recorded as it succeeds.
fn book(app: &App, id: i64) -> std::result::Result<(), Failure> {
    let cfg = app.cfg();
    if let Some(why) = shipping::courier_problem(&cfg) {
        // Turned off or misconfigured since: wait (a retry after the fix books it).
        return Err(Failure::Permanent(why));
    }
    let read = || -> Result<(Shipment, Order, Vec<i64>)> {
        let c = app.db.read()?;
        let sh = shipping::get(&c, id)?.ok_or_else(|| Error::not_found("no such shipment"))?;
        let o = orders::get(&c, sh.order_id)?.ok_or_else(|| Error::not_found("no such order"))?;
        let w = shipping::line_weights(&c, &o)?;
        Ok((sh, o, w))
    };
    let (mut sh, o, weights) = read().map_err(|e| match e.kind {
        Kind::NotFound => Failure::Permanent(e.public),
        _ => internal(e),
    })?;
    if !sh.by_courier() {
        return Ok(());
    }
    let c = courier(&cfg);
    let now = crate::db::now();
    if o.status == Status::Cancelled {
        if !matches!(sh.state, State::Creating | State::AwaitingPickup) {
            return Ok(());
        }
        // Cancelled before pickup: the courier order goes too (if one was made).
        if let Some(remote) = sh.remote_order_id
            && let Err(e) = c.cancel(remote)
        {
            let why = format!(
                "Order {} was cancelled, but {} did not cancel its courier order: {e}. Cancel it in the Shiprocket panel so no courier comes for it.",
                o.number,
                c.name()
            );
            let _ = super::write(app, now, |tx| shipping::set_attention(tx, sh.id, &why, now));
            return Err(e.into());
        }
        let note = match sh.remote_order_id {
            Some(_) => format!(
                "Cancelled with {} (order {} was cancelled)",
                c.name(),
                o.number
            ),
            None => format!(
                "Order {} was cancelled before the courier booked it",
                o.number
            ),
        };
        return super::write(app, now, |tx| {
            shipping::cancel_unbooked(tx, sh.id, &note, now)
        })
        .map_err(internal);
    }
    if sh.step == Step::Done {
        return Ok(());
    }
    let record = |sh_id: i64, p: Progress| -> std::result::Result<Shipment, Failure> {
        let now = crate::db::now();
        super::write(app, now, |tx| shipping::record(tx, sh_id, &p, now)).map_err(|e| {
            match e.kind {
                Kind::Conflict => Failure::Permanent(e.public),
                _ => internal(e),
            }
        })
    };
    let result = (|| -> std::result::Result<(), Failure> {
        loop {
            match sh.step {
                Step::Create => {
                    // What exists first: a create whose answer was lost must not be
                    // made again.
                    let found = match c.find(&o.number)? {
                        Some(f) => Some(f),
                        None => c.create(&order_body(&cfg, &o, &weights))?,
                    };
                    let Some(f) = found else {
                        return Err(Failure::Permanent(format!(
                            "{} says it already has an order {}, but did not show it when asked: open it in the Shiprocket panel, or cancel it there and retry",
                            c.name(),
                            o.number
                        )));
                    };
                    sh = record(
                        sh.id,
                        Progress::Created {
                            remote_order_id: f.remote_order_id,
                            remote_shipment_id: f.remote_shipment_id,
                        },
                    )?;
                    if !f.awb.is_empty() {
                        sh = record(sh.id, awb_progress(&f.awb, &f.courier))?;
                    }
                }
                Step::Awb => {
                    let sid = sh.remote_shipment_id.unwrap_or(0);
                    let awb = match c.assign_awb(sid) {
                        Ok(a) => (a.awb, a.courier),
                        // Already assigned (our record of it was lost): read it back.
                        Err(SendError::Permanent(m)) => match c.find(&o.number)? {
                            Some(f) if !f.awb.is_empty() => (f.awb, f.courier),
                            _ => return Err(Failure::Permanent(m)),
                        },
                        Err(e) => return Err(e.into()),
                    };
                    sh = record(sh.id, awb_progress(&awb.0, &awb.1))?;
                }
                Step::Label => {
                    let url = c.label(sh.remote_shipment_id.unwrap_or(0))?;
                    sh = record(sh.id, Progress::Label { url })?;
                }
                Step::Pickup => {
                    let date = c.pickup(sh.remote_shipment_id.unwrap_or(0))?;
                    sh = record(sh.id, Progress::Pickup { date })?;
                }
                Step::Manifest => {
                    let url = c.manifest(sh.remote_shipment_id.unwrap_or(0))?;
                    sh = record(sh.id, Progress::Manifest { url })?;
                    if sandboxed(&cfg) {
                        start_sandbox_journey(app, &cfg, &sh).map_err(internal)?;
                    }
                }
                Step::Done => return Ok(()),
            }
        }
    })();
    if let Err(f) = &result {
        let (msg, later) = match f {
            Failure::Retry(m) | Failure::RetryAfter(m, _) => (m.as_str(), true),
            Failure::Permanent(m) => (m.as_str(), false),
        };
        let why = format!(
            "{} failed while {}: {msg}{}",
            c.name(),
            sh.step.doing(),
            if later {
                " — retrying automatically."
            } else {
                " — fix this, then press Retry."
            }
        );
        let now = crate::db::now();
        let _ = super::write(app, now, |tx| shipping::set_attention(tx, sh.id, &why, now));
    }
    result
}

fn awb_progress(awb: &str, courier: &str) -> Progress {
    let tracking_url = if awb.starts_with("SBX") {
        String::new()
    } else {
        format!("https://shiprocket.co/tracking/{awb}")
    };
    Progress::Awb {
        awb: awb.to_string(),
        carrier: if courier.is_empty() {
            "Shiprocket".into()
        } else {
            courier.to_string()
        },
        tracking_url,
    }
}

/// The sandbox courier's journey after the pickup: (status id, words, where).
const JOURNEY: [(i64, &str, &str); 4] = [
    (42, "PICKED UP", "Origin hub"),
    (18, "IN TRANSIT", "Sorting centre"),
    (17, "OUT FOR DELIVERY", "Destination hub"),
    (7, "DELIVERED", "Destination"),
];

fn start_sandbox_journey(app: &App, cfg: &Config, sh: &Shipment) -> Result<()> {
    let step = cfg.shipping.shiprocket.sandbox_step_seconds;
    let now = crate::db::now();
    super::write(app, now, |tx| {
        for (i, _) in JOURNEY.iter().enumerate() {
            let key = format!("ship-sandbox/{}/{i}", sh.id);
            outbox::enqueue_at(
                tx,
                &NewJob {
                    kind: SANDBOX_SCAN,
                    idempotency_key: Some(&key),
                    recipient: "the sandbox courier",
                    subject: &format!("Sandbox tracking update {} for {}", i + 1, sh.awb),
                    template: "sandbox-scan",
                    payload: json!({"shipment": sh.id, "step": i}),
                },
                now + step * (i as i64 + 1),
                now,
            )?;
        }
        Ok(())
    })
}

/// One sandbox update, sent as Shiprocket would send it (spec §7): through the webhook
/// code with the token, all scans so far, both date formats.
fn sandbox_scan(app: &App, id: i64, step: i64) -> std::result::Result<(), Failure> {
    let sh = {
        let c = app.db.read().map_err(internal)?;
        shipping::get(&c, id)
            .map_err(internal)?
            .ok_or_else(|| Failure::Permanent("no such shipment".into()))?
    };
    let step = (step.max(0) as usize).min(JOURNEY.len() - 1);
    // Each update repeats the scans before it, with the same times (the shipment's
    // booking plus one step each), so they are recognised and kept once.
    let base = sh.created_at;
    let gap = app.cfg().shipping.shiprocket.sandbox_step_seconds;
    let scans: Vec<Value> = JOURNEY[..=step]
        .iter()
        .enumerate()
        .map(|(i, (code, words, place))| {
            json!({"date": ist_text(base + (i as i64 + 1) * gap), "status": code.to_string(), "activity": title_case(words), "location": place, "sr-status": code.to_string(), "sr-status-label": words})
        })
        .collect();
    let (code, words, _) = JOURNEY[step];
    let t = crate::db::now();
    let z = ist();
    let (y, m, d) = z.date(t);
    let (hh, mm) = z.time(t);
    let body = json!({
        "awb": sh.awb,
        "courier_name": sh.carrier,
        "current_status": words,
        "current_status_id": code,
        "shipment_status": words,
        "shipment_status_id": code,
        "current_timestamp": format!("{d:02} {m:02} {y:04} {hh:02}:{mm:02}:{:02}", t.rem_euclid(60)),
        "order_id": "",
        "scans": scans,
        "is_return": 0,
        "etd": ist_text(base + 3 * 86400),
    });
    let token = webhook_token(app);
    webhook(
        app,
        Some(&token),
        body.to_string().as_bytes(),
        crate::db::now(),
    )
    .map(|_| ())
    .map_err(|e| Failure::Permanent(e.public))
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_string() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the webhook did, for its 200 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub duplicate: bool,
    pub outcome: String,
}

/// A tracking webhook delivery (spec §7). The token in `x-api-key` is compared in
/// constant time before anything is read; a bad or missing one is logged and refused
/// (401) with nothing else written. A body that is not JSON is logged and refused (400).
/// Anything that parses is answered 200 — a test probe, an unknown AWB (logged), a
/// repeat (logged as duplicate), an update older than what we know (history only).
pub fn webhook(app: &App, token: Option<&str>, body: &[u8], now: i64) -> Result<Received> {
    let expected = webhook_token(app);
    let given = token.unwrap_or("").trim();
    if expected.is_empty() || !crate::crypto::same(given.as_bytes(), expected.as_bytes()) {
        let why = if expected.is_empty() {
            "no webhook_token is set in [shipping.shiprocket], so no tracking update can be trusted"
        } else if given.is_empty() {
            "the x-api-key header is missing"
        } else {
            "the x-api-key token does not match webhook_token"
        };
        app.db.write_tx(|tx| {
            shipping::log_delivery(tx, false, "", "", false, why, None, body, now)
        })?;
        return Err(Error::new(
            Kind::Unauthorized,
            format!("Tracking update refused: {why}."),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Received {
            duplicate: false,
            outcome: "empty test request: nothing to do".into(),
        });
    }
    let u = match shipping::wire::read(body) {
        Ok(Some(u)) => u,
        Ok(None) => {
            let outcome = "no awb: a test request, nothing to do".to_string();
            app.db.write_tx(|tx| {
                shipping::log_delivery(tx, true, "", "", false, &outcome, None, body, now)
            })?;
            return Ok(Received {
                duplicate: false,
                outcome,
            });
        }
        Err(why) => {
            app.db.write_tx(|tx| {
                shipping::log_delivery(tx, true, "", "", false, why, None, body, now)
            })?;
            return Err(Error::bad_request(format!(
                "Tracking update refused: {why}."
            )));
        }
    };
    let awb = u.awb.clone();
    super::write(app, now, |tx| {
        let Some(sh) = shipping::by_awb(tx, &awb)? else {
            let outcome = "unknown AWB: no shipment of ours has it".to_string();
            shipping::log_delivery(tx, true, &awb, &u.status, false, &outcome, None, body, now)?;
            return Ok(Received {
                duplicate: false,
                outcome,
            });
        };
        let applied = shipping::apply_update(tx, &sh, &u, now)?;
        shipping::log_delivery(
            tx,
            true,
            &awb,
            &u.status,
            applied.duplicate,
            &applied.outcome,
            Some(applied.order_id),
            body,
            now,
        )?;
        Ok(Received {
            duplicate: applied.duplicate,
            outcome: applied.outcome,
        })
    })
}

/// An owner's "Mark shipped" made whole: for a carrier the store knows
/// (`[[shipping.carriers]]`, any case) its name as written there, the tracking number
/// checked against its pattern (spaces dropped, capitals) and the link filled in from its
/// template when none was typed. Other carriers pass as typed.
pub fn resolve_manual(cfg: &Config, op: Op) -> Result<Op> {
    let Op::Ship {
        carrier,
        tracking_number,
        tracking_url,
    } = op
    else {
        return Ok(op);
    };
    let Some(c) = cfg
        .shipping
        .carriers
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(carrier.trim()))
    else {
        return Ok(Op::Ship {
            carrier,
            tracking_number,
            tracking_url,
        });
    };
    let number = tracking_number.trim().to_uppercase().replace(' ', "");
    if !number.is_empty() && !shipping::number_fits(&c.pattern, &number) {
        return Err(Error::bad_request(format!(
            "{} tracking numbers look like {} (# is a digit, A a letter); \"{number}\" does not.",
            c.name,
            c.pattern.replace('|', " or ")
        )));
    }
    let mut url = tracking_url.trim().to_string();
    if url.is_empty() {
        url = shipping::tracking_link(&c.tracking_url, &number);
    }
    Ok(Op::Ship {
        carrier: c.name.clone(),
        tracking_number: number,
        tracking_url: url,
    })
}

/// What an owner's operation means for the order's shipment, in the same write: shipped
/// by hand → a manual shipment in transit; delivered → its shipment delivered too.
pub fn follow_owner(tx: &Tx, op: &Op, o: &Order, now: i64) -> Result<()> {
    match op {
        Op::Ship { .. } => shipping::record_manual(tx, o, now),
        Op::Deliver => shipping::record_delivered_by_owner(tx, o.id, now),
        _ => Ok(()),
    }
}

/// The sandbox courier's label (drawn for the owner in sandbox mode only).
pub fn sandbox_label(app: &App, awb: &str) -> Result<Vec<u8>> {
    let cfg = app.cfg();
    if !sandboxed(&cfg) || shipping::courier_problem(&cfg).is_some() {
        return Err(Error::not_found("There is no such label."));
    }
    let c = app.db.read()?;
    let sh =
        shipping::by_awb(&c, awb)?.ok_or_else(|| Error::not_found("There is no such label."))?;
    let o =
        orders::get(&c, sh.order_id)?.ok_or_else(|| Error::not_found("There is no such label."))?;
    let lines = vec![
        format!("Order {}", o.number),
        format!("{} via {}", sh.awb, sh.carrier),
        String::new(),
        "Deliver to:".into(),
        o.name.clone(),
        o.line1.clone(),
        o.line2.clone(),
        format!("{} {} {}", o.city, o.region, o.postal_code),
        o.country.clone(),
        o.phone.clone(),
        String::new(),
        if o.method == Method::Cod && o.payment == crate::shop::orders::lifecycle::Payment::Unpaid {
            format!(
                "COLLECT CASH: {}",
                crate::money::Money::of(&cfg.store).format(o.total)
            )
        } else {
            "PREPAID".into()
        },
        String::new(),
        format!("From: {}", cfg.store.name),
        "SANDBOX LABEL - NOT A REAL SHIPMENT".into(),
    ];
    Ok(shipping::label::pdf(&format!("AWB {}", sh.awb), &lines))
}
