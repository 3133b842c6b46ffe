//! The admin dashboard's figures: revenue for today / 7 / 30 days against the previous
//! period of the same length, order counts and average order value, orders by status,
//! the work waiting (proofs, COD cash, shipments), low-stock variants, the checkout funnel
//! and the guest-to-account conversion, plus the series the charts draw. The figures over
//! days come from daily sums the database keeps current by trigger (migration 13:
//! `order_days`, `product_days`, `funnel_days`, per local day of `report_days`), so a view
//! reads a few hundred rows however many orders there are; only the part of one day before
//! now's time of day (for "same time yesterday") is read from the orders themselves. The
//! day table and the sums are rebuilt when the store's zone changes ([`ensure_days`]).
//!
//! Definitions, used everywhere on the dashboard:
//! - **Revenue** of an order = `total - refunded`, counted when its payment is `paid`,
//!   `partially_refunded` or `refunded` (so a full refund counts 0) and it is not
//!   `cancelled`; it falls on the local day the order was *placed* (`created_at`).
//! - **Orders** in a period = orders placed in it that are not cancelled (paid or not);
//!   **paid orders** = those that count towards revenue; **AOV** = revenue / paid orders.
//! - A period of N days = the N local days ending today (today so far included); the
//!   previous period = the N days before it, cut at the same time of day, so both are
//!   equally long. Days are local days of the store's zone (`[store] time_zone`): with
//!   daylight saving, two days a year have 23 or 25 hours, and the buckets follow them.
//! - **Product revenue** (top products, by category) = `unit_price × (quantity - returned)`
//!   of the lines of revenue orders of the last 30 days: line value at the price paid,
//!   before order-level discounts, shipping and COD fees.

use crate::db::Tx;
use crate::error::Result;
use crate::zone::Zone;
use rusqlite::{Connection, OptionalExtension, params};

pub const DAY: i64 = 86_400;

/// Revenue and orders of one period and of the one before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Period {
    pub days: i64,
    pub revenue: i64,
    pub orders: i64,
    pub paid_orders: i64,
    pub prev_revenue: i64,
    pub prev_orders: i64,
    pub prev_paid_orders: i64,
}

impl Period {
    /// Average order value (minor units), None without paid orders.
    pub fn aov(&self) -> Option<i64> {
        (self.paid_orders > 0).then(|| self.revenue / self.paid_orders)
    }
    pub fn prev_aov(&self) -> Option<i64> {
        (self.prev_paid_orders > 0).then(|| self.prev_revenue / self.prev_paid_orders)
    }
    /// Change of revenue against the previous period in whole percent; None when the
    /// previous period had none (no meaningful ratio).
    pub fn change_pct(&self) -> Option<i64> {
        change(self.revenue, self.prev_revenue)
    }
}

/// `(now - before) / before` in whole percent, rounded towards zero.
pub fn change(now: i64, before: i64) -> Option<i64> {
    (before != 0).then(|| (now - before) * 100 / before)
}

