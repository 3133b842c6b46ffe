//! The owner's writes about people: a customer's role (staff or customer), in one write
//! transaction with its audit entry.

use crate::admin_data::customers;
use crate::app::App;
use crate::error::Result;
use crate::shop::accounts::Customer;
use crate::shop::audit::Actor;

/// Makes customer `id` staff or a plain customer; returns the customer as saved. Refused
/// (400 another role, one's own or the owner's role, 404) with nothing written.
pub fn set_role(app: &App, actor: &Actor, id: i64, role: &str) -> Result<Customer> {
    let now = crate::db::now();
    super::write(app, now, |tx| customers::set_role(tx, actor, id, role, now))
}
