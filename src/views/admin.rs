//! The admin area's frame and its first pages: the landing page and the email log (list
//! by status, one message with its text and HTML source, re-send). Later issues add
//! orders, products, customers and the rest to the navigation.

use super::form::post_form;
use super::layout::{Ctx, Meta, page};
use crate::jobs::outbox::{OutboxRow, Status};
use crate::zone::Zone;
use maud::{Markup, html};

/// `YYYY-MM-DD HH:MM` of a unix time in the store's zone.
pub fn when(t: i64, zone: &Zone) -> String {
    let (h, m) = zone.time(t);
    format!("{} {h:02}:{m:02}", super::format::iso_date(t, zone))
}

/// The admin sections: (key the pages pass as `active`, address, name).
const SECTIONS: &[(&str, &str, &str)] = &[
    ("home", "/admin", "Dashboard"),
    ("orders", "/admin/orders", "Orders"),
    ("payments", "/admin/payments", "Payments"),
    ("shipments", "/admin/shipments", "Shipments"),
    ("reviews", "/admin/reviews", "Reviews"),
    ("products", "/admin/products", "Products"),
    ("stock", "/admin/stock", "Stock"),
    ("categories", "/admin/categories", "Categories"),
    ("banners", "/admin/banners", "Banners"),
    ("coupons", "/admin/coupons", "Coupons"),
    ("flows", "/admin/flows", "Follow-ups"),
    ("imports", "/admin/imports/products", "Import / export"),
    ("emails", "/admin/emails", "Emails"),
    ("jobs", "/admin/jobs", "Jobs"),
    ("customers", "/admin/customers", "Customers"),
    ("audit", "/admin/audit", "Audit log"),
    ("settings", "/admin/settings", "Settings"),
];

fn section_links(active: &str) -> Markup {
    html! {
        @for (key, href, name) in SECTIONS {
            a.active[*key == active] href=(href) aria-current=[(*key == active).then_some("page")] { (name) }
        }
    }
}

/// The notice for a `done` code an admin action redirects with (`?done=saved`).
pub fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Saved.",
        "created" => "Created.",
        "deleted" => "Deleted.",
        "archived" => "Archived.",
        "images" => "Pictures saved.",
        "verify" => "Proof verified: the order is confirmed and the shopper was told.",
        "reject" => "Proof rejected: the shopper was asked for a new one.",
        "confirm" => "Payment confirmed.",
        "process" => "Marked as being prepared.",
        "ship" => "Marked as shipped: the shopper was told.",
        "deliver" => "Marked as delivered.",
        "collect" => "Cash collected: the order is paid.",
        "cancel" => "Order cancelled: its stock is back on sale.",
        "refunded" => "Refund recorded.",
        "refund" => "Refund sent to the gateway; the order follows when it confirms.",
        "shipment" => "Shipment requested: Shiprocket is booking it now.",
        "return-transfer" => "The money sent back is recorded as a refund.",
        "return" => "Return recorded: the items are back in stock.",
        "note" => "Note added.",
        _ => return None,
    })
}

/// The admin page around `body`. On a wide screen the sections are a column on the left;
/// on a phone they fold into one "Menu" line naming the current section, opened with a
/// tap (a `<details>`: no script needed).
pub fn frame(ctx: &Ctx, title: &str, active: &str, body: Markup) -> Markup {
    let mut meta = Meta::new(title, title);
    meta.noindex = true;
    let current = SECTIONS
        .iter()
        .find(|(k, _, _)| *k == active)
        .map_or("Admin", |(_, _, name)| *name);
    page(
        ctx,
        &meta,
        html! {
            .admin {
                nav.admin-nav.wide aria-label="Admin" { (section_links(active)) }
                details.admin-menu {
                    summary { "Menu" span.muted { " · " (current) } }
                    nav.admin-nav aria-label="Admin sections" { (section_links(active)) }
                }
                section.admin-main {
                    @if let Some(done) = ctx.done { p.notice.done role="status" { (done) } }
                    (body)
                }
            }
        },
    )
}

