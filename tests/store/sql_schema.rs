//! Every SQL constant in the code is prepared against the real schema, so a renamed column
//! or a typo fails here and not in front of a shopper.

use boutique::db::{Db, Sync};
use boutique::shop::catalog;

/// Every `mod sql` of the sources with its `ALL`, keyed by file: collected by build.rs
/// (`boutique::db::SQL_MODULES`), so no hand list can forget one.
fn sql_modules() -> Vec<(&'static str, &'static [&'static str])> {
    boutique::db::SQL_MODULES.to_vec()
}

/// Reads the sources: each file with a `mod sql` is in `sql_modules()`, and each
/// `pub const NAME: &str` of that module is named in its `ALL` (prepared below) or in its
/// `NOT_PREPARED` (which says why it cannot be).
#[test]
fn every_sql_module_and_constant_is_in_the_prepare_list() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed: Vec<&str> = sql_modules().iter().map(|(f, _)| *f).collect();
    // Every source file, in every folder (the generator and this check read the same tree).
    fn walk(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(p).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    assert!(
        listed.len() >= 20,
        "the generated list is suspiciously short: {listed:?}"
    );
    let mut bad = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Some(at) = text.find("pub mod sql {") else {
            continue;
        };
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        if !listed.contains(&rel.as_str()) {
            bad.push(format!("{rel}: its mod sql is not in sql_modules()"));
            continue;
        }
        // The module's text up to its closing brace at the start of a line.
        let block = &text[at..];
        let block = &block[..block.find("\n}").unwrap_or(block.len())];
        if !block.contains("pub const ALL") {
            bad.push(format!("{rel}: mod sql has no ALL"));
            continue;
        }
        // ALL, and NOT_PREPARED when the module has one (fragments, batches, statements
        // on another database), together.
        let list_of = |name: &str| {
            block.find(name).map(|i| {
                let l = &block[i..];
                l[..l.find("];").unwrap_or(l.len())].to_string()
            })
        };
        let all = list_of("pub const ALL").unwrap_or_default()
            + &list_of("pub const NOT_PREPARED").unwrap_or_default();
        for line in block.lines() {
            let Some(rest) = line.trim().strip_prefix("pub const ") else {
                continue;
            };
            let Some((name, ty)) = rest.split_once(':') else {
                continue;
            };
            let named = all
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name);
            if ty.trim_start().starts_with("&str") && !named {
                bad.push(format!(
                    "{rel}: sql::{name} is in neither ALL nor NOT_PREPARED"
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn every_sql_constant_prepares_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let conn = db.read().unwrap();
    let mut all: Vec<String> = Vec::new();
    for (_, list) in sql_modules() {
        all.extend(list.iter().map(|s| s.to_string()));
    }
    // The listing query is assembled from fragments; prepare its widest shapes too.
    all.push(format!(
        "{}{} AND p.in_stock = 1 ORDER BY p.min_price LIMIT ?",
        catalog::sql::LIST_IDS,
        catalog::sql::LIST_IN_CATEGORY
    ));
    for sql in &all {
        if let Err(e) = conn.prepare(sql) {
            panic!("does not prepare: {e}\n{sql}");
        }
    }
    // And the real builder with every option set, against real data shapes.
    let q = catalog::ListQuery {
        category_id: Some(1),
        sort: catalog::Sort::PriceDesc,
        in_stock_only: true,
        options: vec![
            ("Size".into(), vec!["M".into(), "L".into()]),
            ("Colour".into(), vec!["Indigo".into()]),
        ],
        after: Some(catalog::Cursor { key: 100, id: 5 }),
        limit: 10,
    };
    catalog::list(&conn, &q).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v as usize, boutique::db::MIGRATIONS.len());
}

#[test]
fn stock_cannot_go_negative_and_every_change_is_in_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let now = boutique::db::now();
    let (_, vid) = db
        .write_tx(|tx| catalog::create_simple_product(tx, "mug", "Mug", "MUG-1", 500, 3, now))
        .unwrap();
    let err = db
        .write_tx(|tx| catalog::adjust_stock(tx, vid, -4, "damaged", "test", "", now))
        .unwrap_err();
    assert_eq!(err.status(), 409);
    db.write_tx(|tx| catalog::adjust_stock(tx, vid, -2, "damaged", "test", "", now))
        .unwrap();
    db.write_tx(|tx| catalog::adjust_stock(tx, vid, 5, "received", "test", "", now))
        .unwrap();
    // A raw UPDATE below zero is refused by the CHECK constraint itself.
    assert!(
        db.write_tx(|tx| Ok(tx.execute("UPDATE variants SET stock = -1 WHERE id = ?1", [vid])?))
            .is_err()
    );
    let conn = db.read().unwrap();
    assert!(catalog::ledger_mismatches(&conn).unwrap().is_empty());
    let stock: i64 = conn
        .query_row("SELECT stock FROM variants WHERE id = ?1", [vid], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stock, 6);
    // Duplicate SKU: a clear conflict.
    let dup = db.write_tx(|tx| {
        catalog::create_variant(
            tx,
            1,
            &catalog::NewVariant {
                sku: "MUG-1",
                options: &[],
                price: 1,
                compare_at: None,
                stock: 0,
                low_stock_threshold: None,
                weight_grams: 0,
                position: 1,
            },
            now,
        )
    });
    assert_eq!(dup.unwrap_err().status(), 409);
}

#[test]
fn categories_nest_one_level_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let now = boutique::db::now();
    let res = db.write_tx(|tx| {
        let a = catalog::create_category(
            tx,
            &catalog::NewCategory {
                parent_id: None,
                slug: "a",
                name: "A",
                description: "",
                position: 0,
            },
            now,
        )?;
        let b = catalog::create_category(
            tx,
            &catalog::NewCategory {
                parent_id: Some(a),
                slug: "b",
                name: "B",
                description: "",
                position: 0,
            },
            now,
        )?;
        catalog::create_category(
            tx,
            &catalog::NewCategory {
                parent_id: Some(b),
                slug: "c",
                name: "C",
                description: "",
                position: 0,
            },
            now,
        )
    });
    assert!(res.is_err(), "a grandchild category must be refused");
    // Nor can a category be its own parent.
    let own = db.write_tx(|tx| {
        let a = catalog::create_category(
            tx,
            &catalog::NewCategory {
                parent_id: None,
                slug: "solo",
                name: "Solo",
                description: "",
                position: 0,
            },
            now,
        )?;
        tx.execute("UPDATE categories SET parent_id = id WHERE id = ?1", [a])?;
        Ok(())
    });
    assert!(own.is_err(), "a category cannot be its own parent");
}

/// The schema as SQLite stores it: every table, index, trigger and view with its SQL, and
/// every table's columns in order.
fn schema_of(path: &std::path::Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut out: Vec<String> = c
        .prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name",
        )
        .unwrap()
        .query_map([], |r| {
            Ok(format!(
                "{} {} on {}: {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in tables {
        let cols: Vec<String> = c
            .prepare("SELECT name || ' ' || type || ' ' || \"notnull\" || ' ' || coalesce(dflt_value, '') FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap()
            .query_map([&t], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.push(format!("{t}: {}", cols.join(", ")));
    }
    out
}

/// A database left at any earlier schema version (what an earlier release made, with a
/// few rows in it) is upgraded in order by `Db::open` to exactly the schema of a fresh
/// one, and `user_version` records the last migration.
#[test]
fn a_database_of_every_earlier_version_upgrades_to_the_fresh_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    drop(Db::open(&fresh, Sync::Normal, 1).unwrap());
    let want = schema_of(&fresh);
    let n = boutique::db::MIGRATIONS.len();
    assert!(n >= 3, "schema.sql and at least two migrations");
    for version in 1..n {
        let path = dir.path().join(format!("v{version}.db"));
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            for m in &boutique::db::MIGRATIONS[..version] {
                c.execute_batch(m).unwrap();
            }
            c.pragma_update(None, "user_version", version as i64)
                .unwrap();
            // Rows an older store would hold, so the upgrade runs over data.
            c.execute_batch(
                "INSERT INTO categories (slug, name, description, created_at) VALUES ('c', 'C', 'a\r\nb', 0);
                 INSERT INTO products (slug, title, description, status, category_id, created_at, updated_at)
                 VALUES ('p', 'P', 'one\r\ntwo', 'active', 1, 0, 0);",
            )
            .unwrap();
            if version < 4 {
                // A queued mail from before the outbox became general (migration 4).
                c.execute_batch(
                    "INSERT INTO outbox (kind, idempotency_key, recipient, subject, template, body_text, body_html, next_attempt_at, created_at)
                     VALUES ('email', 'old/1', 'a@b.test', 'Hello', 'order-confirmation', 'Text \"quoted\"', '<p>Html</p>', 5, 5);",
                )
                .unwrap();
            }
        }
        drop(Db::open(&path, Sync::Normal, 1).unwrap());
        let got = schema_of(&path);
        assert_eq!(got, want, "upgraded from version {version}");
        let c = rusqlite::Connection::open(&path).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, n, "from version {version}");
        let kept: i64 = c
            .query_row("SELECT count(*) FROM products WHERE slug = 'p'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, 1, "rows survive the upgrade from version {version}");
        // Migration 3 stores line endings one way (issue 9): no CR is left (the rows
        // above were written after it for a version-3 database, as its edge would not).
        let crs: i64 = c
            .query_row(
                "SELECT (SELECT count(*) FROM products WHERE instr(description, char(13)) > 0) + (SELECT count(*) FROM categories WHERE instr(description, char(13)) > 0)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if version < 3 {
            assert_eq!(crs, 0, "from version {version}");
        }
        // Migration 4 moves the email bodies into the JSON payload, keeping the row.
        if version < 4 {
            let (id, kind, payload): (i64, String, String) = c
                .query_row(
                    "SELECT id, kind, payload FROM outbox WHERE idempotency_key = 'old/1'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!((id, kind.as_str()), (1, "email"));
            let body: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert_eq!(body["text"], "Text \"quoted\"");
            assert_eq!(body["html"], "<p>Html</p>");
        }
    }
}
