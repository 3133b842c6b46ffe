//! The admin's settings view (`/admin/settings`): the effective store.toml values as rows
//! for display, with every [`Secret`] reduced to "set" / "not set" here, so no page can
//! print one; the database's size on disk; the last backup taken from the admin (kept in
//! `meta`); and the owner's backup download: a consistent `ops::backup` file made under a
//! server-chosen temp name in the data dir, read back and removed, with the time recorded
//! and an audit entry written in one transaction.

use crate::config::{Config, Secret};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::ops;
use crate::shop::audit::{self, Actor};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// One displayed setting.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Plain(String),
    /// An amount in minor units of the store's currency.
    Money(i64),
    /// A secret: only whether it is set and where from (its environment variable, or
    /// store.toml when None), never the value.
    Secret {
        set: bool,
        env: Option<&'static str>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub section: &'static str,
    pub key: &'static str,
    pub value: Value,
}

fn secret(s: &Secret) -> Value {
    Value::Secret {
        set: !s.is_empty(),
        env: s.env(),
    }
}

/// The effective configuration, section by section, as the view shows it.
pub fn entries(cfg: &Config) -> Vec<Entry> {
    let p = |v: String| Value::Plain(v);
    let tz = cfg.store.zone.name().to_string();
    let s = &cfg.store;
    let sv = &cfg.server;
    let e = &cfg.email;
    let pay = &cfg.payments;
    let sh = &cfg.shipping;
    let fu = &cfg.follow_ups;
    let zones = sh
        .zones
        .iter()
        .map(|z| format!("{} ({})", z.name, z.countries.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let rows: Vec<(&'static str, &'static str, Value)> = vec![
        ("store", "name", p(s.name.clone())),
        ("store", "url", p(s.url.clone())),
        (
            "store",
            "currency",
            p(format!("{} ({})", s.currency, s.currency_symbol)),
        ),
        ("store", "locale", p(s.locale.clone())),
        ("store", "time_zone", p(tz)),
        ("store", "contact_email", p(s.contact_email.clone())),
        ("store", "order_prefix", p(s.order_prefix.clone())),
        ("server", "listen", p(sv.listen.clone())),
        ("server", "data_dir", p(sv.data_dir.display().to_string())),
        ("server", "synchronous", p(sv.synchronous.clone())),
        (
            "server",
            "max_connections",
            p(sv.max_connections.to_string()),
        ),
        (
            "server",
            "reader_pool_size",
            p(sv.reader_pool_size.to_string()),
        ),
        (
            "catalog",
            "low_stock_threshold",
            p(cfg.catalog.low_stock_threshold.to_string()),
        ),
        ("catalog", "page_size", p(cfg.catalog.page_size.to_string())),
        ("email", "transport", p(e.transport.clone())),
        ("email", "from", p(e.from.clone())),
        (
            "email",
            "marketing_from",
            p(if e.marketing_from.trim().is_empty() {
                "(same as from)".to_string()
            } else {
                e.marketing_from.clone()
            }),
        ),
        ("email", "smtp_host", p(e.smtp_host.clone())),
        ("email", "smtp_port", p(e.smtp_port.to_string())),
        ("email", "smtp_tls", p(e.smtp_tls.clone())),
        ("email", "smtp_username", p(e.smtp_username.clone())),
        ("email", "smtp_password", secret(&e.smtp_password)),
        ("email", "resend_api_key", secret(&e.resend_api_key)),
        (
            "cart",
            "max_line_quantity",
            p(cfg.cart.max_line_quantity.to_string()),
        ),
        ("cart", "max_lines", p(cfg.cart.max_lines.to_string())),
        ("reviews", "enabled", p(cfg.reviews.enabled.to_string())),
        ("reviews", "link_days", p(cfg.reviews.link_days.to_string())),
        (
            "reviews",
            "auto_publish",
            p(cfg.reviews.auto_publish.to_string()),
        ),
        (
            "reviews",
            "request_after_days",
            p(cfg.reviews.request_after_days.to_string()),
        ),
        (
            "follow_ups",
            "back_in_stock",
            p(fu.back_in_stock.to_string()),
        ),
        ("follow_ups", "price_drop", p(fu.price_drop.to_string())),
        (
            "follow_ups",
            "abandoned_checkout",
            p(format!(
                "{} (after {} h)",
                fu.abandoned_checkout, fu.abandoned_after_hours
            )),
        ),
        (
            "follow_ups",
            "reorder_reminder",
            p(format!(
                "{} ({} days after delivery)",
                fu.reorder_reminder, fu.reorder_after_days
            )),
        ),
        (
            "follow_ups",
            "mails_per_address_per_day",
            p(fu.mails_per_address_per_day.to_string()),
        ),
        ("shipping", "fee", Value::Money(sh.fee)),
        ("shipping", "free_over", Value::Money(sh.free_over)),
        ("shipping", "zones", p(zones)),
        ("payments", "cod", p(pay.cod.to_string())),
        ("payments", "cod_fee", Value::Money(pay.cod_fee)),
        (
            "payments",
            "bank_transfer",
            p(pay.bank_transfer.to_string()),
        ),
        (
            "payments",
            "bank_account_name",
            p(pay.bank_account_name.clone()),
        ),
        (
            "payments",
            "bank_account_number",
            p(pay.bank_account_number.clone()),
        ),
        (
            "payments",
            "payment_window_hours",
            p(pay.payment_window_hours.to_string()),
        ),
        (
            "payments",
            "reminder_after_hours",
            p(pay.reminder_after_hours.to_string()),
        ),
        (
            "payments",
            "proof_max_mb",
            p((pay.proof_max_bytes / (1024 * 1024)).to_string()),
        ),
    ];
    let mut rows = rows;
    for g in crate::shop::payments::Gateway::ALL {
        let c = crate::shop::payments::config(cfg, g);
        let section = g.section();
        let offered = match crate::shop::payments::offer_problem(cfg, g) {
            None => "yes".to_string(),
            Some(why) => format!("no — {why}"),
        };
        rows.push((section, "enabled", p(c.enabled.to_string())));
        rows.push((section, "mode", p(c.mode.clone())));
        rows.push((section, "display_name", p(c.display_name.clone())));
        if g == crate::shop::payments::Gateway::Razorpay {
            rows.push((section, "key_id", p(c.key_id.clone())));
            rows.push((section, "key_secret", secret(&c.api_secret)));
        } else {
            rows.push((section, "secret_key", secret(&c.api_secret)));
        }
        rows.push((section, "webhook_secret", secret(&c.webhook_secret)));
        rows.push((
            section,
            "webhook address",
            p(format!("{}/webhooks/{}", cfg.store.url, g.as_str())),
        ));
        rows.push((section, "offered to shoppers", p(offered)));
    }
    let sr = &cfg.shipping.shiprocket;
    let section = "shipping.shiprocket";
    rows.push((section, "enabled", p(sr.enabled.to_string())));
    rows.push((section, "mode", p(sr.mode.clone())));
    rows.push((section, "email", p(sr.email.clone())));
    rows.push((section, "password", secret(&sr.password)));
    rows.push((section, "webhook_token", secret(&sr.webhook_token)));
    rows.push((section, "pickup_location", p(sr.pickup_location.clone())));
    rows.push((section, "auto_create", p(sr.auto_create.to_string())));
    rows.push((
        section,
        "webhook address",
        p(format!("{}/webhooks/courier", cfg.store.url)),
    ));
    rows.push((
        section,
        "books shipments",
        p(match crate::shop::shipping::courier_problem(cfg) {
            None if sr.mode == "live" && sr.webhook_token.expose().is_empty() => {
                "yes — but no webhook_token is set, so tracking updates will be refused".into()
            }
            None => "yes".to_string(),
            Some(why) => format!("no — {why}"),
        }),
    ));
    rows.into_iter()
        .map(|(section, key, value)| Entry {
            section,
            key,
            value,
        })
        .collect()
}

/// Bytes the database takes on disk: the file plus its WAL (and shared-memory index).
pub fn db_size(db_path: &Path) -> u64 {
    let size = |suffix: &str| {
        let mut p = db_path.as_os_str().to_owned();
        p.push(suffix);
        std::fs::metadata(Path::new(&p))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    size("") + size("-wal") + size("-shm")
}

/// When the last backup was taken (unix seconds), if ever.
pub fn last_backup(c: &Connection) -> Result<Option<i64>> {
    let v: Option<String> = c
        .prepare_cached(sql::LAST_BACKUP)?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()))
}

/// Takes a consistent backup (`ops::backup`: a snapshot of the database plus the proof
/// files) and returns its bytes; records the time in `meta` and an audit entry. The file
/// is held in memory while it is sent: one SQLite file of a small shop.
pub fn backup_bytes(db: &Db, data_dir: &Path, actor: &Actor, now: i64) -> Result<Vec<u8>> {
    let tmp = data_dir.join(format!(
        ".admin-backup-{}.partial-download",
        crate::crypto::token()
    ));
    let result = ops::backup(db.path(), data_dir, &tmp).and_then(|_| Ok(std::fs::read(&tmp)?));
    let _ = std::fs::remove_file(&tmp);
    let bytes = result?;
    db.write_tx(|tx| {
        record_backup(
            tx,
            actor,
            &format!("Backup downloaded ({} bytes)", bytes.len()),
            now,
        )
    })?;
    Ok(bytes)
}

/// Notes a backup just taken (downloaded from the admin or written by `boutique backup`):
/// settings show it as the last backup, the audit log says how.
pub fn record_backup(tx: &Tx, actor: &Actor, how: &str, now: i64) -> Result<()> {
    tx.prepare_cached(sql::SET_LAST_BACKUP)?
        .execute(params![now.to_string()])?;
    audit::record(tx, actor, "settings.backup", "store", "backup", how, now)
}

pub mod sql {
    //! SQL of the settings view.
    pub const LAST_BACKUP: &str = "SELECT value FROM meta WHERE key = 'last_backup_at'";
    pub const SET_LAST_BACKUP: &str =
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_backup_at', ?1)";
    pub const ALL: &[&str] = &[LAST_BACKUP, SET_LAST_BACKUP];
}
