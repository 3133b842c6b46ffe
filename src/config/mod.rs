//! `store.toml` → one validated [`Config`], and live reloading of it. This folder owns the
//! config file's layout (sections `[store]`, `[server]`, `[catalog]`, `[email]`, `[cart]`,
//! `[shipping]` with its `[[shipping.zones]]`, `[payments]`; every key optional, defaults =
//! [`Config::default`]), every rule a value must pass, the wording of the errors a shop
//! owner sees (`store.toml:7: [store] currency_digits must be between 0 and 3 (got 9)`),
//! and the [`ConfigHandle`] the rest of the program reads the live config through. The
//! file is read into toml's spanned document tree ([`toml::de::DeTable`]) and walked by
//! hand rather than through serde: that way every error carries the line of the key or
//! value it is about, ALL mistakes in a file are reported at once instead of the first,
//! and unknown keys can come with a "did you mean" hint.
//!
//! Money keys (fees, thresholds) are written in MAJOR units, as a whole number (`99`) or
//! text with decimals (`"99.50"`), and stored as exact integer MINOR units using `[store]
//! currency_digits` (9950 with 2 digits). TOML floats are refused: 0.1 has no exact binary
//! form and an amount must not drift by a paisa. `currency_digits` is read in a pre-pass
//! (`currency_digits_of`), so `[store]` may sit anywhere in the file, or be absent.
//!
//! Hot reload ([`watch`]) follows specs/crates.md: notify-debouncer-full on the file's
//! PARENT directory (editors save by writing a temp file and renaming it over the old one,
//! so a watch on the file itself would follow the old inode), events filtered by file name,
//! `Access` events skipped (reading the file would otherwise trigger the next reload,
//! forever). A bad edit is logged and recorded in [`ConfigHandle::status`]; the last good
//! config stays in force.
//!
//! The parts: `types.rs` (the structs and defaults), `check.rs` (the walk and the typed
//! readers), `sections.rs` (each section's keys and checker), `rules.rs` (the value
//! rules), `reload.rs` (the live handle and the watcher).

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use notify_debouncer_full::notify::event::ModifyKind;
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

mod check;
mod reload;
mod rules;
mod sections;
mod types;

pub use check::{load, parse};
pub use reload::{ConfigHandle, ConfigWatcher, ReloadStatus, reload, watch};
pub use types::*;

use check::*;
use rules::*;
use sections::*;

#[cfg(test)]
mod tests;
