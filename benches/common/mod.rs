//! What the benchmarks share: a store started on 127.0.0.1:0 from a store.toml written
//! into the bench's own folder, as the tests start theirs (`mod common;` in each bench).

use boutique::app::{self, Options, Running};
use std::path::Path;

/// A fresh folder under target/ that is removed when dropped.
#[allow(dead_code)]
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let _ = std::fs::create_dir_all("target");
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in("target")
        .expect("temp dir under target/")
}

/// Writes `toml` as `dir`/store.toml and starts the real server on it.
pub fn start(dir: &Path, toml: &str) -> Running {
    let config = dir.join("store.toml");
    std::fs::write(&config, toml).expect("write store.toml");
    app::start(Options {
        config_path: Some(config),
        listen: Some("127.0.0.1:0".into()),
        demo: false,
        server: None,
        access_log: false,
        mail_tick: None,
    })
    .expect("store starts")
}

/// The `p` quantile (0..=1) of sorted figures, 0 for none.
#[allow(dead_code)]
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
