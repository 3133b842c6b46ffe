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
    outbox::enqueue_email(
        tx,
        &NewEmail {
            to: email.to_string(),
            subject: format!("{} is your {store} sign-in code", issued.code),
            template: "sign-in".into(),
            text,
            html,
            idempotency_key: Some(format!("sign-in/{}", issued.request_id)),
        },
        now,
    )
}
