//! The address book: a customer's saved addresses, validated field by field, at most one
//! default. Every read and write is scoped by the owner's id, so one customer can never see
//! or change another's address (a foreign id simply is not found).

use crate::db::Tx;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub is_default: bool,
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Address> {
    Ok(Address {
        id: r.get(0)?,
        name: r.get(1)?,
        phone: r.get(2)?,
        line1: r.get(3)?,
        line2: r.get(4)?,
        city: r.get(5)?,
        region: r.get(6)?,
        postal_code: r.get(7)?,
        country: r.get(8)?,
        is_default: r.get(9)?,
    })
}

fn text(field: &str, v: &str, required: bool, max: usize) -> Result<String> {
    crate::shop::text::single_line(&capitalised(field), v)?;
    let v = v.trim();
    if required && v.is_empty() {
        return Err(Error::bad_request(format!("Please fill in {field}.")));
    }
    if v.chars().count() > max {
        return Err(Error::bad_request(format!(
            "{field} is too long (at most {max} characters)."
        )));
    }
    Ok(v.to_string())
}

/// "the city" → "The city", for the start of an error message.
fn capitalised(field: &str) -> String {
    let mut c = field.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Checks every field and returns the cleaned address (country upper-cased ISO code).
pub fn validate(a: &Address) -> Result<Address> {
    let phone = text("the phone number", &a.phone, true, 24)?;
    crate::shop::accounts::check_phone(&phone)?;
    let country = a.country.trim().to_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::bad_request(
            "Please choose a country (two-letter code, like IN).",
        ));
    }
    let postal_code = text("the postal code", &a.postal_code, true, 12)?;
    if !postal_code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return Err(Error::bad_request(
            "A postal code has letters, digits, spaces or dashes only.",
        ));
    }
    Ok(Address {
        id: a.id,
        name: text("the name", &a.name, true, 80)?,
        phone,
        line1: text("the address", &a.line1, true, 120)?,
        line2: text("the second address line", &a.line2, false, 120)?,
        city: text("the city", &a.city, true, 80)?,
        region: text("the state or region", &a.region, false, 80)?,
        postal_code,
        country,
        is_default: a.is_default,
    })
}

pub fn list(c: &Connection, customer_id: i64) -> Result<Vec<Address>> {
    let mut st = c.prepare_cached(sql::LIST)?;
    let rows = st.query_map([customer_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(c: &Connection, customer_id: i64, id: i64) -> Result<Option<Address>> {
    Ok(c.prepare_cached(sql::GET)?
        .query_row(params![id, customer_id], row)
        .optional()?)
}

/// Adds an address; the first one (or one marked default) becomes the default.
pub fn add(tx: &Tx, customer_id: i64, a: &Address, now: i64) -> Result<i64> {
    let a = validate(a)?;
    let count: i64 = tx.query_row(sql::COUNT, [customer_id], |r| r.get(0))?;
    let make_default = a.is_default || count == 0;
    if count >= 20 {
        return Err(Error::bad_request(
            "An address book holds at most 20 addresses.",
        ));
    }
    if make_default {
        tx.prepare_cached(sql::CLEAR_DEFAULT)?
            .execute([customer_id])?;
    }
    tx.prepare_cached(sql::INSERT)?.execute(params![
        customer_id,
        a.name,
        a.phone,
        a.line1,
        a.line2,
        a.city,
        a.region,
        a.postal_code,
        a.country,
        make_default,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

fn not_found() -> Error {
    Error::not_found("There is no such address in your address book.")
}

pub fn update(tx: &Tx, customer_id: i64, a: &Address) -> Result<()> {
    let a = validate(a)?;
    let n = tx.prepare_cached(sql::UPDATE)?.execute(params![
        a.name,
        a.phone,
        a.line1,
        a.line2,
        a.city,
        a.region,
        a.postal_code,
        a.country,
        a.id,
        customer_id
    ])?;
    if n == 0 { Err(not_found()) } else { Ok(()) }
}

pub fn delete(tx: &Tx, customer_id: i64, id: i64) -> Result<()> {
    let was_default: Option<bool> = tx
        .prepare_cached(sql::IS_DEFAULT)?
        .query_row(params![id, customer_id], |r| r.get(0))
        .optional()?;
    let Some(was_default) = was_default else {
        return Err(not_found());
    };
    tx.prepare_cached(sql::DELETE)?
        .execute(params![id, customer_id])?;
    if was_default {
        // The newest remaining address takes over as the default.
        tx.prepare_cached(sql::PROMOTE_NEWEST)?
            .execute([customer_id])?;
    }
    Ok(())
}

pub fn set_default(tx: &Tx, customer_id: i64, id: i64) -> Result<()> {
    if get(tx, customer_id, id)?.is_none() {
        return Err(not_found());
    }
    tx.prepare_cached(sql::CLEAR_DEFAULT)?
        .execute([customer_id])?;
    tx.prepare_cached(sql::SET_DEFAULT)?
        .execute(params![id, customer_id])?;
    Ok(())
}

pub mod sql {
    //! SQL of the address book; every statement is scoped by customer_id.
    pub const LIST: &str = "SELECT id, name, phone, line1, line2, city, region, postal_code, country, is_default FROM addresses WHERE customer_id = ?1 ORDER BY is_default DESC, id DESC";
    pub const GET: &str = "SELECT id, name, phone, line1, line2, city, region, postal_code, country, is_default FROM addresses WHERE id = ?1 AND customer_id = ?2";
    pub const COUNT: &str = "SELECT count(*) FROM addresses WHERE customer_id = ?1";
    pub const CLEAR_DEFAULT: &str =
        "UPDATE addresses SET is_default = 0 WHERE customer_id = ?1 AND is_default = 1";
    pub const INSERT: &str = "INSERT INTO addresses (customer_id, name, phone, line1, line2, city, region, postal_code, country, is_default, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    pub const UPDATE: &str = "UPDATE addresses SET name = ?1, phone = ?2, line1 = ?3, line2 = ?4, city = ?5, region = ?6, postal_code = ?7, country = ?8 WHERE id = ?9 AND customer_id = ?10";
    pub const IS_DEFAULT: &str =
        "SELECT is_default FROM addresses WHERE id = ?1 AND customer_id = ?2";
    pub const DELETE: &str = "DELETE FROM addresses WHERE id = ?1 AND customer_id = ?2";
    pub const PROMOTE_NEWEST: &str = "UPDATE addresses SET is_default = 1 WHERE id = (SELECT id FROM addresses WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1)";
    pub const SET_DEFAULT: &str =
        "UPDATE addresses SET is_default = 1 WHERE id = ?1 AND customer_id = ?2";
    pub const ALL: &[&str] = &[
        LIST,
        GET,
        COUNT,
        CLEAR_DEFAULT,
        INSERT,
        UPDATE,
        IS_DEFAULT,
        DELETE,
        PROMOTE_NEWEST,
        SET_DEFAULT,
    ];
}
