//! Shipments: one per order, sent through Shiprocket (the outbox job runs its steps and
//! records each here) or shipped by hand with a carrier and a tracking number. Owns our
//! shipment states and the mapping from the courier's status codes to them (`status.rs`),
//! the rule that a shipment only moves forward, the parcel's event history, the log of
//! tracking webhook deliveries, and what a courier update does to the order — in the same
//! write: picked up → shipped, delivered → delivered (and COD cash collected by the
//! courier), back at the shop after a failed delivery → returned with the stock restocked.
//! A courier failure never reaches the order: it becomes `attention`, for the owner.

pub mod label;
pub mod status;
pub mod wire;

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::audit::Actor;
use crate::shop::events::Event;
use crate::shop::orders::lifecycle::{Method, Payment, Status};
use crate::shop::orders::{self, Op, Order};
use rusqlite::{Connection, OptionalExtension, Row, params};
pub use status::State;

/// Where a Shiprocket shipment is in its making; each step's result is recorded before
/// the next runs, so a retry starts at the first step not yet done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Create,
    Awb,
    Label,
    Pickup,
    Manifest,
    Done,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Create,
        Step::Awb,
        Step::Label,
        Step::Pickup,
        Step::Manifest,
        Step::Done,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "create",
            Step::Awb => "awb",
            Step::Label => "label",
            Step::Pickup => "pickup",
            Step::Manifest => "manifest",
            Step::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// What the step does, in the owner's words ("while assigning the AWB").
    pub fn doing(self) -> &'static str {
        match self {
            Step::Create => "creating the courier order",
            Step::Awb => "assigning the AWB",
            Step::Label => "generating the label",
            Step::Pickup => "requesting the pickup",
            Step::Manifest => "generating the manifest",
            Step::Done => "finishing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub id: i64,
    pub order_id: i64,
    /// "shiprocket" or "manual".
    pub provider: String,
    pub state: State,
    pub step: Step,
    pub carrier: String,
    pub awb: String,
    pub tracking_url: String,
    pub remote_order_id: Option<i64>,
    pub remote_shipment_id: Option<i64>,
    pub label_url: String,
    pub manifest_url: String,
    pub pickup_date: String,
    pub edd: String,
    pub attention: String,
    pub last_status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Shipment {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Shipment> {
        let state: String = r.get(3)?;
        let step: String = r.get(4)?;
        Ok(Shipment {
            id: r.get(0)?,
            order_id: r.get(1)?,
            provider: r.get(2)?,
            state: State::parse(&state).unwrap_or(State::Creating),
            step: Step::parse(&step).unwrap_or(Step::Done),
            carrier: r.get(5)?,
            awb: r.get(6)?,
            tracking_url: r.get(7)?,
            remote_order_id: r.get(8)?,
            remote_shipment_id: r.get(9)?,
            label_url: r.get(10)?,
            manifest_url: r.get(11)?,
            pickup_date: r.get(12)?,
            edd: r.get(13)?,
            attention: r.get(14)?,
            last_status: r.get(15)?,
            created_at: r.get(16)?,
            updated_at: r.get(17)?,
        })
    }
    pub fn by_courier(&self) -> bool {
        self.provider == "shiprocket"
    }
}

/// One entry of the parcel's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEvent {
    pub at: i64,
    /// The courier's own time (IST), or '' for our steps.
    pub happened: String,
    pub state: String,
    pub activity: String,
    pub location: String,
}

pub fn by_order(c: &Connection, order_id: i64) -> Result<Option<Shipment>> {
    Ok(c.prepare_cached(sql::BY_ORDER)?
        .query_row([order_id], Shipment::from_row)
        .optional()?)
}

pub fn get(c: &Connection, id: i64) -> Result<Option<Shipment>> {
    Ok(c.prepare_cached(sql::GET)?
        .query_row([id], Shipment::from_row)
        .optional()?)
}

pub fn by_awb(c: &Connection, awb: &str) -> Result<Option<Shipment>> {
    if awb.is_empty() {
        return Ok(None);
    }
    Ok(c.prepare_cached(sql::BY_AWB)?
        .query_row([awb], Shipment::from_row)
        .optional()?)
}

