//! Account writes: asking for a sign-in (or email-change) link and code, using the code or
//! the link, completing the sign-in (customer, guest orders, bag merge, session), moving an
//! account to a proven address, the profile, the address book and signing out.

use super::notices;
use crate::app::App;
use crate::error::{Error, Result};
use crate::shop::accounts::addresses::{self, Address};
use crate::shop::accounts::sessions::{self, Session};
use crate::shop::accounts::{self, signin};
use crate::shop::{cart, orders};

/// Records a sign-in request for `raw_email` (or, with `change_for`, a request to move that
/// customer to it), queues the mail with the link and code and wakes the mail worker.
/// Returns the normalised address. Refused (400) for an invalid address, 429 over the
/// sign-in or mail limits; nothing is written then.
pub fn request_code(
    app: &App,
    s: &Session,
    raw_email: &str,
    next: &str,
    change_for: Option<i64>,
    client_ip: &str,
) -> Result<String> {
    let now = crate::db::now();
    let store = app.cfg();
    let email = super::write(app, now, |tx| {
        let email = signin::normalize_email(raw_email)?;
        match change_for {
            None => {
                let issued = signin::request(tx, &app.hmac, &email, s.id, next, client_ip, now)?;
                notices::sign_in(tx, &store, &email, &issued, now)?;
            }
            Some(cid) => {
                let issued =
                    signin::request_change(tx, &app.hmac, &email, s.id, cid, client_ip, now)?;
                notices::confirm_new_email(tx, &store, &email, &issued, now)?;
            }
        }
        Ok(email)
    })?;
    app.mail_wake().notify();
    Ok(email)
}

/// Tries the code typed on the session's "check your email" page: the proof when right,
/// and the tries left either way (a wrong code counts).
pub fn use_code(app: &App, s: &Session, code: &str) -> Result<(Option<signin::Proven>, i64)> {
    let now = crate::db::now();
    super::write(app, now, |tx| {
        let p = signin::use_code(tx, &app.hmac, s.id, code, now)?;
        Ok((p, signin::tries_left(tx, s.id)?))
    })
}

/// What opening a mailed link did.
pub enum LinkUse {
    Proven(signin::Proven),
    /// Expired or used already: for whom and where it led (to offer a new one), if known.
    Spent(Option<(String, String)>),
}

/// Uses a mailed link (once).
pub fn use_link(app: &App, token: &str) -> Result<LinkUse> {
    let now = crate::db::now();
    match super::write(app, now, |tx| signin::use_link(tx, token, now))? {
        Some(p) => Ok(LinkUse::Proven(p)),
        None => Ok(LinkUse::Spent(signin::spent_link(&*app.db.read()?, token)?)),
    }
}

/// Moves customer `cid` to the proven address (its guest orders join the account) and tells
/// the old address, in one transaction.
pub fn change_email(app: &App, cid: i64, proven: &signin::Proven) -> Result<()> {
    let now = crate::db::now();
    let store = app.cfg();
    super::write(app, now, |tx| {
        let me = accounts::by_id(tx, cid)?
            .ok_or_else(|| Error::not_found("This account no longer exists."))?;
        accounts::change_email(tx, cid, &proven.email)?;
        orders::link_guest_orders(tx, cid, &proven.email)?;
        if !me.email.eq_ignore_ascii_case(&proven.email) {
            notices::email_changed(tx, &store, &me.email, &proven.email, proven.request_id, now)?;
        }
        Ok(())
    })?;
    app.mail_wake().notify();
    Ok(())
}

/// Signs session `s` in as the owner of the proven address, in one transaction: the
/// customer (made on first sign-in), the guest orders placed with that address, the guest
/// bag merged into the customer's, and the session itself. Returns the new cookie token.
pub fn sign_in(app: &App, s: &Session, proven: &signin::Proven) -> Result<String> {
    let now = crate::db::now();
    let caps = app.cfg().cart.clone();
    super::write(app, now, |tx| {
        let c = accounts::find_or_create(tx, &proven.email, now)?;
        orders::link_guest_orders(tx, c.id, &proven.email)?;
        if proven.purpose == "order" {
            // Keyed by the order number, like the "signin_link_sent" row it answers.
            let number = proven.next.trim_start_matches("/account/orders/");
            orders::funnel(tx, "signin_link_used", number, now)?;
        }
        // The guest bag joins the customer's; what changed is shown on the bag page.
        cart::merge_on_sign_in(tx, s.id, c.id, &caps, now)?;
        // So does the guest's wishlist.
        super::wishlist::merged(tx, s.id, c.id, now)?;
        sessions::sign_in(tx, s.id, c.id, c.is_staff(), now)
    })
}

pub fn update_profile(app: &App, cid: i64, name: &str, phone: &str) -> Result<()> {
    super::write(app, crate::db::now(), |tx| {
        accounts::update_profile(tx, cid, name, phone)
    })
}

pub fn sign_out(app: &App, session_id: i64) -> Result<()> {
    super::write(app, crate::db::now(), |tx| sessions::end(tx, session_id))
}

/// Ends every session of the customer but this one; returns how many were ended.
pub fn sign_out_others(app: &App, cid: i64, keep_session: i64) -> Result<usize> {
    super::write(app, crate::db::now(), |tx| {
        sessions::end_others(tx, cid, keep_session)
    })
}

/// What the address book is asked to do.
pub enum AddressOp<'a> {
    Add(&'a Address),
    Update(&'a Address),
    Delete(i64),
    MakeDefault(i64),
}

/// One change to customer `cid`'s address book (validated; 400 with the field otherwise).
pub fn address(app: &App, cid: i64, op: AddressOp) -> Result<()> {
    let now = crate::db::now();
    super::write(app, now, |tx| match op {
        AddressOp::Add(a) => addresses::add(tx, cid, a, now).map(|_| ()),
        AddressOp::Update(a) => addresses::update(tx, cid, a),
        AddressOp::Delete(id) => addresses::delete(tx, cid, id),
        AddressOp::MakeDefault(id) => addresses::set_default(tx, cid, id),
    })
}
