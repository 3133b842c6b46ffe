//! The settings page: effective store.toml values (a secret shows only as set / not set,
//! and staff do not see the secret rows at all), config reload status, mail transport,
//! database size, last backup, and the owner's "Download backup" form.

use super::admin::{frame, when};
use super::form::post_form;
use super::layout::Ctx;
use crate::admin_data::settings::{Entry, Value};
use crate::zone::Zone;
use maud::{Markup, html};

pub struct Page<'a> {
    pub entries: &'a [Entry],
    pub owner: bool,
    pub last_reload: Option<i64>,
    pub reload_error: Option<&'a str>,
    pub restart_pending: &'a [&'static str],
    pub mail_transport: &'a str,
    pub mail_waiting: i64,
    pub mail_failed: i64,
    pub db_bytes: u64,
    pub last_backup: Option<i64>,
    pub offset: Zone,
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

pub fn settings(ctx: &Ctx, csrf: &str, p: &Page) -> Markup {
    frame(
        ctx,
        "Settings",
        "settings",
        html! {
            h1 { "Settings" }
            p.muted { "What the store runs with now. Change it by editing store.toml: it is read again on save." }
            dl.facts {
                dt { "Last reload" } dd.last-reload {
                    @match p.last_reload { Some(t) => (when(t, &p.offset)), None => "not reloaded since start" }
                }
                @if let Some(e) = p.reload_error {
                    dt { "Reload error" } dd.reload-error { "The last edit was not applied: " (e) }
                }
                @if !p.restart_pending.is_empty() {
                    dt { "Needs a restart" } dd { (p.restart_pending.join(", ")) }
                }
                dt { "Mail" } dd.mail { (p.mail_transport) " · " (p.mail_waiting) " waiting · " a href="/admin/emails?status=failed" { (p.mail_failed) " failed" } }
                dt { "Database" } dd.db-size { (size(p.db_bytes)) " (with its WAL)" }
                dt { "Last backup" } dd.last-backup {
                    @match p.last_backup { Some(t) => (when(t, &p.offset)), None => "not recorded" }
                }
            }
            @if p.owner {
                (post_form("/admin/settings/backup", csrf, "inline", html! {
                    button.button type="submit" { "Download backup" }
                }))
                p.muted { "One file: the database and the payment proofs. Restore it with " code { "boutique restore FILE" } "." }
            }
            table.data.settings {
                thead { tr { th { "Section" } th { "Key" } th { "Value" } } }
                tbody {
                    @for e in p.entries {
                        @let shown = match &e.value {
                            Value::Plain(v) => Some(html! { (v) }),
                            Value::Money(m) => Some(html! { (ctx.money.format(*m)) }),
                            Value::Secret { set, env } if p.owner => Some(match (set, env) {
                                (true, Some(var)) => html! { span.secret { "•••• (set)" } " from the environment variable " code { (var) } },
                                (true, None) => html! { span.secret { "•••• (set)" } " in store.toml" },
                                (false, _) => html! { span.muted { "not set" } },
                            }),
                            Value::Secret { .. } => None,
                        };
                        @if let Some(v) = shown {
                            tr { td { (e.section) } td { code { (e.key) } } td { (v) } }
                        }
                    }
                }
            }
        },
    )
}
