//! Reading the audit log for the admin (`/admin/audit`): newest first, filtered by actor,
//! target type and a local date range, paged by id (`before=<id>`). Paging by id and not
//! by offset keeps a page stable while new entries arrive: a new row gets a higher id, so
//! it only ever appears on the first page.

use crate::error::Result;
use crate::zone::Zone;
use rusqlite::Connection;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target: String,
    pub summary: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// The actor's name as recorded (the staff email, "system", "shopper").
    pub actor: Option<String>,
    pub target_type: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    /// Entries with a smaller id than this.
    pub before: Option<i64>,
    pub limit: i64,
}

/// One page of entries, newest first.
pub fn list(c: &Connection, f: &Filter) -> Result<Vec<Entry>> {
    let mut q = String::from(sql::LIST_HEAD);
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut add = |q: &mut String, cond: &str, v: rusqlite::types::Value| {
        args.push(v);
        q.push_str(&format!(" AND {cond} ?{}", args.len()));
    };
    if let Some(a) = &f.actor {
        add(&mut q, "actor =", a.clone().into());
    }
    if let Some(t) = &f.target_type {
        add(&mut q, "target_type =", t.clone().into());
    }
    if let Some(t) = f.from {
        add(&mut q, "at >=", t.into());
    }
    if let Some(t) = f.until {
        add(&mut q, "at <", t.into());
    }
    if let Some(b) = f.before {
        add(&mut q, "id <", b.into());
    }
    args.push(f.limit.clamp(1, 200).into());
    q.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
    let mut st = c.prepare_cached(&q)?;
    let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(Entry {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target_type: r.get(4)?,
            target: r.get(5)?,
            summary: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The actors and target types that occur, for the filter menus.
pub fn choices(c: &Connection) -> Result<(Vec<String>, Vec<String>)> {
    let col = |q: &str| -> Result<Vec<String>> {
        let mut st = c.prepare_cached(q)?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok((col(sql::ACTORS)?, col(sql::TARGET_TYPES)?))
}

/// Unix seconds of local midnight starting `YYYY-MM-DD` in the store's zone; None for a
/// date that does not exist (02-31) or is out of range.
pub fn parse_local_date(s: &str, zone: &Zone) -> Option<i64> {
    let (y, m, d) = parse_ymd(s)?;
    zone.day_start(y, m, d)
}

/// `YYYY-MM-DD` → (year, month, day), years 1970 to 9999 (the calendar check is jiff's).
pub fn parse_ymd(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    ((1970..=9999).contains(&y)).then_some((y, m, d))
}

pub mod sql {
    //! SQL of the audit log page (the list is LIST_HEAD plus bound filters).
    pub const LIST_HEAD: &str =
        "SELECT id, at, actor, action, target_type, target, summary FROM audit_log WHERE 1 = 1";
    pub const ACTORS: &str = "SELECT DISTINCT actor FROM audit_log ORDER BY actor";
    pub const TARGET_TYPES: &str =
        "SELECT DISTINCT target_type FROM audit_log ORDER BY target_type";
    pub const ALL: &[&str] = &[LIST_HEAD, ACTORS, TARGET_TYPES];
}
