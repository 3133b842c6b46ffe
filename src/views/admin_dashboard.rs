//! The admin dashboard page: the headline figures with their change against the previous
//! period, the work waiting, low stock, the funnel, and four charts drawn as inline SVG on
//! the server (no script, no chart library). The CSP forbids inline `style` attributes, so
//! the charts use SVG presentation attributes (`fill`, `x`, `width`…) and classes only.

use super::admin::frame;
use super::format::{Money, iso_date};
use super::layout::Ctx;
use crate::admin_data::reports::{Dashboard, Period, change};
use crate::shop::text::count_of;
use crate::zone::Zone;
use maud::{Markup, html};

const BAR: &str = "#7a5c8f";
const BAR_ALT: &str = "#c9a227";
const INK: &str = "#333333";
const MUTED: &str = "#888888";

pub struct Page<'a> {
    pub email: &'a str,
    pub role: &'a str,
    pub offset: Zone,
    pub d: &'a Dashboard,
}

pub fn dashboard(ctx: &Ctx, p: &Page) -> Markup {
    let d = p.d;
    let m = &ctx.money;
    frame(
        ctx,
        "Dashboard",
        "home",
        html! {
            h1 { "Dashboard" }
            p.muted { "Signed in as " (p.email) " (" (p.role) "). Days in the store's time zone; revenue is paid order totals less refunds, by the day the order was placed; cancelled orders are left out." }
            ul.stats.periods {
                @for per in &d.periods { (period(m, per)) }
            }
            h2 { "Waiting for you" }
            ul.stats.waiting {
                li { strong.proofs-waiting { (d.proofs_waiting) } span { "payment proofs to verify" } }
                li { strong.cod-due { (m.format(d.cod_amount)) } span { "COD cash to collect (" (count_of(d.cod_count, "order", "orders")) ")" } }
                li { strong.to-ship { (d.to_ship) } span { "orders to ship" } }
                li { strong.low-stock-count { (d.low_stock_count) } span { "low-stock variants" } }
            }
            p.muted {
                "Open: " a href="/admin/orders?status=awaiting_verification" { "proofs to verify" }
                " · " a href="/admin/orders?unpaid_cod=1" { "COD to collect" }
                " · " a href="/admin/orders?status=confirmed" { "confirmed" }
                " · " a href="/admin/orders?status=processing" { "processing" }
            }
            h2 { "Revenue per day, last 30 days" }
            (daily_chart(m, &p.offset, &d.daily))
            .two {
                div {
                    h2 { "Orders by status (placed in 30 days)" }
                    (hbar_chart(&d.by_status.iter().map(|(s, n)| (super::account::status_label(s).to_string(), *n, n.to_string())).collect::<Vec<_>>(), BAR_ALT))
                }
                div {
                    h2 { "Checkout funnel (30 days)" }
                    (funnel(d))
                }
            }
            .two {
                div {
                    h2 { "Top 10 products by revenue (30 days)" }
                    (hbar_chart(&d.top_products.iter().map(|t| (t.title.clone(), t.revenue, format!("{} · {} sold", m.format(t.revenue), t.units))).collect::<Vec<_>>(), BAR))
                }
                div {
                    h2 { "Revenue by category (30 days)" }
                    (hbar_chart(&d.by_category.iter().map(|(c, r)| (c.clone(), *r, m.format(*r))).collect::<Vec<_>>(), BAR))
                }
            }
            h2 { "Low stock" }
            @if d.low_stock.is_empty() {
                p.muted { "Every active variant is above its threshold." }
            } @else {
                table.data.low-stock {
                    thead { tr { th { "Product" } th { "SKU" } th { "In stock" } th { "Threshold" } } }
                    tbody {
                        @for v in &d.low_stock {
                            tr { td { (v.title) } td { (v.sku) } td { (v.stock) } td { (v.threshold) } }
                        }
                    }
                }
                @if d.low_stock_count > d.low_stock.len() as i64 {
                    p.muted { "and " (d.low_stock_count - d.low_stock.len() as i64) " more." }
                }
            }
        },
    )
}

fn label(days: i64) -> &'static str {
    match days {
        1 => "Today",
        7 => "Last 7 days",
        _ => "Last 30 days",
    }
}

fn delta(now: i64, before: i64) -> Markup {
    match change(now, before) {
        Some(pct) if pct >= 0 => html! { span.delta.up { "▲ " (pct) "%" } },
        Some(pct) => html! { span.delta.down { "▼ " (-pct) "%" } },
        None => html! { span.delta { "—" } },
    }
}