#[derive(Debug, Clone, PartialEq)]
pub struct LowStock {
    pub variant_id: i64,
    pub product_id: i64,
    pub title: String,
    pub sku: String,
    pub stock: i64,
    pub threshold: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductRevenue {
    pub product_id: Option<i64>,
    pub title: String,
    pub units: i64,
    pub revenue: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Funnel {
    pub started: i64,
    pub placed: i64,
    pub paid: i64,
    pub links_sent: i64,
    /// Distinct orders whose sign-in link was used.
    pub links_used: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dashboard {
    /// Today, 7 days, 30 days.
    pub periods: Vec<Period>,
    /// Revenue per local day, oldest first, 30 entries; the day is unix seconds of its
    /// local midnight.
    pub daily: Vec<(i64, i64)>,
    /// Orders placed in the last 30 days by their current status (cancelled included).
    pub by_status: Vec<(String, i64)>,
    pub proofs_waiting: i64,
    pub cod_count: i64,
    pub cod_amount: i64,
    pub to_ship: i64,
    pub low_stock: Vec<LowStock>,
    pub low_stock_count: i64,
    pub top_products: Vec<ProductRevenue>,
    /// (category name, product revenue), biggest first; "Uncategorised" for the rest.
    pub by_category: Vec<(String, i64)>,
    pub funnel: Funnel,
}

/// Unix seconds of the local midnight that starts the day `t` falls on.
pub fn local_midnight(t: i64, zone: &Zone) -> i64 {
    zone.midnight(t)
}

/// The starts of the 60 local days ending with the one `now` is in, oldest first, and the
/// start of tomorrow: 61 instants, so day i runs from `starts[i]` to `starts[i + 1] - 1`.
fn day_starts(now: i64, zone: &Zone) -> Vec<i64> {
    let mut starts = vec![zone.next_midnight(now), zone.midnight(now)];
    while starts.len() < 61 {
        let later = starts[starts.len() - 1];
        starts.push(zone.midnight(later - 1));
    }
    starts.reverse();
    starts
}

/// (product revenue, category name) per product, biggest first.
type PerProduct = Vec<(ProductRevenue, Option<String>)>;

/// Units and revenue per product over the days from `since30` (the daily sums), then one
/// lookup per product for its title and category; a product deleted since is "(deleted
/// product)", all of them together. Biggest revenue first, then by title.
fn product_revenue(c: &Connection, since30: i64) -> Result<PerProduct> {
    use std::collections::BTreeMap;
    let mut per_id: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    {
        let mut st = c.prepare_cached(sql::PRODUCT_DAYS)?;
        let mut rows = st.query(params![since30])?;
        while let Some(r) = rows.next()? {
            let e = per_id.entry(r.get(0)?).or_default();
            e.0 += r.get::<_, i64>(1)?;
            e.1 += r.get::<_, i64>(2)?;
        }
    }
    // One lookup per product; the ones gone since (and id 0) add up under None.
    let mut name = c.prepare_cached(sql::PRODUCT_NAME)?;
    type Named = (i64, i64, String, Option<String>);
    let mut named: BTreeMap<Option<i64>, Named> = BTreeMap::new();
    for (id, (units, revenue)) in per_id {
        let found: Option<(String, Option<String>)> = match id {
            0 => None,
            id => name
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?,
        };
        let (key, title, category) = match found {
            Some((title, category)) => (Some(id), title, category),
            None => (None, "(deleted product)".to_string(), None),
        };
        let e = named.entry(key).or_insert((0, 0, title, category));
        e.0 += units;
        e.1 += revenue;
    }
    let mut per_product: PerProduct = named
        .into_iter()
        .filter(|(_, (units, revenue, _, _))| *units != 0 || *revenue != 0)
        .map(|(product_id, (units, revenue, title, category))| {
            (
                ProductRevenue {
                    product_id,
                    title,
                    units,
                    revenue,
                },
                category,
            )
        })
        .collect();
    per_product.sort_by(|a, b| {
        b.0.revenue
            .cmp(&a.0.revenue)
            .then_with(|| a.0.title.cmp(&b.0.title))
    });
    Ok(per_product)
}

/// True when `report_days` holds the local midnights of `zone` around `now`, so the daily
/// sums are by the store's days (read-only: a view asks first, and writes only if not).
pub fn days_current(c: &Connection, zone: &Zone, now: i64) -> Result<bool> {
    let meta = |k: &str| crate::db::get_meta(c, k);
    let until: i64 = meta(KEY_UNTIL)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let from: i64 = meta(KEY_FROM)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MAX);
    Ok(meta(KEY_ZONE)?.as_deref() == Some(zone.name())
        && until >= now + 366 * DAY
        && from <= now - 61 * DAY)
}

const KEY_ZONE: &str = "report_zone";
const KEY_FROM: &str = "report_days_from";
const KEY_UNTIL: &str = "report_days_until";

/// Makes [`days_current`] true: refills `report_days` with the local midnights of `zone`
/// from before the oldest order (at least 61 days before `now`) to three years after
/// `now`, and rebuilds the daily sums from the orders, their lines and the funnel events
/// (the triggers keep them current from then on). Runs once per zone, and again when the
/// table runs out (every two years or so).
pub fn ensure_days(tx: &Tx, zone: &Zone, now: i64) -> Result<()> {
    if days_current(tx, zone, now)? {
        return Ok(());
    }
    let oldest: Option<i64> = tx.query_row(sql::OLDEST, [], |r| r.get(0))?;
    let from = zone.midnight(oldest.unwrap_or(now).min(now - 61 * DAY));
    let until = zone.midnight(now + 3 * 366 * DAY);
    tx.execute_batch(sql::CLEAR_DAYS)?;
    {
        let mut add = tx.prepare_cached(sql::ADD_DAY)?;
        let mut t = from;
        while t <= until {
            add.execute([t])?;
            t = zone.next_midnight(t);
        }
    }
    tx.execute_batch(sql::REBUILD)?;
    crate::db::set_meta(tx, KEY_ZONE, zone.name())?;
    crate::db::set_meta(tx, KEY_FROM, &from.to_string())?;
    crate::db::set_meta(tx, KEY_UNTIL, &until.to_string())
}

/// Everything the dashboard shows, as of `now`, read on one connection.
pub fn dashboard(
    c: &Connection,
    now: i64,
    zone: &Zone,
    default_threshold: i64,
) -> Result<Dashboard> {
    let starts = day_starts(now, zone);
    let per_product = product_revenue(c, starts[30])?;
    let mut d = figures(c, now, &starts, default_threshold)?;
    add_products(&mut d, per_product);
    Ok(d)
}

/// Everything but the product figures. `starts` is [`day_starts`]: today is day 59.
fn figures(c: &Connection, now: i64, starts: &[i64], default_threshold: i64) -> Result<Dashboard> {
    let today = 59;
    let midnight = starts[today as usize];
    let time_of_day = now - midnight;
    let mut d = Dashboard::default();

    // 60 local days in (day, before-this-time-of-day) buckets: the periods and the series.
    // Whole days from the daily sums; of the three days a previous period starts on, the
    // part before now's time of day from the orders (at most a day of them, on the
    // covering index), the rest of that day by difference.
    let index: std::collections::HashMap<i64, i64> = starts[..60]
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i as i64))
        .collect();
    let mut whole = [(0i64, 0i64, 0i64); 60];
    let mut by_status: std::collections::BTreeMap<String, i64> = Default::default();
    {
        let mut st = c.prepare_cached(sql::ORDER_DAYS)?;
        let mut rows = st.query(params![starts[0], starts[59]])?;
        while let Some(r) = rows.next()? {
            let Some(&day) = index.get(&r.get::<_, i64>(0)?) else {
                continue;
            };
            let status: String = r.get(1)?;
            let counted = r.get::<_, i64>(2)? != 0;
            let (orders, revenue): (i64, i64) = (r.get(3)?, r.get(4)?);
            if day >= 30 && orders != 0 {
                *by_status.entry(status.clone()).or_default() += orders;
            }
            if status == "cancelled" {
                continue;
            }
            let w = &mut whole[day as usize];
            w.1 += orders;
            if counted {
                w.0 += revenue;
                w.2 += orders;
            }
        }
    }
    let mut buckets: Vec<(i64, bool, i64, i64, i64)> = Vec::with_capacity(63);
    for (day, w) in whole.iter().enumerate() {
        let day = day as i64;
        if [today - 1, today - 7, today - 30].contains(&day) {
            let lo = starts[day as usize];
            let hi = (lo + time_of_day).min(starts[day as usize + 1] - 1);
            let early: (i64, i64, i64) = c
                .prepare_cached(sql::PART_OF_DAY)?
                .query_row(params![lo, hi], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            buckets.push((day, true, early.0, early.1, early.2));
            buckets.push((day, false, w.0 - early.0, w.1 - early.1, w.2 - early.2));
        } else {
            buckets.push((day, false, w.0, w.1, w.2));
        }
    }
    for days in [1, 7, 30] {
        let mut p = Period {
            days,
            ..Period::default()
        };
        for &(day, early, revenue, orders, paid) in &buckets {
            let cur = day > today - days && day <= today;
            let prev =
                (day > today - 2 * days && day < today - days) || (day == today - days && early);
            if cur {
                p.revenue += revenue;
                p.orders += orders;
                p.paid_orders += paid;
            } else if prev {
                p.prev_revenue += revenue;
                p.prev_orders += orders;
                p.prev_paid_orders += paid;
            }
        }
        d.periods.push(p);
    }
    d.daily = (0..30)
        .map(|i| {
            let day = today - 29 + i;
            let revenue = buckets.iter().filter(|b| b.0 == day).map(|b| b.2).sum();
            (starts[day as usize], revenue)
        })
        .collect();

    let since30 = starts[30];
    d.by_status = by_status.into_iter().filter(|(_, n)| *n != 0).collect();
    d.by_status
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let (proofs, to_ship): (i64, i64) = c
        .prepare_cached(sql::WAITING)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    d.proofs_waiting = proofs;
    d.to_ship = to_ship;
    let (cod_count, cod_amount): (i64, i64) = c
        .prepare_cached(sql::COD_DUE)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    d.cod_count = cod_count;
    d.cod_amount = cod_amount;

    {
        let mut st = c.prepare_cached(sql::LOW_STOCK)?;
        let rows = st.query_map(params![default_threshold], |r| {
            Ok(LowStock {
                variant_id: r.get(0)?,
                product_id: r.get(1)?,
                title: r.get(2)?,
                sku: r.get(3)?,
                stock: r.get(4)?,
                threshold: r.get(5)?,
            })
        })?;
        d.low_stock = rows.collect::<rusqlite::Result<_>>()?;
    }
    d.low_stock_count = c
        .prepare_cached(sql::LOW_STOCK_COUNT)?
        .query_row(params![default_threshold], |r| r.get(0))?;

    {
        let mut st = c.prepare_cached(sql::FUNNEL_DAYS)?;
        let rows = st.query_map(params![since30, starts[59]], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (kind, n) = row?;
            match kind.as_str() {
                "checkout_started" => d.funnel.started = n,
                "order_placed" => d.funnel.placed = n,
                "order_paid" => d.funnel.paid = n,
                "signin_link_sent" => d.funnel.links_sent = n,
                _ => {}
            }
        }
    }
    d.funnel.links_used = c
        .prepare_cached(sql::LINKS_USED)?
        .query_row(params![since30, now], |r| r.get(0))?;
    Ok(d)
}

/// Top products and revenue by category from the per-product sums.
fn add_products(d: &mut Dashboard, per_product: PerProduct) {
    let mut cats: Vec<(String, i64)> = Vec::new();
    for (p, cat) in &per_product {
        let name = cat.clone().unwrap_or_else(|| "Uncategorised".into());
        match cats.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 += p.revenue,
            None => cats.push((name, p.revenue)),
        }
    }
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    d.by_category = cats;
    // Already ordered by revenue (then title) by the query.
    d.top_products = per_product.into_iter().take(10).map(|(p, _)| p).collect();
}

