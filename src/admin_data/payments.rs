//! The payments page's read model: the latest webhook deliveries under a filter, and the
//! card attempts still waiting for their money (with their order numbers).

use crate::error::Result;
use crate::shop::payments::{self, Attempt, EventFilter, LoggedEvent};
use rusqlite::Connection;

/// Deliveries shown at most.
pub const LIMIT: i64 = 200;

/// What the payments page shows.
pub struct PaymentsPage {
    pub deliveries: Vec<LoggedEvent>,
    /// The latest attempt of each card order still waiting, with the order's number.
    pub waiting: Vec<(Attempt, String)>,
}

pub fn page(c: &Connection, f: &EventFilter) -> Result<PaymentsPage> {
    let rows = payments::events(c, f, LIMIT)?;
    let mut waiting = Vec::new();
    let ids: Vec<(i64, String)> = c
        .prepare_cached(sql::WAITING_ORDERS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, number) in ids {
        if let Some(a) = payments::of_order(c, id)?.pop() {
            waiting.push((a, number));
        }
    }
    Ok(PaymentsPage {
        deliveries: rows,
        waiting,
    })
}

pub mod sql {
    //! SQL of the payments page. Every constant here is prepared against the schema by a test.

    /// Card orders still waiting for payment that have a gateway attempt, and those whose
    /// payment window closed them in the last week while a payment page was open (a
    /// payment may have gone through without its webhook), oldest first.
    pub const WAITING_ORDERS: &str = "SELECT o.id, o.number FROM orders o WHERE o.payment_method IN ('razorpay', 'stripe') AND o.payment_status = 'unpaid' AND (o.status = 'pending_payment' OR (o.status = 'cancelled' AND o.pay_by > unixepoch() - 7 * 86400 AND o.updated_at >= o.pay_by)) AND EXISTS (SELECT 1 FROM gateway_payments g WHERE g.order_id = o.id AND (o.status = 'pending_payment' OR (g.remote_id IS NOT NULL AND g.status IN ('open', 'creating')))) ORDER BY o.created_at LIMIT 100";

    pub const ALL: &[&str] = &[WAITING_ORDERS];
}
