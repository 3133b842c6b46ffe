//! What a domain write reports it did, recorded on its transaction (`Tx::record`) rather
//! than reacted to on the spot: the domain decides that an order was placed or that stock
//! crossed its threshold; the service layer that opened the transaction takes the events
//! (`Tx::take`) and turns them into mails and jobs before it commits
//! (`service::notices::react`). So the domain never imports the mail wording, and a write
//! whose events nobody took fails instead of losing a mail (`db::write_tx`).

use crate::shop::catalog::stock::Item;
use crate::shop::orders::{Op, Order};

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An order was written. `access_token` is the shopper's secret link token; a guest
    /// also gets a sign-in link that ties the order to an account.
    OrderPlaced {
        order_id: i64,
        access_token: String,
        guest_link: Option<String>,
    },
    /// The owner (or the system) operated on an order; `order` is as it is after, and
    /// `event_id` the order-event row written for it.
    OrderChanged {
        order: Order,
        op: Op,
        note: String,
        event_id: i64,
    },
    /// The shopper attached a payment proof; the order now awaits verification.
    ProofUploaded { order: Order },
    /// An unpaid bank-transfer order reached its reminder time.
    PaymentReminderDue { order: Order },
    /// A card payment of `amount` came for an order already closed whose stock is gone:
    /// it is being refunded through the gateway (the shopper and the owner are told).
    LatePaymentRefunded { order: Order, amount: i64 },
    /// The courier reports the parcel out for delivery (the shopper's heads-up mail).
    OutForDelivery { order: Order },
    /// A variant's stock went from above its threshold to at or below it; `ledger_id` is
    /// the ledger row of that move (one alert per crossing).
    StockLow {
        item: Item,
        after: i64,
        ledger_id: i64,
    },
}