pub mod sql {
    //! SQL of the dashboard: the daily sums of migration 13, and a few covering index
    //! ranges (see schema.sql's tail).

    /// ?1..?2 the first and last day (their midnights): the daily order sums.
    pub const ORDER_DAYS: &str = "SELECT day, status, counted, orders, revenue FROM order_days WHERE day >= ?1 AND day <= ?2";
    /// Revenue, orders and paid orders placed in [?1, ?2] (part of one day).
    pub const PART_OF_DAY: &str = "SELECT coalesce(sum(CASE WHEN payment_status <> 'unpaid' THEN total - refunded END), 0), count(*), count(CASE WHEN payment_status <> 'unpaid' THEN 1 END) FROM orders INDEXED BY orders_report WHERE created_at >= ?1 AND created_at <= ?2 AND status <> 'cancelled'";
    /// Units and revenue per product from day ?1 on (0: lines without a product).
    pub const PRODUCT_DAYS: &str = "SELECT product_id, sum(units), sum(revenue) FROM product_days WHERE day >= ?1 GROUP BY product_id";
    pub const FUNNEL_DAYS: &str = "SELECT kind, sum(n) FROM funnel_days WHERE kind IN ('checkout_started', 'order_placed', 'order_paid', 'signin_link_sent') AND day >= ?1 AND day <= ?2 GROUP BY kind";
    pub const OLDEST: &str = "SELECT min(t) FROM (SELECT min(created_at) AS t FROM orders UNION ALL SELECT min(at) FROM funnel_events)";
    pub const CLEAR_DAYS: &str = "DELETE FROM report_days";
    pub const ADD_DAY: &str = "INSERT INTO report_days (start) VALUES (?1)";
    /// The daily sums from scratch, by the days now in `report_days` (the same sums the
    /// triggers of migration 13 keep).
    pub const REBUILD: &str = "DELETE FROM order_days; INSERT INTO order_days (day, status, counted, orders, revenue) SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0) AS d, status, payment_status <> 'unpaid' AS c, count(*), sum(total - refunded) FROM orders o GROUP BY d, status, c; DELETE FROM product_days; INSERT INTO product_days (day, product_id, units, revenue) SELECT d, p, sum(u), sum(r) FROM (SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0) AS d, coalesce(l.product_id, 0) AS p, l.quantity - l.returned AS u, l.unit_price * (l.quantity - l.returned) AS r FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.status <> 'cancelled' AND o.payment_status <> 'unpaid') GROUP BY d, p; DELETE FROM funnel_days; INSERT INTO funnel_days (day, kind, n) SELECT d, kind, count(*) FROM (SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= f.at), 0) AS d, kind FROM funnel_events f) GROUP BY d, kind";
    pub const WAITING: &str = "SELECT (SELECT count(*) FROM orders WHERE status = 'awaiting_verification'), (SELECT count(*) FROM orders WHERE status IN ('confirmed', 'processing'))";
    pub const COD_DUE: &str = "SELECT count(*), coalesce(sum(total), 0) FROM orders WHERE payment_method = 'cod' AND payment_status = 'unpaid' AND status NOT IN ('cancelled', 'returned')";
    /// ?1 the store-wide threshold for variants without their own.
    pub const LOW_STOCK: &str = "SELECT v.id, p.id, p.title, v.sku, v.stock, coalesce(v.low_stock_threshold, ?1) AS t FROM variants v JOIN products p ON p.id = v.product_id WHERE p.status = 'active' AND v.archived = 0 AND v.stock <= coalesce(v.low_stock_threshold, ?1) ORDER BY v.stock, p.title, v.sku LIMIT 20";
    pub const LOW_STOCK_COUNT: &str = "SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE p.status = 'active' AND v.archived = 0 AND v.stock <= coalesce(v.low_stock_threshold, ?1)";

