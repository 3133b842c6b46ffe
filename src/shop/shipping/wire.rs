//! The tracking webhook's body (specs/shiprocket.md §7) read into an [`Update`]: pure,
//! so it is fuzzed on its own (fuzz/fuzz_targets/webhook_payloads.rs). State comes from
//! `shipment_status_id` (the shipment table, §8.1), else from the status words; a return
//! shipment's updates are the parcel coming back; the two date formats become one
//! sortable form; every text is bounded; the dedup key is the spec's (no event id exists):
//! sha256(awb | shipment_status_id | current_timestamp | number of scans).

use super::{Scan, State, Update, status};
use serde_json::Value;

/// Most scans read from one update (a real journey has a few dozen).
pub const MAX_SCANS: usize = 200;

/// Ok(None): JSON with no AWB (Shiprocket's probe when the webhook is saved). Err: what
/// is wrong with a body that is not a JSON object.
pub fn read(body: &[u8]) -> Result<Option<Update>, &'static str> {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err("the body is not a JSON object"),
    };
    let awb: String = field(&v, "awb").chars().take(80).collect();
    if awb.is_empty() {
        return Ok(None);
    }
    let sid = id_field(&v, "shipment_status_id");
    let text = [field(&v, "shipment_status"), field(&v, "current_status")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .chars()
        .take(80)
        .collect::<String>();
    let mut state = sid
        .and_then(status::from_code)
        .or_else(|| status::from_text(&text));
    // A return shipment's "delivered" is the parcel back with us.
    if id_field(&v, "is_return") == Some(1) {
        state = state.map(|s| match s {
            State::Delivered | State::Returned => State::Returned,
            State::Cancelled | State::Lost => s,
            _ => State::Returning,
        });
    }
    let scans: Vec<Scan> = v
        .get("scans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_SCANS)
        .map(scan)
        .collect();
    let stamp = field(&v, "current_timestamp");
    let dedup = crate::crypto::hex(&crate::crypto::sha256(
        format!(
            "{awb}|{}|{stamp}|{}",
            sid.map(|n| n.to_string()).unwrap_or_default(),
            scans.len()
        )
        .as_bytes(),
    ));
    let status = match sid {
        Some(n) => format!("{n} {text}"),
        None => text,
    };
    Ok(Some(Update {
        awb,
        state,
        status: status.trim().chars().take(80).collect(),
        happened: normalise_time(stamp),
        edd: field(&v, "etd").chars().take(40).collect(),
        scans,
        dedup,
    }))
}

/// What a tracking pull (`GET /courier/track/awb/{awb}`, spec §6) says, as an update
/// like a webhook's: None when the courier has nothing yet (`track_status` 0). Its scans
/// get the same keys as the webhook's, so a scan seen both ways is kept once.
pub fn read_tracking(awb: &str, v: &Value) -> Option<Update> {
    let td = v.get("tracking_data")?;
    if id_field(td, "track_status") != Some(1) {
        return None;
    }
    let sid = id_field(td, "shipment_status");
    let track = td
        .get("shipment_track")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    let text: String = track
        .map(|t| field(t, "current_status"))
        .unwrap_or("")
        .chars()
        .take(80)
        .collect();
    let state = sid
        .and_then(status::from_code)
        .or_else(|| status::from_text(&text));
    // Newest first on the wire; oldest first here, as the webhook sends them.
    let mut scans: Vec<Scan> = td
        .get("shipment_track_activities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(MAX_SCANS)
        .map(scan)
        .collect();
    scans.reverse();
    let latest = scans.last().map(|s| s.date.clone()).unwrap_or_default();
    let dedup = crate::crypto::hex(&crate::crypto::sha256(
        format!(
            "pull|{awb}|{}|{latest}|{}",
            sid.map(|n| n.to_string()).unwrap_or_default(),
            scans.len()
        )
        .as_bytes(),
    ));
    Some(Update {
        awb: awb.chars().take(80).collect(),
        state,
        status: match sid {
            Some(n) => format!("{n} {text}"),
            None => text,
        }
        .trim()
        .chars()
        .take(80)
        .collect(),
        happened: latest,
        edd: field(td, "etd").chars().take(40).collect(),
        scans,
        dedup,
    })
}

/// One scan as both the webhook and the tracking pull list them (`sr-status` a string or
/// a number); bounded.
fn scan(s: &Value) -> Scan {
    Scan {
        date: normalise_time(field(s, "date")),
        code: s
            .get("sr-status")
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .unwrap_or_default()
            .chars()
            .take(20)
            .collect(),
        activity: field(s, "activity").chars().take(200).collect(),
        location: field(s, "location").chars().take(120).collect(),
    }
}

/// "23 05 2025 11:43:52" → "2025-05-23 11:43:52" (the scans' format, which sorts);
/// anything else kept as written, bounded.
pub fn normalise_time(s: &str) -> String {
    let p: Vec<&str> = s.split([' ', '-', '/']).filter(|x| !x.is_empty()).collect();
    match p.as_slice() {
        [d, m, y, t]
            if y.len() == 4
                && d.len() <= 2
                && m.len() <= 2
                && t.len() <= 8
                && [d, m, y]
                    .iter()
                    .all(|x| x.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{y}-{m:0>2}-{d:0>2} {t}")
        }
        _ => s.trim().chars().take(40).collect(),
    }
}

fn field<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("").trim()
}

fn id_field(v: &Value, k: &str) -> Option<i64> {
    let x = v.get(k)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_sample_reads_as_in_transit_with_both_date_formats() {
        let body = br#"{"awb": "19000000000001", "courier_name": "Delhivery Surface",
 "current_status": "IN TRANSIT", "current_status_id": 20,
 "shipment_status": "IN TRANSIT", "shipment_status_id": 18,
 "current_timestamp": "23 05 2025 11:43:52", "order_id": "ORD-1001", "etd": "2025-05-23 15:40:19",
 "scans": [{"date": "2025-05-19 11:59:16", "status": "X-UCI", "activity": "Manifested - Manifest uploaded", "location": "Origin_Hub (State)", "sr-status": "5", "sr-status-label": "MANIFEST GENERATED"},
   {"date": "2025-05-19 15:32:17", "status": "X-PPOM", "activity": "In Transit - Shipment picked up", "location": "Origin_Hub (State)", "sr-status": "42", "sr-status-label": "PICKED UP"}],
 "is_return": 0}"#;
        let u = read(body).unwrap().unwrap();
        assert_eq!(
            u.state,
            Some(State::InTransit),
            "18 in the shipment table, not 20"
        );
        assert_eq!(u.happened, "2025-05-23 11:43:52");
        assert_eq!(u.scans.len(), 2);
        assert_eq!(u.scans[1].code, "42");
        assert_eq!(u.status, "18 IN TRANSIT");
        assert_eq!(u.dedup.len(), 64);
        assert_eq!(read(b"{}"), Ok(None));
        assert!(read(b"[1]").is_err() && read(b"nope").is_err());
        let back = read(br#"{"awb": "A1", "shipment_status_id": 7, "is_return": 1}"#)
            .unwrap()
            .unwrap();
        assert_eq!(back.state, Some(State::Returned));
    }
}
