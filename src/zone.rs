//! The store's time zone: `[store] time_zone`, either an IANA name (`Asia/Kolkata`,
//! `Europe/Paris`: daylight saving right, through jiff and the time zone database compiled
//! into the binary, so a server without tzdata still knows every zone) or a fixed UTC
//! offset (`+05:30`, kept from earlier releases). Everything that shows a date or cuts
//! time into local days — order pages, the dashboard's days, the audit filter, scheduled
//! banners — asks a [`Zone`], never adds a fixed number of minutes, because in a zone with
//! daylight saving a day is 23 or 25 hours twice a year.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, Zoned};

/// A checked time zone. Cheap to clone (the zone data is shared).
#[derive(Clone)]
pub struct Zone {
    /// As the owner wrote it (normalised for offsets: `+05:30`).
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// `"Europe/Paris"`, `"UTC"`, `"+05:30"` or `"-04:00"`; the error says what is accepted.
    pub fn parse(s: &str) -> Result<Zone, String> {
        if s.starts_with(['+', '-']) {
            return parse_offset(s).map(Zone::fixed_minutes);
        }
        let known = s.contains('/') || s == "UTC";
        match TimeZone::get(s) {
            Ok(tz) if known => Ok(Zone {
                name: tz.iana_name().unwrap_or(s).to_string(),
                tz,
            }),
            _ => Err(refused(s)),
        }
    }

    pub fn utc() -> Zone {
        Zone::fixed_minutes(0)
    }

    /// A fixed offset east of UTC, in minutes (330 = `+05:30`).
    pub fn fixed_minutes(minutes: i32) -> Zone {
        let sign = if minutes < 0 { '-' } else { '+' };
        let m = minutes.unsigned_abs();
        let offset = Offset::from_seconds(minutes * 60).unwrap_or(Offset::UTC);
        Zone {
            name: format!("{sign}{:02}:{:02}", m / 60, m % 60),
            tz: TimeZone::fixed(offset),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset from UTC in force at unix second `t`, in seconds.
    pub fn offset_secs(&self, t: i64) -> i64 {
        i64::from(self.tz.to_offset(timestamp(t)).seconds())
    }

    fn zoned(&self, t: i64) -> Zoned {
        timestamp(t).to_zoned(self.tz.clone())
    }

    /// The local calendar date of unix second `t`: (year, month, day).
    pub fn date(&self, t: i64) -> (i32, u32, u32) {
        let d = self.zoned(t).date();
        (i32::from(d.year()), d.month() as u32, d.day() as u32)
    }

    /// The local wall-clock time of unix second `t`: (hour, minute).
    pub fn time(&self, t: i64) -> (u32, u32) {
        let z = self.zoned(t);
        (z.hour() as u32, z.minute() as u32)
    }

    /// The unix second at which the local day that holds `t` began.
    pub fn midnight(&self, t: i64) -> i64 {
        self.zoned(t)
            .start_of_day()
            .map_or(t - t.rem_euclid(86_400), |z| z.timestamp().as_second())
    }

    /// The unix second at which the local day after the one that holds `t` begins.
    pub fn next_midnight(&self, t: i64) -> i64 {
        let z = self.zoned(t);
        z.tomorrow()
            .and_then(|z| z.start_of_day())
            .map_or(self.midnight(t) + 86_400, |z| z.timestamp().as_second())
    }

    /// The unix second at which local date `y-m-d` began; None for a date that does not
    /// exist.
    pub fn day_start(&self, y: i32, m: u32, d: u32) -> Option<i64> {
        let z = civil_date(y, m, d)?.to_zoned(self.tz.clone()).ok()?;
        Some(z.timestamp().as_second())
    }

    /// The unix second of local `y-m-d hh:mm` (in a gap left by daylight saving, the
    /// moment after it; in an overlap, the earlier of the two).
    pub fn local_time(&self, y: i32, m: u32, d: u32, hh: u32, mm: u32) -> Option<i64> {
        let dt = civil_date(y, m, d)?.at(i8::try_from(hh).ok()?, i8::try_from(mm).ok()?, 0, 0);
        let z = dt.to_zoned(self.tz.clone()).ok()?;
        Some(z.timestamp().as_second())
    }
}

/// The calendar date y-m-d; None for one that does not exist.
fn civil_date(y: i32, m: u32, d: u32) -> Option<Date> {
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

fn timestamp(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

/// What the owner reads when `s` is neither a zone name nor an offset.
fn refused(s: &str) -> String {
    format!(
        "time_zone must be a UTC offset like \"+05:30\", \"+00:00\" or \"-04:00\", or a time zone name like \"Asia/Kolkata\" or \"Europe/Paris\" (got \"{s}\")"
    )
}

/// `"+05:30"` → 330, `"-04:00"` → -240. Offsets on Earth run from -12:00 to +14:00.
fn parse_offset(s: &str) -> Result<i32, String> {
    let bad = || refused(s);
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return Err(bad());
    }
    let sign = if b[0] == b'-' { -1 } else { 1 };
    let num = |part: &str| -> Option<i32> {
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(h), Some(m)) = (num(&s[1..3]), num(&s[4..6])) else {
        return Err(bad());
    };
    let minutes = sign * (h * 60 + m);
    if m > 59 || !(-12 * 60..=14 * 60).contains(&minutes) {
        return Err(bad());
    }
    Ok(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_names_parse() {
        assert_eq!(Zone::parse("+05:30").unwrap().offset_secs(0), 19_800);
        assert_eq!(Zone::parse("-04:00").unwrap().name(), "-04:00");
        assert!(Zone::parse("+5:30").is_err());
        assert!(Zone::parse("+15:00").is_err());
        assert!(Zone::parse("IST").is_err());
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert_eq!(Zone::parse("UTC").unwrap().offset_secs(0), 0);
        assert_eq!(Zone::parse("Asia/Kolkata").unwrap().offset_secs(0), 19_800);
    }

    #[test]
    fn daylight_saving_makes_days_of_23_and_25_hours() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        // 2026-03-29: clocks go from 02:00 to 03:00.
        let spring = paris.day_start(2026, 3, 29).unwrap();
        assert_eq!(paris.next_midnight(spring) - spring, 23 * 3600);
        assert_eq!(paris.offset_secs(spring), 3600);
        assert_eq!(paris.offset_secs(spring + 23 * 3600), 7200);
        // 2026-10-25: clocks go from 03:00 back to 02:00.
        let autumn = paris.day_start(2026, 10, 25).unwrap();
        assert_eq!(paris.next_midnight(autumn) - autumn, 25 * 3600);
        // Midnight of any moment of the day is the day's start; the date is local.
        assert_eq!(paris.midnight(autumn + 24 * 3600), autumn);
        assert_eq!(paris.date(autumn), (2026, 10, 25));
        assert_eq!(paris.date(autumn - 1), (2026, 10, 24));
        // 09:30 local on a summer day is 07:30 UTC.
        let t = paris.local_time(2026, 7, 1, 9, 30).unwrap();
        assert_eq!(paris.time(t), (9, 30));
        assert_eq!(
            t,
            Zone::parse("UTC")
                .unwrap()
                .local_time(2026, 7, 1, 7, 30)
                .unwrap()
        );
    }
}
