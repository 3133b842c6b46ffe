//! The dependency rule of `src/lib.rs`, checked by reading the sources: which folders may
//! name which others (`crate::x` paths, in `use` lines or inline), that the web handlers
//! never open a write transaction or wake a worker themselves (the `service` layer does),
//! and that the outside world (`remote`) is reached only from the outbox worker and the
//! card-payment use cases.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    walk(&root, &mut out);
    assert!(!out.is_empty(), "no sources under {}", root.display());
    out
}

/// The code of a file without its comments (a `//` to the end of the line; the sources
/// keep `//` out of string literals that matter here).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once("//").map_or(l, |(c, _)| c))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module named as `crate::name` (also `crate::{a, b}`) in the code.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let code = code(text);
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

/// Each file of `dir` names only the `allowed` modules; returns the offences.
fn only(dir: &str, allowed: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in sources(dir) {
        for m in crate_paths(&text) {
            if !allowed.contains(&m.as_str()) {
                bad.push(format!("{} uses crate::{m}", path.display()));
            }
        }
    }
    bad
}

#[test]
fn the_path_scanner_reads_use_groups_and_inline_paths() {
    let found = crate_paths(
        "use crate::{error::Error, shop::cart};\nlet x = crate::db::now(); // crate::web\n",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["db", "error", "shop"]
    );
}

#[test]
fn http_names_nothing_of_ours_but_error() {
    let bad = only("http", &["error"]);
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn views_name_only_domain_types_money_and_the_store_settings() {
    // `money` for Money; `config` for `StoreConfig`, which Money is made from; the admin
    // read models (`admin_data`) and outbox rows (`jobs`) are the admin pages' domain types;
    // `zone` says which local day and time an instant is.
    let bad = only(
        "views",
        &["shop", "money", "zone", "config", "admin_data", "jobs"],
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_domain_never_names_the_layers_above_it() {
    let mut bad = Vec::new();
    for (path, text) in sources("shop") {
        for m in crate_paths(&text) {
            if ["app", "service", "web", "views", "remote"].contains(&m.as_str()) {
                bad.push(format!("{} uses crate::{m}", path.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn web_handlers_leave_every_write_to_the_service_layer() {
    let mut bad = Vec::new();
    for (path, text) in sources("web") {
        let code = code(&text);
        for needle in ["write_tx", "mail_wake"] {
            if code.contains(needle) {
                bad.push(format!("{} calls {needle}", path.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_outside_world_is_reached_only_from_the_outbox_worker_and_the_card_use_cases() {
    let mut users = Vec::new();
    for dir in [
        "app.rs",
        "shop",
        "service",
        "web",
        "views",
        "http",
        "jobs",
        "admin_data",
    ] {
        let files = if dir.ends_with(".rs") {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
            vec![(p.clone(), std::fs::read_to_string(&p).unwrap())]
        } else {
            sources(dir)
        };
        for (path, text) in files {
            if crate_paths(&text).contains("remote") {
                users.push(
                    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    // The card use cases wait for the gateway while the shopper does (its payment page)
    // and while the owner re-checks; both outside any transaction.
    users.sort();
    // The courier use cases run on the worker's thread (booking) and talk to Shiprocket
    // with no transaction open.
    assert_eq!(
        users,
        [
            "src/jobs/worker.rs",
            "src/service/payments.rs",
            "src/service/shipping.rs"
        ]
    );
}