/// The parcel's history, oldest first.
pub fn history(c: &Connection, shipment_id: i64) -> Result<Vec<TrackEvent>> {
    let mut st = c.prepare_cached(sql::HISTORY)?;
    let rows = st.query_map([shipment_id], |r| {
        Ok(TrackEvent {
            at: r.get(0)?,
            happened: r.get(1)?,
            state: r.get(2)?,
            activity: r.get(3)?,
            location: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Why the courier cannot book shipments now (the owner's settings page says it), or
/// None when it can. The sandbox courier runs only while the store's address is this
/// machine (localhost, 127.x, [::1]): a public store never pretends to ship.
pub fn courier_problem(cfg: &crate::config::Config) -> Option<String> {
    let c = &cfg.shipping.shiprocket;
    if !c.enabled {
        return Some(
            "Shiprocket is turned off (enabled = false): ship by hand from the order page.".into(),
        );
    }
    if c.mode == "sandbox" {
        let local = cfg.store.on_this_machine();
        return (!local).then(|| {
            "Shiprocket is in sandbox mode, which only pretends to ship: it runs only while [store] url is this machine (http://127.0.0.1:…). Set mode = \"live\" with your API user to ship for real.".to_string()
        });
    }
    let mut missing = Vec::new();
    if c.email.trim().is_empty() {
        missing.push("email");
    }
    if c.password.expose().is_empty() {
        missing.push("password");
    }
    if c.pickup_location.trim().is_empty() {
        missing.push("pickup_location");
    }
    (!missing.is_empty()).then(|| {
        format!(
            "Shiprocket needs {} in [shipping.shiprocket] (the password may come from BOUTIQUE_SHIPROCKET_PASSWORD).",
            missing.join(", ")
        )
    })
}

/// Each line's unit weight in grams (0 when the variant has none or is gone).
pub fn line_weights(c: &Connection, o: &Order) -> Result<Vec<i64>> {
    let mut st = c.prepare_cached(sql::VARIANT_WEIGHT)?;
    o.lines
        .iter()
        .map(|l| {
            Ok(match l.variant_id {
                Some(v) => st.query_row([v], |r| r.get(0)).optional()?.unwrap_or(0),
                None => 0,
            })
        })
        .collect()
}

/// Where the sandbox courier says its labels are: not a real address; the admin's label
/// link draws the PDF instead.
pub const SANDBOX_LABEL: &str = "sandbox:label/";

/// Who the courier's steps are written as on the order timeline.
pub fn courier_actor() -> Actor {
    Actor {
        id: None,
        name: "courier".into(),
    }
}

/// Starts a Shiprocket shipment for a confirmed order: the row the job's steps fill in.
/// None when the order already has a shipment (a second request changes nothing) or is
/// not ready to ship.
pub fn start_courier(tx: &Tx, order: &Order, by: &str, now: i64) -> Result<Option<i64>> {
    if !matches!(order.status, Status::Confirmed | Status::Processing) {
        return Err(Error::conflict(format!(
            "Order {} is not ready to ship: only confirmed orders get a courier shipment.",
            order.number
        )));
    }
    let n = tx
        .prepare_cached(sql::INSERT_COURIER)?
        .execute(params![order.id, now])?;
    if n == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    orders::event(
        tx,
        order.id,
        by,
        "shipment_requested",
        None,
        None,
        "Shipment with Shiprocket requested",
        now,
    )?;
    Ok(Some(id))
}

/// What one Shiprocket step found out (recorded before the next step runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The courier order exists (made now, or found when asked what exists).
    Created {
        remote_order_id: i64,
        remote_shipment_id: i64,
    },
    Awb {
        awb: String,
        carrier: String,
        tracking_url: String,
    },
    Label {
        url: String,
    },
    Pickup {
        date: String,
    },
    Manifest {
        url: String,
    },
}

/// Records a step's result and moves the shipment to the next step; an AWB puts the
/// order into processing (it is being packed for a booked courier). Returns the shipment
/// as it is after.
pub fn record(tx: &Tx, id: i64, p: &Progress, now: i64) -> Result<Shipment> {
    let sh = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such shipment."))?;
    let note = match p {
        Progress::Created {
            remote_order_id,
            remote_shipment_id,
        } => {
            tx.prepare_cached(sql::SET_CREATED)?.execute(params![
                remote_order_id,
                remote_shipment_id,
                now,
                id
            ])?;
            format!("Courier order created (shipment {remote_shipment_id})")
        }
        Progress::Awb {
            awb,
            carrier,
            tracking_url,
        } => {
            if let Some(other) = by_awb(tx, awb)?
                && other.id != id
            {
                return Err(Error::conflict(format!(
                    "The courier gave AWB {awb}, which another shipment already has."
                )));
            }
            tx.prepare_cached(sql::SET_AWB)?.execute(params![
                awb,
                carrier,
                tracking_url,
                now,
                id
            ])?;
            let o = orders::get(tx, sh.order_id)?
                .ok_or_else(|| Error::not_found("There is no such order."))?;
            if o.status == Status::Confirmed {
                orders::apply(tx, o.id, &Op::StartProcessing, &courier_actor(), now)?;
            }
            add_event(
                tx,
                id,
                now,
                "",
                State::AwaitingPickup,
                &format!("AWB {awb} assigned ({carrier})"),
                "",
                &format!("step/{id}/awb"),
            )?;
            format!("AWB {awb} assigned by {carrier}")
        }
        Progress::Label { url } => {
            tx.prepare_cached(sql::SET_LABEL)?
                .execute(params![url, now, id])?;
            "Shipping label generated".to_string()
        }
        Progress::Pickup { date } => {
            tx.prepare_cached(sql::SET_PICKUP)?
                .execute(params![date, now, id])?;
            if date.is_empty() {
                "Pickup requested".to_string()
            } else {
                format!("Pickup requested for {date}")
            }
        }
        Progress::Manifest { url } => {
            tx.prepare_cached(sql::SET_MANIFEST)?
                .execute(params![url, now, id])?;
            "Manifest generated".to_string()
        }
    };
    orders::event(
        tx,
        sh.order_id,
        "courier",
        "shipment_step",
        None,
        None,
        &note,
        now,
    )?;
    get(tx, id)?.ok_or_else(|| Error::internal("shipment vanished"))
}

/// The owner must look: a refusal in words, or retries that ran out. The order is not
/// touched; its timeline says what went wrong (to the owner only).
pub fn set_attention(tx: &Tx, id: i64, why: &str, now: i64) -> Result<()> {
    let sh = get(tx, id)?.ok_or_else(|| Error::not_found("There is no such shipment."))?;
    let why: String = why.chars().take(500).collect();
    tx.prepare_cached(sql::SET_ATTENTION)?
        .execute(params![why, now, id])?;
    if sh.attention != why {
        orders::event(
            tx,
            sh.order_id,
            "courier",
            "shipment_failed",
            None,
            None,
            &why,
            now,
        )?;
    }
    Ok(())
}

/// The owner retries: the attention note is cleared (the job will set it again if the
/// courier still refuses).
pub fn clear_attention(tx: &Tx, id: i64, now: i64) -> Result<()> {
    tx.prepare_cached(sql::SET_ATTENTION)?
        .execute(params!["", now, id])?;
    Ok(())
}

/// A shipment the courier will not make (the order was cancelled before it was booked).
pub fn cancel_unbooked(tx: &Tx, id: i64, why: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::SET_STATE)?.execute(params![
        State::Cancelled.as_str(),
        "",
        "",
        now,
        id
    ])?;
    add_event(
        tx,
        id,
        now,
        "",
        State::Cancelled,
        why,
        "",
        &format!("cancel/{id}"),
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_event(
    tx: &Tx,
    shipment_id: i64,
    now: i64,
    happened: &str,
    state: State,
    activity: &str,
    location: &str,
    dedup: &str,
) -> Result<bool> {
    let n = tx.prepare_cached(sql::INSERT_EVENT)?.execute(params![
        shipment_id,
        now,
        happened,
        state.as_str(),
        activity,
        location,
        dedup
    ])?;
    Ok(n > 0)
}

/// The owner shipped by hand: the order's `Op::Ship` has just been applied (carrier,
/// number, link on the order); the shipment row follows, in transit.
pub fn record_manual(tx: &Tx, order: &Order, now: i64) -> Result<()> {
    tx.prepare_cached(sql::UPSERT_MANUAL)?.execute(params![
        order.id,
        order.carrier,
        order.tracking_number,
        order.tracking_url,
        now
    ])?;
    let sh = by_order(tx, order.id)?.ok_or_else(|| Error::internal("shipment vanished"))?;
    let what = if order.tracking_number.is_empty() {
        format!("Handed to {}", order.carrier)
    } else {
        format!("Handed to {} ({})", order.carrier, order.tracking_number)
    };
    add_event(
        tx,
        sh.id,
        now,
        "",
        State::InTransit,
        &what,
        "",
        &format!("manual/{}/{now}/shipped", sh.id),
    )?;
    Ok(())
}

/// The owner marked the order delivered: a manual shipment (or a courier one the courier
/// never reported) is delivered too.
pub fn record_delivered_by_owner(tx: &Tx, order_id: i64, now: i64) -> Result<()> {
    if let Some(sh) = by_order(tx, order_id)?
        && sh.state.may_become(State::Delivered)
    {
        tx.prepare_cached(sql::SET_STATE)?.execute(params![
            State::Delivered.as_str(),
            sh.last_status,
            sh.edd,
            now,
            sh.id
        ])?;
        add_event(
            tx,
            sh.id,
            now,
            "",
            State::Delivered,
            "Delivered",
            "",
            &format!("manual/{}/delivered", sh.id),
        )?;
    }
    Ok(())
}

/// One scan of the courier's, as the webhook lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub date: String,
    pub code: String,
    pub activity: String,
    pub location: String,
}

/// A tracking update, already read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub awb: String,
    /// Our state for it: from the shipment status id, else from the text; None when
    /// neither is known (logged; the shipment keeps its state).
    pub state: Option<State>,
    /// "18 IN TRANSIT": what the courier said, for the owner.
    pub status: String,
    pub happened: String,
    pub edd: String,
    pub scans: Vec<Scan>,
    /// What makes this update distinct (the courier sends no event id).
    pub dedup: String,
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub duplicate: bool,
    pub outcome: String,
    pub order_id: i64,
}

/// Applies a tracking update to its shipment in one write: new scans appended (repeats
/// ignored), the state moved only forward (an older update arriving late changes
/// nothing but the history), and the order following the parcel.
pub fn apply_update(tx: &Tx, sh: &Shipment, u: &Update, now: i64) -> Result<Applied> {
    // The update's own row marks it seen (the dedup key); it shows in the history only
    // when the courier sent no scans with it (the scans are the history otherwise).
    let shown = if u.scans.is_empty() {
        u.state
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| u.status.clone())
    } else {
        String::new()
    };
    let fresh = add_event(
        tx,
        sh.id,
        now,
        &u.happened,
        u.state.unwrap_or(sh.state),
        &shown,
        "",
        &u.dedup,
    )?;
    if !fresh {
        return Ok(Applied {
            duplicate: true,
            outcome: "duplicate: this update was already applied".into(),
            order_id: sh.order_id,
        });
    }
    for s in &u.scans {
        let key = crate::crypto::hex(&crate::crypto::sha256(
            format!("{}|{}|{}|{}", u.awb, s.code, s.date, s.activity).as_bytes(),
        ));
        let st = status::from_text(&s.activity)
            .or_else(|| status::from_code_text(&s.code))
            .unwrap_or(sh.state);
        add_event(tx, sh.id, now, &s.date, st, &s.activity, &s.location, &key)?;
    }
    let Some(to) = u.state else {
        tx.prepare_cached(sql::SET_LAST_STATUS)?
            .execute(params![u.status, now, sh.id])?;
        return Ok(Applied {
            duplicate: false,
            outcome: format!(
                "status \"{}\" not known: history kept, state unchanged",
                u.status
            ),
            order_id: sh.order_id,
        });
    };
    if !sh.state.may_become(to) {
        return Ok(Applied {
            duplicate: false,
            outcome: format!(
                "{} → {}: never backwards, state kept (history added)",
                sh.state.as_str(),
                to.as_str()
            ),
            order_id: sh.order_id,
        });
    }
    let edd = if u.edd.is_empty() {
        sh.edd.clone()
    } else {
        u.edd.clone()
    };
    tx.prepare_cached(sql::SET_STATE)?
        .execute(params![to.as_str(), u.status, edd, now, sh.id])?;
    let moved = format!("{} → {}", sh.state.as_str(), to.as_str());
    let order_note = follow(tx, sh, to, now)?;
    Ok(Applied {
        duplicate: false,
        outcome: match order_note {
            Some(n) => format!("{moved}; order {n}"),
            None => moved,
        },
        order_id: sh.order_id,
    })
}

/// The order follows its parcel. Returns what happened to the order, if anything.
fn follow(tx: &Tx, sh: &Shipment, to: State, now: i64) -> Result<Option<String>> {
    let o =
        orders::get(tx, sh.order_id)?.ok_or_else(|| Error::not_found("There is no such order."))?;
    let actor = courier_actor();
    if matches!(
        o.status,
        Status::Cancelled | Status::PendingPayment | Status::AwaitingVerification
    ) {
        set_attention(
            tx,
            sh.id,
            &format!(
                "The courier reports \"{}\" for order {}, which is {}: check with the courier.",
                to.label(),
                o.number,
                o.status.as_str().replace('_', " ")
            ),
            now,
        )?;
        return Ok(None);
    }
    let mut did = Vec::new();
    let ship = |o: &Order, did: &mut Vec<&str>| -> Result<Order> {
        if matches!(o.status, Status::Confirmed | Status::Processing) {
            did.push("shipped");
            return orders::apply(
                tx,
                o.id,
                &Op::Ship {
                    carrier: sh.carrier.clone(),
                    tracking_number: sh.awb.clone(),
                    tracking_url: sh.tracking_url.clone(),
                },
                &actor,
                now,
            );
        }
        Ok(o.clone())
    };
    match to {
        State::Creating | State::AwaitingPickup => {
            if o.status == Status::Confirmed {
                orders::apply(tx, o.id, &Op::StartProcessing, &actor, now)?;
                did.push("processing");
            }
        }
        State::InTransit | State::DeliveryFailed | State::Returning => {
            ship(&o, &mut did)?;
        }
        State::OutForDelivery => {
            let o = ship(&o, &mut did)?;
            tx.record(Event::OutForDelivery { order: o });
        }
        State::Delivered => {
            let o = ship(&o, &mut did)?;
            if o.status == Status::Shipped {
                orders::apply(tx, o.id, &Op::Deliver, &actor, now)?;
                did.push("delivered");
            }
            if o.method == Method::Cod && o.payment == Payment::Unpaid {
                orders::apply(tx, o.id, &Op::CollectCash, &actor, now)?;
                did.push("cash collected by the courier");
            }
        }
        State::Returned => {
            let o = ship(&o, &mut did)?;
            if o.status == Status::Shipped {
                orders::apply(
                    tx,
                    o.id,
                    &Op::ReturnToSender {
                        note: format!("Returned by {} (AWB {})", sh.carrier, sh.awb),
                    },
                    &actor,
                    now,
                )?;
                did.push("returned, stock back");
            }
        }
        State::Cancelled | State::Lost => {
            set_attention(
                tx,
                sh.id,
                &format!(
                    "The courier reports the parcel {} (AWB {}): the order is unchanged; decide with the shopper what happens next.",
                    to.label().to_lowercase(),
                    sh.awb
                ),
                now,
            )?;
        }
    }
    Ok((!did.is_empty()).then(|| did.join(", ")))
}

/// Logs one tracking webhook delivery (whatever became of it) and prunes the oldest.
#[allow(clippy::too_many_arguments)]
pub fn log_delivery(
    tx: &Tx,
    token_ok: bool,
    awb: &str,
    status: &str,
    duplicate: bool,
    outcome: &str,
    order_id: Option<i64>,
    payload: &[u8],
    now: i64,
) -> Result<()> {
    let body = String::from_utf8_lossy(&payload[..payload.len().min(MAX_LOGGED_BODY)]);
    tx.prepare_cached(sql::INSERT_DELIVERY)?.execute(params![
        now,
        token_ok as i64,
        awb.chars().take(80).collect::<String>(),
        status.chars().take(80).collect::<String>(),
        duplicate as i64,
        outcome,
        order_id,
        body
    ])?;
    tx.prepare_cached(sql::PRUNE_DELIVERIES)?
        .execute([KEEP_DELIVERIES])?;
    Ok(())
}

/// Largest raw body kept in the delivery log.
pub const MAX_LOGGED_BODY: usize = 32 * 1024;
/// Deliveries kept in the log.
pub const KEEP_DELIVERIES: i64 = 5000;

/// A logged delivery, for the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub received_at: i64,
    pub token_ok: bool,
    pub awb: String,
    pub status: String,
    pub duplicate: bool,
    pub outcome: String,
    pub order_number: Option<String>,
    pub payload: String,
}

pub fn deliveries(c: &Connection, limit: i64) -> Result<Vec<Delivery>> {
    let mut st = c.prepare_cached(sql::DELIVERIES)?;
    let rows = st.query_map([limit], |r| {
        Ok(Delivery {
            id: r.get(0)?,
            received_at: r.get(1)?,
            token_ok: r.get::<_, i64>(2)? == 1,
            awb: r.get(3)?,
            status: r.get(4)?,
            duplicate: r.get::<_, i64>(5)? == 1,
            outcome: r.get(6)?,
            order_number: r.get(7)?,
            payload: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The owner's shipments list filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    AwaitingPickup,
    InTransit,
    Delivered,
    Rto,
    Attention,
}

impl Filter {
    pub const ALL: [Filter; 6] = [
        Filter::All,
        Filter::AwaitingPickup,
        Filter::InTransit,
        Filter::Delivered,
        Filter::Rto,
        Filter::Attention,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::All => "",
            Filter::AwaitingPickup => "awaiting_pickup",
            Filter::InTransit => "in_transit",
            Filter::Delivered => "delivered",
            Filter::Rto => "rto",
            Filter::Attention => "attention",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "All",
            Filter::AwaitingPickup => "Awaiting pickup",
            Filter::InTransit => "In transit",
            Filter::Delivered => "Delivered",
            Filter::Rto => "Returning (RTO)",
            Filter::Attention => "Needing attention",
        }
    }
    pub fn parse(s: &str) -> Option<Filter> {
        Filter::ALL.into_iter().find(|f| f.as_str() == s)
    }
    fn states(self) -> &'static [State] {
        match self {
            Filter::All | Filter::Attention => &[],
            Filter::AwaitingPickup => &[State::Creating, State::AwaitingPickup],
            Filter::InTransit => &[
                State::InTransit,
                State::OutForDelivery,
                State::DeliveryFailed,
            ],
            Filter::Delivered => &[State::Delivered],
            Filter::Rto => &[State::Returning, State::Returned],
        }
    }
}

/// A row of the owner's shipments list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub shipment: Shipment,
    pub number: String,
    pub name: String,
    pub city: String,
    pub method: String,
}

pub fn list(c: &Connection, f: Filter, limit: i64) -> Result<Vec<Listed>> {
    let states: Vec<&str> = f.states().iter().map(|s| s.as_str()).collect();
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map(
        params![
            serde_json::to_string(&states).unwrap_or_else(|_| "[]".into()),
            states.is_empty(),
            f == Filter::Attention,
            limit
        ],
        |r| {
            Ok(Listed {
                shipment: Shipment::from_row(r)?,
                number: r.get(18)?,
                name: r.get(19)?,
                city: r.get(20)?,
                method: r.get(21)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many shipments each filter holds (for the filter links).
pub fn counts(c: &Connection) -> Result<Vec<(Filter, i64)>> {
    let mut out = Vec::new();
    for f in Filter::ALL {
        let states: Vec<&str> = f.states().iter().map(|s| s.as_str()).collect();
        let n: i64 = c.prepare_cached(sql::COUNT)?.query_row(
            params![
                serde_json::to_string(&states).unwrap_or_else(|_| "[]".into()),
                states.is_empty(),
                f == Filter::Attention
            ],
            |r| r.get(0),
        )?;
        out.push((f, n));
    }
    Ok(out)
}

/// A confirmed order with no shipment yet (the bulk "create shipments" list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unshipped {
    pub order_id: i64,
    pub number: String,
    pub name: String,
    pub city: String,
    pub method: String,
    pub total: i64,
    pub created_at: i64,
}

pub fn unshipped(c: &Connection, limit: i64) -> Result<Vec<Unshipped>> {
    let mut st = c.prepare_cached(sql::UNSHIPPED)?;
    let rows = st.query_map([limit], |r| {
        Ok(Unshipped {
            order_id: r.get(0)?,
            number: r.get(1)?,
            name: r.get(2)?,
            city: r.get(3)?,
            method: r.get(4)?,
            total: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Courier shipments on their way whose last word is older than `before`: the ones a
/// tracking pull should look at (a webhook may have been lost).
pub fn stale(c: &Connection, before: i64, limit: i64) -> Result<Vec<Shipment>> {
    let mut st = c.prepare_cached(sql::STALE)?;
    let rows = st.query_map(params![before, limit], Shipment::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A tracking number against a carrier's pattern: `#` a digit, `A` a letter, `X` either,
/// anything else itself; several patterns separated by `|`. An empty pattern accepts all.
pub fn number_fits(pattern: &str, number: &str) -> bool {
    if pattern.trim().is_empty() {
        return true;
    }
    pattern.split('|').any(|p| {
        let p: Vec<char> = p.trim().chars().collect();
        let n: Vec<char> = number.chars().collect();
        p.len() == n.len()
            && p.iter().zip(&n).all(|(p, c)| match p {
                '#' => c.is_ascii_digit(),
                'A' => c.is_ascii_alphabetic(),
                'X' => c.is_ascii_alphanumeric(),
                other => other.eq_ignore_ascii_case(c),
            })
    })
}

/// A carrier's tracking link for `number`: `{number}` in the template replaced.
pub fn tracking_link(template: &str, number: &str) -> String {
    if template.is_empty() || number.is_empty() {
        return String::new();
    }
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    template.replace("{number}", &safe)
}

pub mod sql {
    macro_rules! select {
        ($tail:literal) => {
            concat!(
                "SELECT s.id, s.order_id, s.provider, s.state, s.step, s.carrier, s.awb, s.tracking_url, s.remote_order_id, s.remote_shipment_id, s.label_url, s.manifest_url, s.pickup_date, s.edd, s.attention, s.last_status, s.created_at, s.updated_at ",
                $tail
            )
        };
    }
    pub const BY_ORDER: &str = select!("FROM shipments s WHERE s.order_id = ?1");
    pub const GET: &str = select!("FROM shipments s WHERE s.id = ?1");
    pub const BY_AWB: &str = select!("FROM shipments s WHERE s.awb = ?1");
    pub const INSERT_COURIER: &str = "INSERT INTO shipments (order_id, provider, state, step, created_at, updated_at) VALUES (?1, 'shiprocket', 'creating', 'create', ?2, ?2) ON CONFLICT (order_id) DO NOTHING";
    pub const UPSERT_MANUAL: &str = "INSERT INTO shipments (order_id, provider, state, step, carrier, awb, tracking_url, created_at, updated_at) VALUES (?1, 'manual', 'in_transit', 'done', ?2, ?3, ?4, ?5, ?5) ON CONFLICT (order_id) DO UPDATE SET provider = 'manual', state = 'in_transit', step = 'done', carrier = excluded.carrier, awb = excluded.awb, tracking_url = excluded.tracking_url, attention = '', updated_at = excluded.updated_at";
    pub const SET_CREATED: &str = "UPDATE shipments SET remote_order_id = ?1, remote_shipment_id = ?2, step = 'awb', attention = '', updated_at = ?3 WHERE id = ?4";
    pub const SET_AWB: &str = "UPDATE shipments SET awb = ?1, carrier = ?2, tracking_url = ?3, state = CASE WHEN state = 'creating' THEN 'awaiting_pickup' ELSE state END, step = 'label', attention = '', updated_at = ?4 WHERE id = ?5";
    pub const SET_LABEL: &str = "UPDATE shipments SET label_url = ?1, step = 'pickup', attention = '', updated_at = ?2 WHERE id = ?3";
    pub const SET_PICKUP: &str = "UPDATE shipments SET pickup_date = ?1, step = 'manifest', attention = '', updated_at = ?2 WHERE id = ?3";
    pub const SET_MANIFEST: &str = "UPDATE shipments SET manifest_url = ?1, step = 'done', attention = '', updated_at = ?2 WHERE id = ?3";
    pub const SET_ATTENTION: &str =
        "UPDATE shipments SET attention = ?1, updated_at = ?2 WHERE id = ?3";
    pub const SET_STATE: &str = "UPDATE shipments SET state = ?1, last_status = ?2, edd = ?3, updated_at = ?4 WHERE id = ?5";
    pub const SET_LAST_STATUS: &str =
        "UPDATE shipments SET last_status = ?1, updated_at = ?2 WHERE id = ?3";
    pub const INSERT_EVENT: &str = "INSERT INTO shipment_events (shipment_id, at, happened, state, activity, location, dedup) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (dedup) DO NOTHING";
    pub const HISTORY: &str = "SELECT at, happened, state, activity, location FROM shipment_events WHERE shipment_id = ?1 AND activity <> '' ORDER BY CASE WHEN happened = '' THEN strftime('%Y-%m-%d %H:%M:%S', at + 19800, 'unixepoch') ELSE happened END, id";
    pub const INSERT_DELIVERY: &str = "INSERT INTO courier_deliveries (received_at, token_ok, awb, status, duplicate, outcome, order_id, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    pub const PRUNE_DELIVERIES: &str =
        "DELETE FROM courier_deliveries WHERE id <= (SELECT max(id) FROM courier_deliveries) - ?1";
    pub const DELIVERIES: &str = "SELECT d.id, d.received_at, d.token_ok, d.awb, d.status, d.duplicate, d.outcome, o.number, d.payload FROM courier_deliveries d LEFT JOIN orders o ON o.id = d.order_id ORDER BY d.id DESC LIMIT ?1";
    pub const LIST: &str = select!(
        ", o.number, o.name, o.ship_city, o.payment_method FROM shipments s JOIN orders o ON o.id = s.order_id WHERE (?2 OR s.state IN (SELECT value FROM json_each(?1))) AND (NOT ?3 OR s.attention <> '') ORDER BY s.updated_at DESC, s.id DESC LIMIT ?4"
    );
    pub const COUNT: &str = "SELECT count(*) FROM shipments s WHERE (?2 OR s.state IN (SELECT value FROM json_each(?1))) AND (NOT ?3 OR s.attention <> '')";
    pub const UNSHIPPED: &str = "SELECT o.id, o.number, o.name, o.ship_city, o.payment_method, o.total, o.created_at FROM orders o WHERE o.status IN ('confirmed', 'processing') AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id) ORDER BY o.created_at LIMIT ?1";
    pub const STALE: &str = select!(
        "FROM shipments s WHERE s.provider = 'shiprocket' AND s.awb <> '' AND s.state IN ('awaiting_pickup', 'in_transit', 'out_for_delivery', 'delivery_failed', 'returning') AND s.updated_at < ?1 ORDER BY s.updated_at LIMIT ?2"
    );
    pub const VARIANT_WEIGHT: &str = "SELECT weight_grams FROM variants WHERE id = ?1";
    pub const ALL: &[&str] = &[
        STALE,
        VARIANT_WEIGHT,
        BY_ORDER,
        GET,
        BY_AWB,
        INSERT_COURIER,
        UPSERT_MANUAL,
        SET_CREATED,
        SET_AWB,
        SET_LABEL,
        SET_PICKUP,
        SET_MANIFEST,
        SET_ATTENTION,
        SET_STATE,
        SET_LAST_STATUS,
        INSERT_EVENT,
        HISTORY,
        INSERT_DELIVERY,
        PRUNE_DELIVERIES,
        DELIVERIES,
        LIST,
        COUNT,
        UNSHIPPED,
    ];
}
