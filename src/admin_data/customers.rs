//! Customers for the admin (`/admin/customers`): search by name, email or phone; one
//! customer's orders (their account's, and guest orders placed with the same email),
//! lifetime value, addresses and sign-in history; and the owner's promote-to-staff /
//! demote, written with its audit entry in the caller's one transaction.
//!
//! Lifetime value uses the dashboard's revenue definition (admin_data::reports): `total -
//! refunded` of paid, partially refunded or refunded orders that are not cancelled.

use crate::db::Tx;
use crate::error::{Error, Result};
use crate::shop::accounts::addresses::{self, Address};
use crate::shop::accounts::{self, Customer};
use crate::shop::audit::{self, Actor};
use rusqlite::{Connection, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub role: String,
    pub created_at: i64,
    pub orders: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub number: String,
    pub status: String,
    pub payment_status: String,
    pub total: i64,
    pub created_at: i64,
}

/// A sign-in: a session opened (browser, IP) or a sign-in link / code used.
#[derive(Debug, Clone, PartialEq)]
pub struct SignIn {
    pub at: i64,
    pub how: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub customer: Customer,
    pub orders: Vec<OrderRow>,
    pub order_count: i64,
    pub lifetime_value: i64,
    pub addresses: Vec<Address>,
    pub sign_ins: Vec<SignIn>,
}

fn like(q: &str) -> String {
    format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Customers whose email, name or phone contains `q` (all when empty), newest first,
/// below id `before`.
pub fn search(c: &Connection, q: &str, before: Option<i64>, limit: i64) -> Result<Vec<Row>> {
    let mut st = c.prepare_cached(sql::SEARCH)?;
    let rows = st.query_map(
        params![
            like(q.trim()),
            before.unwrap_or(i64::MAX),
            limit.clamp(1, 200)
        ],
        |r| {
            Ok(Row {
                id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                phone: r.get(3)?,
                role: r.get(4)?,
                created_at: r.get(5)?,
                orders: r.get(6)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn detail(c: &Connection, id: i64) -> Result<Option<Detail>> {
    let Some(customer) = accounts::by_id(c, id)? else {
        return Ok(None);
    };
    let orders = {
        let mut st = c.prepare_cached(sql::ORDERS)?;
        let rows = st.query_map(params![id, customer.email], |r| {
            Ok(OrderRow {
                number: r.get(0)?,
                status: r.get(1)?,
                payment_status: r.get(2)?,
                total: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let (order_count, lifetime_value) = c
        .prepare_cached(sql::LIFETIME)?
        .query_row(params![id, customer.email], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut sign_ins = Vec::new();
    {
        let mut st = c.prepare_cached(sql::SESSIONS)?;
        let rows = st.query_map([id], |r| {
            let admin: bool = r.get(3)?;
            Ok(SignIn {
                at: r.get(0)?,
                how: if admin { "admin session" } else { "session" }.into(),
                ip: r.get(1)?,
                detail: r.get(2)?,
            })
        })?;
        for s in rows {
            sign_ins.push(s?);
        }
        let mut st = c.prepare_cached(sql::USED_REQUESTS)?;
        let rows = st.query_map(params![id, customer.email], |r| {
            Ok(SignIn {
                at: r.get(0)?,
                how: format!(
                    "{} link or code used",
                    r.get::<_, String>(1)?.replace('_', " ")
                ),
                ip: r.get(2)?,
                detail: String::new(),
            })
        })?;
        for s in rows {
            sign_ins.push(s?);
        }
    }
    sign_ins.sort_by_key(|s| std::cmp::Reverse(s.at));
    sign_ins.truncate(30);
    Ok(Some(Detail {
        addresses: addresses::list(c, id)?,
        customer,
        orders,
        order_count,
        lifetime_value,
        sign_ins,
    }))
}

/// The owner makes a customer staff ("staff") or takes it back ("customer"). Owners are
/// not changed here, and nobody changes their own role.
pub fn set_role(tx: &Tx, actor: &Actor, id: i64, role: &str, now: i64) -> Result<Customer> {
    if !matches!(role, "staff" | "customer") {
        return Err(Error::bad_request("A role here is staff or customer."));
    }
    let c =
        accounts::by_id(tx, id)?.ok_or_else(|| Error::not_found("There is no such customer."))?;
    if actor.id == Some(id) {
        return Err(Error::bad_request("You cannot change your own role."));
    }
    if c.role == "owner" {
        return Err(Error::bad_request(
            "An owner's role is changed with `boutique admin`.",
        ));
    }
    if c.role != role {
        accounts::set_role(tx, id, role)?;
        audit::record(
            tx,
            actor,
            "customer.role",
            "customer",
            &id.to_string(),
            &format!("{}: role {} → {role}", c.email, c.role),
            now,
        )?;
    }
    Ok(Customer {
        role: role.to_string(),
        ..c
    })
}

pub mod sql {
    //! SQL of the admin's customer pages.
    pub const SEARCH: &str = "SELECT c.id, c.email, c.name, c.phone, c.role, c.created_at, (SELECT count(*) FROM orders o WHERE o.customer_id = c.id OR o.email = c.email) FROM customers c WHERE (c.email LIKE ?1 ESCAPE '\\' OR c.name LIKE ?1 ESCAPE '\\' OR c.phone LIKE ?1 ESCAPE '\\') AND c.id < ?2 ORDER BY c.id DESC LIMIT ?3";
    pub const ORDERS: &str = "SELECT number, status, payment_status, total, created_at FROM orders WHERE customer_id = ?1 OR email = ?2 ORDER BY created_at DESC, id DESC LIMIT 100";
    pub const LIFETIME: &str = "SELECT count(*), coalesce(sum(CASE WHEN payment_status <> 'unpaid' AND status <> 'cancelled' THEN total - refunded END), 0) FROM orders WHERE customer_id = ?1 OR email = ?2";
    pub const SESSIONS: &str = "SELECT created_at, ip, user_agent, admin FROM sessions WHERE customer_id = ?1 ORDER BY created_at DESC LIMIT 30";
    pub const USED_REQUESTS: &str = "SELECT used_at, purpose, ip FROM sign_in_requests WHERE (customer_id = ?1 OR email = ?2) AND used_at IS NOT NULL ORDER BY used_at DESC LIMIT 30";
    pub const ALL: &[&str] = &[SEARCH, ORDERS, LIFETIME, SESSIONS, USED_REQUESTS];
}
