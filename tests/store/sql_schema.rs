//! Every SQL constant in the code is prepared against the real schema, so a renamed column
//! or a typo fails here and not in front of a shopper.

use boutique::db::{Db, Sync};
use boutique::shop::{catalog, demo, ops, outbox};

#[test]
fn every_sql_constant_prepares_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("store.db"), Sync::Normal, 2).unwrap();
    let conn = db.read().unwrap();
    let mut all: Vec<String> = Vec::new();
    use boutique::shop::{
        accounts, addresses, audit, cart, checkout, coupons, orders, sessions, signin,
    };
    for list in [
        catalog::sql::ALL,
        boutique::shop::catalog_admin::sql::ALL,
        boutique::shop::stock::sql::ALL,
        boutique::shop::merch::sql::ALL,
        boutique::shop::coupons_admin::sql::ALL,
        demo::sql::ALL,
        ops::sql::ALL,
        sessions::sql::ALL,
        outbox::sql::ALL,
        signin::sql::ALL,
        accounts::sql::ALL,
        boutique::db::sql::ALL,
        addresses::sql::ALL,
        boutique::shop::csv_io::sql::ALL,
        orders::sql::ALL,
        cart::sql::ALL,
        coupons::sql::ALL,
        checkout::sql::ALL,
        audit::sql::ALL,
    ] {
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
