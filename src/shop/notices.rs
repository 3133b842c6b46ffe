//! The mail each event sends: builds the words with `views::email::render` and queues them
//! in the outbox inside the caller's transaction, so the mail commits with its cause.

use super::outbox::{self, NewEmail};
use super::signin::Issued;
use crate::config::Config;
use crate::error::Result;
use rusqlite::Transaction;

/// The sign-in mail: a one-time link (15 minutes, any device) and a 6-digit code
/// (10 minutes, the device that asked).
pub fn sign_in(
    tx: &Transaction,
    cfg: &Config,
    email: &str,
    issued: &Issued,
    now: i64,
) -> Result<i64> {
    let store = &cfg.store.name;
    let url = format!(
        "{}/account/sign-in/link?token={}",
        cfg.store.url, issued.link_token
    );
    let code_line = format!(
        "Your sign-in code is {}. It works for 10 minutes on the device where you asked for it.",
        issued.code
    );
    let (text, html) = crate::views::email::render(
        store,
        "Sign in to your account",
        &[
            &code_line,
            "Or use the button below on any device within 15 minutes. It works once.",
            "If you did not ask to sign in, you can ignore this email; nothing changes.",
        ],
        Some(("Sign in", &url)),
    );
    queue(
        tx,
        email,
        format!("{} is your {store} sign-in code", issued.code),
        "sign-in",
        (text, html),
        format!("sign-in/{}", issued.request_id),
        now,
    )
}

/// The mail that proves a new address before an account moves to it: the same link and
/// code as a sign-in, sent to the new address.
pub fn confirm_new_email(
    tx: &Transaction,
    cfg: &Config,
    email: &str,
    issued: &Issued,
    now: i64,
) -> Result<i64> {
    let store = &cfg.store.name;
    let url = format!(
        "{}/account/sign-in/link?token={}",
        cfg.store.url, issued.link_token
    );
    let code_line = format!(
        "To use this address for your {store} account, enter the code {} on the account page within 10 minutes.",
        issued.code
    );
    let (text, html) = crate::views::email::render(
        store,
        "Confirm your new email address",
        &[
            &code_line,
            "Or use the button below within 15 minutes. It works once.",
            "If you did not ask for this, ignore this email; your account stays as it is.",
        ],
        Some(("Use this address", &url)),
    );
    queue(
        tx,
        email,
        format!("{} confirms your new {store} email address", issued.code),
        "change-email",
        (text, html),
        format!("change-email/{}", issued.request_id),
        now,
    )
}

/// Tells the old address that the account moved, so a hijack does not go unnoticed.
pub fn email_changed(
    tx: &Transaction,
    cfg: &Config,
    old_email: &str,
    new_email: &str,
    request_id: i64,
    now: i64,
) -> Result<i64> {
    let store = &cfg.store.name;
    let line = format!("Your {store} account now uses the address {new_email}.");
    let (text, html) = crate::views::email::render(
        store,
        "Your email address was changed",
        &[
            &line,
            "If this was not you, reply to this email straight away so we can secure your account.",
        ],
        None,
    );
    queue(
        tx,
        old_email,
        format!("Your {store} email address was changed"),
        "email-changed",
        (text, html),
        format!("email-changed/{request_id}"),
        now,
    )
}

fn queue(
    tx: &Transaction,
    to: &str,
    subject: String,
    template: &str,
    (text, html): (String, String),
    key: String,
    now: i64,
) -> Result<i64> {
    outbox::enqueue_email(
        tx,
        &NewEmail {
            to: to.to_string(),
            subject,
            template: template.into(),
            text,
            html,
            idempotency_key: Some(key),
        },
        now,
    )
}