    pub const PRODUCT_NAME: &str = "SELECT p.title, c.name FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = ?1";
    pub const LINKS_USED: &str = "SELECT count(DISTINCT subject) FROM funnel_events WHERE kind = 'signin_link_used' AND at >= ?1 AND at <= ?2";
    pub const ALL: &[&str] = &[
        ORDER_DAYS,
        PART_OF_DAY,
        PRODUCT_DAYS,
        FUNNEL_DAYS,
        OLDEST,
        CLEAR_DAYS,
        ADD_DAY,
        WAITING,
        COD_DUE,
        LOW_STOCK,
        LOW_STOCK_COUNT,
        PRODUCT_NAME,
        LINKS_USED,
    ];
    /// A batch of statements (run with execute_batch; a test runs it on the real schema).
    pub const NOT_PREPARED: &[&str] = &[REBUILD];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dashboard's days are local days: across the end of summer time in Paris one of
    /// them is 25 hours long, and every day starts at a local midnight.
    #[test]
    fn days_follow_daylight_saving() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        let now = paris.local_time(2026, 11, 10, 15, 0).unwrap();
        let starts = day_starts(now, &paris);
        assert_eq!(starts.len(), 61);
        assert_eq!(starts[59], paris.day_start(2026, 11, 10).unwrap());
        assert_eq!(starts[60], paris.day_start(2026, 11, 11).unwrap());
        let lengths: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(lengths.iter().filter(|l| **l == 25 * 3600).count(), 1);
        assert!(lengths.iter().all(|l| *l == DAY || *l == 25 * 3600));
        assert!(starts.iter().all(|t| paris.time(*t) == (0, 0)));
    }
}
