//! The admin dashboard's figures: revenue for today / 7 / 30 days against the previous
//! period of the same length, order counts and average order value, orders by status,
//! the work waiting (proofs, COD cash, shipments), low-stock variants, the checkout funnel
//! and the guest-to-account conversion, plus the series the charts draw. Every figure is a
//! SQL aggregate (a handful of queries over covering indexes, see the end of schema.sql);
//! Rust only adds up buckets the database already summed.
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

/// One pass over the lines of the revenue orders placed since `since30`, summed per product
/// here (SQLite would sort every line for a GROUP BY); then one lookup per product for its
/// title and category. Biggest revenue first, then by title.
fn product_revenue(c: &Connection, since30: i64, now: i64) -> Result<PerProduct> {
    let mut sums: std::collections::BTreeMap<Option<i64>, (i64, i64)> = Default::default();
    {
        let mut st = c.prepare_cached(sql::PRODUCT_REVENUE)?;
        let mut rows = st.query(params![since30, now])?;
        while let Some(r) = rows.next()? {
            let units: i64 = r.get(1)?;
            let price: i64 = r.get(2)?;
            let e = sums.entry(r.get(0)?).or_default();
            e.0 += units;
            e.1 += price * units;
        }
    }
    let mut name = c.prepare_cached(sql::PRODUCT_NAME)?;
    let mut per_product: PerProduct = Vec::with_capacity(sums.len());
    for (product_id, (units, revenue)) in sums {
        let (title, category) = match product_id {
            Some(id) => name
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?,
            None => None,
        }
        .unwrap_or_else(|| ("(deleted product)".to_string(), None));
        per_product.push((
            ProductRevenue {
                product_id,
                title,
                units,
                revenue,
            },
            category,
        ));
    }
    per_product.sort_by(|a, b| {
        b.0.revenue
            .cmp(&a.0.revenue)
            .then_with(|| a.0.title.cmp(&b.0.title))
    });
    Ok(per_product)
}

/// Everything the dashboard shows, as of `now`, read on one connection.
pub fn dashboard(
    c: &Connection,
    now: i64,
    zone: &Zone,
    default_threshold: i64,
) -> Result<Dashboard> {
    let starts = day_starts(now, zone);
    let per_product = product_revenue(c, starts[30], now)?;
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
    let days: Vec<(i64, i64)> = starts.windows(2).map(|w| (w[0], w[1] - 1)).collect();
    let days =
        serde_json::to_string(&days).map_err(|e| crate::error::Error::internal(e.to_string()))?;
    let mut buckets: Vec<(i64, bool, i64, i64, i64)> = Vec::new();
    {
        let mut st = c.prepare_cached(sql::BUCKETS)?;
        let rows = st.query_map(params![days, time_of_day], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)? != 0,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            buckets.push(row?);
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
    {
        let mut st = c.prepare_cached(sql::BY_STATUS)?;
        let rows = st.query_map(params![since30, now], |r| Ok((r.get(0)?, r.get(1)?)))?;
        d.by_status = rows.collect::<rusqlite::Result<_>>()?;
    }
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
        let mut st = c.prepare_cached(sql::FUNNEL)?;
        let rows = st.query_map(params![since30, now], |r| {
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
    //! SQL of the dashboard. Each reads one covering index range (see schema.sql's tail).

    /// ?1 the local midnight 59 days ago, ?2 now's time of day (seconds since local
    /// midnight): revenue, orders and paid orders per (day 0..=59, placed at or before
    /// now's time of day). Each bucket is its own range of the covering index: a GROUP BY
    /// over an expression of `created_at` would sort every row of 60 days instead.
    /// ?1: the days as a JSON list of [first second, last second]; ?2: seconds since today's
    /// midnight. Each day splits into before (early = 1) and after that time of day.
    pub const BUCKETS: &str = "WITH d(i, lo, hi) AS (SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1)), r(i, early, lo, hi) AS (SELECT i, 1, lo, min(lo + ?2, hi) FROM d UNION ALL SELECT i, 0, lo + ?2 + 1, hi FROM d) SELECT i, early, (SELECT coalesce(sum(total - refunded), 0) FROM orders WHERE created_at BETWEEN r.lo AND r.hi AND status <> 'cancelled' AND payment_status <> 'unpaid'), (SELECT count(*) FROM orders WHERE created_at BETWEEN r.lo AND r.hi AND status <> 'cancelled'), (SELECT count(*) FROM orders WHERE created_at BETWEEN r.lo AND r.hi AND status <> 'cancelled' AND payment_status <> 'unpaid') FROM r";
    pub const BY_STATUS: &str = "SELECT status, count(*) AS n FROM orders WHERE created_at >= ?1 AND created_at <= ?2 GROUP BY status ORDER BY n DESC, status";
    pub const WAITING: &str = "SELECT (SELECT count(*) FROM orders WHERE status = 'awaiting_verification'), (SELECT count(*) FROM orders WHERE status IN ('confirmed', 'processing'))";
    pub const COD_DUE: &str = "SELECT count(*), coalesce(sum(total), 0) FROM orders WHERE payment_method = 'cod' AND payment_status = 'unpaid' AND status NOT IN ('cancelled', 'returned')";
    /// ?1 the store-wide threshold for variants without their own.
    pub const LOW_STOCK: &str = "SELECT v.id, p.id, p.title, v.sku, v.stock, coalesce(v.low_stock_threshold, ?1) AS t FROM variants v JOIN products p ON p.id = v.product_id WHERE p.status = 'active' AND v.archived = 0 AND v.stock <= coalesce(v.low_stock_threshold, ?1) ORDER BY v.stock, p.title, v.sku LIMIT 20";
    pub const LOW_STOCK_COUNT: &str = "SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE p.status = 'active' AND v.archived = 0 AND v.stock <= coalesce(v.low_stock_threshold, ?1)";
    /// The lines of the revenue orders in [?1, ?2]: product, units kept, unit price
    /// (summed per product in `product_revenue`).
    pub const PRODUCT_REVENUE: &str = "SELECT l.product_id, l.quantity - l.returned, l.unit_price FROM orders o JOIN order_lines l INDEXED BY order_lines_report ON l.order_id = o.id WHERE o.created_at >= ?1 AND o.created_at <= ?2 AND o.status <> 'cancelled' AND o.payment_status <> 'unpaid'";
    pub const PRODUCT_NAME: &str = "SELECT p.title, c.name FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = ?1";
    pub const FUNNEL: &str = "SELECT kind, count(*) FROM funnel_events WHERE kind IN ('checkout_started', 'order_placed', 'order_paid', 'signin_link_sent') AND at >= ?1 AND at <= ?2 GROUP BY kind";
    pub const LINKS_USED: &str = "SELECT count(DISTINCT subject) FROM funnel_events WHERE kind = 'signin_link_used' AND at >= ?1 AND at <= ?2";
    pub const ALL: &[&str] = &[
        BUCKETS,
        BY_STATUS,
        WAITING,
        COD_DUE,
        LOW_STOCK,
        LOW_STOCK_COUNT,
        PRODUCT_REVENUE,
        PRODUCT_NAME,
        FUNNEL,
        LINKS_USED,
    ];
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
