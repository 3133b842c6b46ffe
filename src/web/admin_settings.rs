//! Handlers of the settings view and the owner's backup download.

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::admin_data::settings;
use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::{Req, Resp};
use crate::jobs::outbox::{self, Status};
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::views::admin_settings as views;

pub fn show(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    let cfg = app.cfg();
    let status = app.config.status();
    let c = app.db.read()?;
    let last_backup = settings::last_backup(&c)?;
    let mail_waiting = outbox::count(&c, &[Status::Pending])?;
    let mail_failed = outbox::count(&c, &[Status::Failed, Status::Dead])?;
    drop(c);
    let entries = settings::entries(&cfg);
    let page = views::Page {
        entries: &entries,
        owner: me.role == "owner",
        last_reload: status.last_reload,
        reload_error: status.last_error.as_deref(),
        restart_pending: &status.restart_pending,
        mail_transport: &cfg.email.transport,
        mail_waiting,
        mail_failed,
        db_bytes: settings::db_size(app.db.path()),
        last_backup,
        offset: cfg.store.zone.clone(),
    };
    with_ctx(app, req, "", |ctx| {
        html_page(200, views::settings(ctx, &s.csrf, &page))
    })
}

pub fn backup(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    if me.role != "owner" {
        return Err(Error::new(
            Kind::Forbidden,
            "Only the store's owner downloads backups.",
        ));
    }
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let now = crate::db::now();
    let bytes =
        settings::backup_bytes(&app.db, &app.data_dir, &Actor::staff(me.id, &me.email), now)?;
    let offset = app.cfg().store.zone.clone();
    let stamp = crate::views::admin::when(now, &offset)
        .replace(['-', ':'], "")
        .replace(' ', "-");
    Ok(Resp::new(200)
        .header("Content-Type", "application/vnd.sqlite3")
        .header(
            "Content-Disposition",
            format!("attachment; filename=\"boutique-backup-{stamp}.boutique\""),
        )
        .header("X-Content-Type-Options", "nosniff")
        .body(bytes))
}
