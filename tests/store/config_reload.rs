//! store.toml hot reload against the running store: a good edit shows on the home page
//! without a restart; a bad edit is refused and the last good config keeps serving.

use crate::common;
use common::{BASE_CONFIG, Store};
use std::time::{Duration, Instant};

/// Saves like an editor does: write a temp file, then rename it over the config.
fn save(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("toml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn wait_for(s: &Store, needle: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if s.get("/").text().contains(needle) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn good_edit_applies_and_bad_edit_keeps_the_last_good_config() {
    let s = Store::empty();
    assert!(s.get("/").text().contains("Test Boutique"));
    save(
        &s.config,
        &BASE_CONFIG.replace("Test Boutique", "Renamed Boutique"),
    );
    assert!(
        wait_for(&s, "Renamed Boutique"),
        "good edit applied without restart"
    );

    save(
        &s.config,
        &BASE_CONFIG.replace(
            "name = \"Test Boutique\"",
            "name = \"Broken\"\ncurrency_digits = 42",
        ),
    );
    std::thread::sleep(Duration::from_millis(1500));
    let html = s.get("/").text();
    assert!(html.contains("Renamed Boutique"), "bad edit ignored");
    assert!(!html.contains("Broken"));
    let status = s.app().config.status();
    assert!(
        status
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("store.toml:"),
        "{status:?}"
    );

    save(
        &s.config,
        &BASE_CONFIG.replace("Test Boutique", "Fixed Boutique"),
    );
    assert!(
        wait_for(&s, "Fixed Boutique"),
        "a later good edit applies again"
    );
    assert!(s.app().config.status().last_error.is_none());
}