/// Which of the two outbox pages: the email log (email jobs only) or every job of every
/// kind (gateway and courier calls to come).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Book {
    Emails,
    Jobs,
}

impl Book {
    pub fn of(section: &str) -> Book {
        if section == "jobs" {
            Book::Jobs
        } else {
            Book::Emails
        }
    }
    pub fn base(self) -> &'static str {
        match self {
            Book::Emails => "/admin/emails",
            Book::Jobs => "/admin/jobs",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Book::Emails => "Emails",
            Book::Jobs => "Jobs",
        }
    }
    fn active(self) -> &'static str {
        match self {
            Book::Emails => "emails",
            Book::Jobs => "jobs",
        }
    }
    /// The kind the page lists; None = all.
    pub fn kind(self) -> Option<&'static str> {
        match self {
            Book::Emails => Some(crate::jobs::outbox::EMAIL),
            Book::Jobs => None,
        }
    }
}

pub fn outbox(
    ctx: &Ctx,
    book: Book,
    rows: &[OutboxRow],
    filter: Option<Status>,
    offset: &Zone,
) -> Markup {
    let tabs = [
        None,
        Some(Status::Pending),
        Some(Status::Sent),
        Some(Status::Failed),
        Some(Status::Dead),
    ];
    let base = book.base();
    let all = book == Book::Jobs;
    frame(
        ctx,
        book.title(),
        book.active(),
        html! {
            h1 { (book.title()) }
            @if all {
                p.muted { "Everything the store does after a request: emails today, gateway and courier calls as they come. Failed and dead jobs can be run again from their page." }
            }
            nav.tabs {
                @for t in tabs {
                    @let label = t.map(|s| s.as_str()).unwrap_or("all");
                    @let href = match t { Some(s) => format!("{base}?status={}", s.as_str()), None => base.into() };
                    a.active[t == filter] href=(href) { (label) }
                }
            }
            @if rows.is_empty() {
                p.muted { "Nothing here." }
            } @else {
                table.data {
                    thead { tr {
                        th { "Queued" }
                        @if all { th { "Kind" } }
                        th { "To" } th { "Subject" } th { "Template" } th { "Status" } th { "Tries" } th { "Last error" }
                    } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { (when(r.created_at, offset)) }
                                @if all { td { (r.kind) } }
                                td { (r.recipient) }
                                td { a href={ (base) "/" (r.id) } { (r.subject) } }
                                td { (r.template) }
                                td { span class={ "status " (r.status.as_str()) } { (r.status.as_str()) } }
                                td { (r.attempts) }
                                td.muted { (r.last_error.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn outbox_row(ctx: &Ctx, book: Book, csrf: &str, r: &OutboxRow, offset: &Zone) -> Markup {
    let base = book.base();
    frame(
        ctx,
        &r.subject,
        book.active(),
        html! {
            p { a href=(base) { "← All " (book.title().to_lowercase()) } }
            h1 { (r.subject) }
            dl.facts {
                dt { "Kind" } dd { (r.kind) }
                dt { "To" } dd { (r.recipient) }
                dt { "Status" } dd { (r.status.as_str()) }
                dt { "Queued" } dd { (when(r.created_at, offset)) }
                @if let Some(t) = r.sent_at { dt { "Done" } dd { (when(t, offset)) } }
                dt { "Attempts" } dd { (r.attempts) }
                @if let Some(e) = &r.last_error { dt { "Last error" } dd { (e) } }
                dt { "Template" } dd { (r.template) }
            }
            @if matches!(r.status, Status::Sent | Status::Failed | Status::Dead) {
                (post_form(&format!("{base}/{}/resend", r.id), csrf, "inline", html! {
                    button.button type="submit" { @if r.kind == crate::jobs::outbox::EMAIL { "Send again" } @else { "Run again" } }
                }))
            }
            @if let Some(body) = r.email() {
                h2 { "Text" }
                pre.mail { (body.text) }
            } @else {
                h2 { "Payload" }
                pre.mail { (super::format::pretty_json(&r.payload)) }
            }
        },
    )
}
