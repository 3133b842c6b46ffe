//! The product CSV import's dry run (parse, validate, plan) against an in-memory SQLite with
//! the real schema. preview() writes nothing, so one database serves every run.
//! Properties: never panics; a result is either a plan with one row per data line or a 4xx.
#![no_main]

use boutique::admin_data::csv_io;
use boutique::views::format::Money;
use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};

fn db() -> &'static Mutex<rusqlite::Connection> {
    static DB: OnceLock<Mutex<rusqlite::Connection>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut c = rusqlite::Connection::open_in_memory().expect("in-memory sqlite");
        boutique::db::migrate(&mut c).expect("schema");
        Mutex::new(c)
    })
}

fuzz_target!(|data: &[u8]| {
    let money = Money {
        symbol: "₹".into(),
        digits: 2,
        indian_grouping: true,
    };
    let c = db().lock().unwrap_or_else(|e| e.into_inner());
    match csv_io::preview(&c, data, &money) {
        Ok(plan) => {
            assert!(!plan.rows.is_empty());
            assert!(plan.rows.iter().all(|r| r.line >= 2));
        }
        Err(e) => assert!(
            (400..500).contains(&e.status()),
            "status {} for {:?}",
            e.status(),
            e
        ),
    }
});