fn period(m: &Money, p: &Period) -> Markup {
    let aov = p.aov().map(|a| m.format(a)).unwrap_or_else(|| "—".into());
    html! {
        li data-days=(p.days) {
            span { (label(p.days)) }
            strong.revenue { (m.format(p.revenue)) }
            span { (delta(p.revenue, p.prev_revenue)) " vs " (m.format(p.prev_revenue)) " before" }
            span.orders { (count_of(p.orders, "order", "orders")) " · " (p.paid_orders) " paid" }
            span.aov { "AOV " (aov) " " (delta(p.aov().unwrap_or(0), p.prev_aov().unwrap_or(0))) }
        }
    }
}

fn funnel(d: &Dashboard) -> Markup {
    let f = &d.funnel;
    let pct = |a: i64, b: i64| {
        if b > 0 {
            format!("{}%", a * 100 / b)
        } else {
            "—".into()
        }
    };
    let steps = [
        (
            "Checkouts started".to_string(),
            f.started,
            f.started.to_string(),
        ),
        (
            "Orders placed".to_string(),
            f.placed,
            format!("{} ({} of started)", f.placed, pct(f.placed, f.started)),
        ),
        (
            "Orders paid".to_string(),
            f.paid,
            format!("{} ({} of placed)", f.paid, pct(f.paid, f.placed)),
        ),
    ];
    html! {
        (hbar_chart(&steps, BAR))
        p.conversion {
            "Guest to account: " strong { (f.links_used) } " of " (f.links_sent)
            " guests used their sign-in link (" (pct(f.links_used, f.links_sent)) ")."
        }
    }
}

/// Vertical bars, one per day, with the day and amount as each bar's tooltip.
fn daily_chart(m: &Money, offset: &Zone, days: &[(i64, i64)]) -> Markup {
    let (w, h, pad_l, pad_b) = (640i64, 180i64, 8i64, 20i64);
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let n = days.len().max(1) as i64;
    let slot = (w - pad_l) / n;
    let plot_h = h - pad_b - 14;
    html! {
        svg.chart.daily viewBox={ "0 0 " (w) " " (h) } role="img" aria-label="Revenue per day, last 30 days" xmlns="http://www.w3.org/2000/svg" {
            line x1=(pad_l) y1=(h - pad_b) x2=(w) y2=(h - pad_b) stroke=(MUTED) stroke-width="1" {}
            @if days.iter().all(|d| d.1 <= 0) {
                text x=(pad_l) y="11" font-size="11" fill=(MUTED) { "No paid orders in these 30 days yet" }
            } @else {
                text x=(pad_l) y="11" font-size="11" fill=(MUTED) { "Best day " (m.format(max)) }
            }
            @for (i, (day, rev)) in days.iter().enumerate() {
                @let bh = rev * plot_h / max;
                @let x = pad_l + i as i64 * slot + 2;
                rect x=(x) y=(h - pad_b - bh) width=((slot - 4).max(1)) height=(bh) fill=(BAR) {
                    title { (iso_date(*day, offset)) ": " (m.format(*rev)) }
                }
                @if i as i64 == n - 1 {
                    text x=(w) y=(h - 5) font-size="10" fill=(MUTED) text-anchor="end" { (&iso_date(*day, offset)[5..]) }
                } @else if i % 5 == 0 && (i as i64) < n - 3 {
                    text x=(x) y=(h - 5) font-size="10" fill=(MUTED) { (&iso_date(*day, offset)[5..]) }
                }
            }
        }
    }
}

/// Horizontal bars: (label, value, text shown after the bar).
fn hbar_chart(rows: &[(String, i64, String)], colour: &str) -> Markup {
    if rows.is_empty() {
        return html! { p.muted { "Nothing yet." } };
    }
    let (w, row_h, label_w, text_w) = (560i64, 28i64, 170i64, 210i64);
    let h = row_h * rows.len() as i64 + 4;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bar_w = w - label_w - text_w;
    html! {
        svg.chart.hbars viewBox={ "0 0 " (w) " " (h) } role="img" xmlns="http://www.w3.org/2000/svg" {
            @for (i, (name, value, text)) in rows.iter().enumerate() {
                @let y = i as i64 * row_h + 2;
                @let bw = (value.max(&0) * bar_w / max).max(1);
                text x="0" y=(y + 17) font-size="14" fill=(INK) { (short(name, 22)) }
                rect x=(label_w) y=(y + 4) width=(bw) height=(row_h - 8) fill=(colour) {
                    title { (name) ": " (text) }
                }
                text x=(label_w + bw + 6) y=(y + 17) font-size="14" fill=(INK) { (text) }
            }
        }
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}
