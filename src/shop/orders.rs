//! Orders as the shopper's account sees them, and the guest → customer link: a guest order
//! carries only its email; it joins the account of that email only once the email is proven
//! (sign-in link or code, or a proven email change), never merely because someone typed it.

use crate::error::Result;
use rusqlite::{Connection, Transaction, params};

/// One row of a customer's order history.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub number: String,
    pub status: String,
    pub payment_status: String,
    pub payment_method: String,
    pub currency: String,
    pub total: i64,
    pub items: i64,
    pub created_at: i64,
}

/// Links every guest order placed with `email` to `customer_id`; returns how many. Call it
/// in the transaction that accepts the proof of that email.
pub fn link_guest_orders(tx: &Transaction, customer_id: i64, email: &str) -> Result<usize> {
    Ok(tx
        .prepare_cached(sql::LINK_GUEST)?
        .execute(params![customer_id, email])?)
}

/// The customer's orders, newest first.
pub fn for_customer(c: &Connection, customer_id: i64, limit: i64) -> Result<Vec<Summary>> {
    let mut st = c.prepare_cached(sql::FOR_CUSTOMER)?;
    let rows = st.query_map(params![customer_id, limit], |r| {
        Ok(Summary {
            number: r.get(0)?,
            status: r.get(1)?,
            payment_status: r.get(2)?,
            payment_method: r.get(3)?,
            currency: r.get(4)?,
            total: r.get(5)?,
            items: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub mod sql {
    //! SQL of orders.
    pub const LINK_GUEST: &str =
        "UPDATE orders SET customer_id = ?1 WHERE email = ?2 AND customer_id IS NULL";
    pub const FOR_CUSTOMER: &str = "SELECT o.number, o.status, o.payment_status, o.payment_method, o.currency, o.total, (SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE order_id = o.id), o.created_at FROM orders o WHERE o.customer_id = ?1 ORDER BY o.created_at DESC, o.id DESC LIMIT ?2";
    pub const ALL: &[&str] = &[LINK_GUEST, FOR_CUSTOMER];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, Sync};

    fn guest_order(tx: &Transaction, n: i64, email: &str, customer: Option<i64>) {
        tx.execute(
            "INSERT INTO orders (number, access_hash, idempotency_key, request_hash, customer_id, email, name, phone, ship_line1, ship_city, ship_postal_code, ship_country, status, payment_method, currency, subtotal, total, created_at, updated_at) VALUES (?1, randomblob(32), ?1, x'00', ?2, ?3, 'A', '9876543210', 'l1', 'c', '1', 'IN', 'confirmed', 'cod', 'INR', 100, 100, ?4, ?4)",
            params![format!("BQ-{n}"), customer, email, n],
        )
        .unwrap();
    }

    #[test]
    fn proven_email_links_only_its_own_guest_orders() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), Sync::Normal, 2).unwrap();
        let (me, other) = db
            .write_tx(|tx| {
                let me = crate::shop::accounts::find_or_create(tx, "me@example.com", 1)?;
                let other = crate::shop::accounts::find_or_create(tx, "other@example.com", 1)?;
                guest_order(tx, 1, "me@example.com", None);
                guest_order(tx, 2, "ME@example.com", None);
                guest_order(tx, 3, "other@example.com", None);
                // Already someone's (placed while signed in): never moved.
                guest_order(tx, 4, "me@example.com", Some(other.id));
                Ok((me.id, other.id))
            })
            .unwrap();
        let c = db.read().unwrap();
        assert!(
            for_customer(&c, me, 50).unwrap().is_empty(),
            "not before proof"
        );
        drop(c);
        let n = db
            .write_tx(|tx| link_guest_orders(tx, me, "me@example.com"))
            .unwrap();
        assert_eq!(n, 2);
        let c = db.read().unwrap();
        let mine: Vec<String> = for_customer(&c, me, 50)
            .unwrap()
            .into_iter()
            .map(|s| s.number)
            .collect();
        assert_eq!(mine, vec!["BQ-2", "BQ-1"]);
        let theirs: Vec<String> = for_customer(&c, other, 50)
            .unwrap()
            .into_iter()
            .map(|s| s.number)
            .collect();
        assert_eq!(theirs, vec!["BQ-4"]);
        drop(c);
        // Linking again is a no-op.
        let again = db
            .write_tx(|tx| link_guest_orders(tx, me, "me@example.com"))
            .unwrap();
        assert_eq!(again, 0);
    }
}
