//! Customers: found or created when an email is proven, with a role (customer, staff,
//! owner) that decides access to the admin.

pub mod addresses;
pub mod sessions;
pub mod signin;

use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub role: String,
    pub created_at: i64,
}

impl Customer {
    pub fn is_staff(&self) -> bool {
        matches!(self.role.as_str(), "staff" | "owner")
    }
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Customer> {
    Ok(Customer {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        role: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// The customer with this (already normalised) email, created on first sign-in.
pub fn find_or_create(tx: &Tx, email: &str, now: i64) -> Result<Customer> {
    tx.prepare_cached(sql::INSERT_IGNORE)?
        .execute(params![email, now])?;
    Ok(tx.prepare_cached(sql::BY_EMAIL)?.query_row([email], row)?)
}

pub fn by_id(c: &Connection, id: i64) -> Result<Option<Customer>> {
    Ok(c.prepare_cached(sql::BY_ID)?
        .query_row([id], row)
        .optional()?)
}

/// The one rule for phone numbers (profile, addresses, checkout): digits, spaces and
/// + - ( ) only, with 6 to 15 digits in all.
pub fn check_phone(phone: &str) -> Result<()> {
    let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if allowed && (6..=15).contains(&digits) {
        Ok(())
    } else {
        Err(Error::bad_request(
            "Please enter a phone number with 6 to 15 digits, like +91 98765 43210.",
        ))
    }
}

/// Checks and saves the name and phone a customer gives (both optional).
pub fn update_profile(tx: &Tx, id: i64, name: &str, phone: &str) -> Result<()> {
    let name = name.trim();
    let phone = phone.trim();
    if name.chars().count() > 80 || name.chars().any(|c| c.is_control()) {
        return Err(Error::bad_request(
            "Please keep your name under 80 characters.",
        ));
    }
    if !phone.is_empty() {
        check_phone(phone)?;
    }
    tx.prepare_cached(sql::SET_PROFILE)?
        .execute(params![name, phone, id])?;
    Ok(())
}

/// Moves customer `id` to a proven new address. Refused when another account already has
/// it (the two accounts are not merged silently: the shopper signs in with that one).
pub fn change_email(tx: &Tx, id: i64, new_email: &str) -> Result<()> {
    let holder: Option<i64> = tx
        .prepare_cached(sql::ID_BY_EMAIL)?
        .query_row([new_email], |r| r.get(0))
        .optional()?;
    match holder {
        Some(h) if h == id => Ok(()),
        Some(_) => Err(Error::conflict(
            "That email address already has its own account. Sign out and sign in with it instead.",
        )),
        None => {
            tx.prepare_cached(sql::SET_EMAIL)?
                .execute(params![new_email, id])?;
            Ok(())
        }
    }
}

/// Sets a role; `role` must be customer, staff or owner.
pub fn set_role(tx: &Tx, id: i64, role: &str) -> Result<()> {
    if !matches!(role, "customer" | "staff" | "owner") {
        return Err(Error::bad_request("A role is customer, staff or owner."));
    }
    tx.prepare_cached(sql::SET_ROLE)?
        .execute(params![role, id])?;
    Ok(())
}

/// The server's 32-byte HMAC secret, made on first use and kept in the database (so it
/// survives restarts and travels with backups).
pub fn hmac_key(tx: &Tx) -> Result<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let existing: Option<String> = tx
        .prepare_cached(sql::GET_KEY)?
        .query_row([], |r| r.get(0))
        .optional()?;
    if let Some(k) = existing
        && let Ok(bytes) = STANDARD.decode(k)
        && bytes.len() == 32
    {
        return Ok(bytes);
    }
    let key = crate::crypto::random_bytes::<32>();
    tx.prepare_cached(sql::SET_KEY)?
        .execute([STANDARD.encode(key)])?;
    Ok(key.to_vec())
}

pub mod sql {
    //! SQL of customers and the server key.
    pub const INSERT_IGNORE: &str =
        "INSERT INTO customers (email, created_at) VALUES (?1, ?2) ON CONFLICT (email) DO NOTHING";
    pub const BY_EMAIL: &str =
        "SELECT id, email, name, phone, role, created_at FROM customers WHERE email = ?1";
    pub const BY_ID: &str =
        "SELECT id, email, name, phone, role, created_at FROM customers WHERE id = ?1";
    pub const SET_ROLE: &str = "UPDATE customers SET role = ?1 WHERE id = ?2";
    pub const ID_BY_EMAIL: &str = "SELECT id FROM customers WHERE email = ?1";
    pub const SET_EMAIL: &str = "UPDATE customers SET email = ?1 WHERE id = ?2";
    pub const SET_PROFILE: &str = "UPDATE customers SET name = ?1, phone = ?2 WHERE id = ?3";
    pub const GET_KEY: &str = "SELECT value FROM meta WHERE key = 'hmac_key'";
    pub const SET_KEY: &str = "INSERT OR REPLACE INTO meta (key, value) VALUES ('hmac_key', ?1)";
    pub const ALL: &[&str] = &[
        INSERT_IGNORE,
        BY_EMAIL,
        BY_ID,
        SET_ROLE,
        ID_BY_EMAIL,
        SET_EMAIL,
        SET_PROFILE,
        GET_KEY,
        SET_KEY,
    ];
}
