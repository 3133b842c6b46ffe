//! Write benchmark: how many single-row write transactions per second the store commits
//! with `synchronous = FULL` (the default: every commit survives a power cut) versus
//! `NORMAL` (the last commits may be lost on power loss, never corrupted). Each transaction
//! is one `catalog::adjust_stock` (+1 then -1, alternating) through `Db::write_tx`: the
//! UPDATE, its summary trigger and a stock-ledger row, like one stock correction.
//!
//! Usage: `cargo bench --bench writes -- [DIR] [N]` (default: a temp dir under the current
//! directory, N = 2000). DIR must be on the disk the store would use: on tmpfs fsync is
//! free and FULL would look as fast as NORMAL.

use boutique::db::{Db, Sync};
use boutique::error::Result;
use boutique::shop::catalog;
use std::path::Path;
use std::time::Instant;

fn main() {
    let pos: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let parent = pos.first().map(String::as_str).unwrap_or(".");
    let n: usize = match pos.get(1).map(|s| s.parse()) {
        None => 2000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: cargo bench --bench writes -- [DIR] [N]");
            std::process::exit(2);
        }
    };
    let dir = match tempfile::Builder::new()
        .prefix("boutique-writes-")
        .tempdir_in(parent)
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot make a temp dir in {parent}: {e}");
            std::process::exit(1);
        }
    };
    println!("| synchronous | transactions | seconds | writes/s | mean ms/commit |");
    println!("|---|---:|---:|---:|---:|");
    for (name, sync) in [("FULL", Sync::Full), ("NORMAL", Sync::Normal)] {
        match run(&dir.path().join(format!("{name}.db")), sync, n) {
            Ok(secs) => println!(
                "| {name} | {n} | {secs:.3} | {:.0} | {:.3} |",
                n as f64 / secs,
                secs * 1000.0 / n as f64
            ),
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(1);
            }
        }
    }
}

/// Seconds taken by `n` adjust_stock transactions on a fresh database.
fn run(path: &Path, sync: Sync, n: usize) -> Result<f64> {
    let db = Db::open(path, sync, 1)?;
    let now = boutique::db::now();
    let (_, variant) = db.write_tx(|tx| {
        catalog::create_simple_product(
            tx,
            "bench-product",
            "Bench Product",
            "BENCH-1",
            1000,
            10,
            now,
        )
    })?;
    let started = Instant::now();
    for i in 0..n {
        let delta = if i.is_multiple_of(2) { 1 } else { -1 };
        db.write_tx(|tx| {
            catalog::adjust_stock(tx, variant, delta, "correction", "bench", "", now)
        })?;
    }
    Ok(started.elapsed().as_secs_f64())
}
