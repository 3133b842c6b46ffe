//! The order state machine of DESIGN.md §4, in one table: for an order's (status,
//! payment status, payment method) and an action, the next (status, payment status) or the
//! reason the action is refused. Pure (no SQL): `shop::orders` applies the result inside
//! its transaction and writes the order event; the exhaustive test below walks every
//! combination so a new row cannot silently open an illegal path.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    PendingPayment,
    AwaitingVerification,
    Confirmed,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
    Returned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Payment {
    Unpaid,
    Paid,
    PartiallyRefunded,
    Refunded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Cod,
    BankTransfer,
    Razorpay,
    Stripe,
}

/// What someone does to an order. `Refund` carries whether it refunds everything that is
/// left (full) or part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The shopper uploads a bank-transfer proof.
    UploadProof,
    /// The owner accepts the proof: paid.
    VerifyProof,
    /// The owner rejects the proof: back to waiting for payment.
    RejectProof,
    /// The owner confirms payment seen by other means (e.g. in the bank statement).
    ConfirmPayment,
    StartProcessing,
    Ship,
    Deliver,
    /// COD cash recorded (at or after delivery).
    CollectCash,
    Cancel,
    /// The payment window ran out (system).
    Expire,
    Refund {
        full: bool,
    },
    /// Goods came back (some or all lines).
    AcceptReturn,
    /// The courier brought an undelivered parcel back to the shop (RTO): every line is
    /// back on the shelf; what was paid stays paid until the owner refunds it.
    ReturnToSender,
    /// A transfer arrived for a cancelled, never-confirmed bank-transfer order and the
    /// owner sent it back: the order records the money in and out (payment `refunded`;
    /// the dashboard leaves cancelled orders out of revenue, so it stays 0).
    ReturnTransfer,
    /// The card gateway captured the payment of a card order waiting for it (webhook,
    /// the shopper's return or the owner's re-check: whichever comes first).
    GatewayCapture,
    /// The gateway captured the payment of a card order that had already been cancelled
    /// or expired (its goods never left), and its stock could be taken again: it is
    /// confirmed and paid after all.
    LateCapture,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::PendingPayment,
        Status::AwaitingVerification,
        Status::Confirmed,
        Status::Processing,
        Status::Shipped,
        Status::Delivered,
        Status::Cancelled,
        Status::Returned,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingPayment => "pending_payment",
            Status::AwaitingVerification => "awaiting_verification",
            Status::Confirmed => "confirmed",
            Status::Processing => "processing",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
            Status::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Goods have left the shop (cancelling is no longer possible; a return is).
    pub fn dispatched(self) -> bool {
        matches!(self, Status::Shipped | Status::Delivered | Status::Returned)
    }
}

impl Payment {
    pub const ALL: [Payment; 4] = [
        Payment::Unpaid,
        Payment::Paid,
        Payment::PartiallyRefunded,
        Payment::Refunded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Unpaid => "unpaid",
            Payment::Paid => "paid",
            Payment::PartiallyRefunded => "partially_refunded",
            Payment::Refunded => "refunded",
        }
    }
    pub fn parse(s: &str) -> Option<Payment> {
        Payment::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Cod,
        Method::BankTransfer,
        Method::Razorpay,
        Method::Stripe,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cod => "cod",
            Method::BankTransfer => "bank_transfer",
            Method::Razorpay => "razorpay",
            Method::Stripe => "stripe",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Where a new order starts: COD is accepted at once (paid at the door); every other
    /// method waits for its payment.
    pub fn initial(self) -> Status {
        match self {
            Method::Cod => Status::Confirmed,
            _ => Status::PendingPayment,
        }
    }
}

fn refuse<T>(why: &str) -> Result<T> {
    Err(Error::conflict(why))
}

/// The one transition table. Returns the next (status, payment) or a 409 with the reason,
/// worded for the owner or shopper who tried.
pub fn next(
    status: Status,
    pay: Payment,
    method: Method,
    action: Action,
) -> Result<(Status, Payment)> {
    use Action as A;
    use Payment as P;
    use Status as S;
    match action {
        A::UploadProof => match (method, status) {
            (Method::BankTransfer, S::PendingPayment | S::AwaitingVerification) => {
                Ok((S::AwaitingVerification, pay))
            }
            (Method::BankTransfer, _) => refuse(
                "This order no longer takes payment proofs: its payment is already settled or the order is closed.",
            ),
            _ => refuse("Payment proofs are only for orders paid by bank transfer."),
        },
        A::VerifyProof | A::RejectProof => match (method, status) {
            (Method::BankTransfer, S::AwaitingVerification) => Ok(if action == A::VerifyProof {
                (S::Confirmed, P::Paid)
            } else {
                (S::PendingPayment, pay)
            }),
            _ => refuse("There is no payment proof waiting for a decision on this order."),
        },
        A::ConfirmPayment => match (method, status, pay) {
            (Method::Cod, _, _) => refuse(
                "A cash-on-delivery order is paid at the door: record the cash when it is collected.",
            ),
            (_, S::PendingPayment | S::AwaitingVerification, P::Unpaid) => {
                Ok((S::Confirmed, P::Paid))
            }
            _ => refuse("Only an order waiting for its payment can be confirmed as paid."),
        },
        A::StartProcessing => match status {
            S::Confirmed => Ok((S::Processing, pay)),
            _ => refuse("Only a confirmed order can start processing."),
        },
        A::Ship => match status {
            S::Confirmed | S::Processing => Ok((S::Shipped, pay)),
            S::PendingPayment | S::AwaitingVerification => {
                refuse("This order is not paid yet: confirm the payment before shipping.")
            }
            _ => refuse("Only a confirmed or processing order can be shipped."),
        },
        A::Deliver => match status {
            S::Shipped => Ok((S::Delivered, pay)),
            _ => refuse("Only a shipped order can be marked delivered."),
        },
        A::CollectCash => match (method, status, pay) {
            (Method::Cod, S::Shipped | S::Delivered, P::Unpaid) => Ok((status, P::Paid)),
            (Method::Cod, _, P::Unpaid) => {
                refuse("Cash is collected on delivery: ship the order first.")
            }
            (Method::Cod, _, _) => refuse("The cash for this order is already recorded."),
            _ => refuse("Only cash-on-delivery orders collect cash."),
        },
        A::Cancel => match status {
            S::PendingPayment | S::AwaitingVerification | S::Confirmed | S::Processing => {
                Ok((S::Cancelled, pay))
            }
            S::Cancelled => refuse("This order is already cancelled."),
            _ => refuse(
                "This order has already been shipped: accept a return instead of cancelling.",
            ),
        },
        A::Expire => match (status, pay) {
            (S::PendingPayment, P::Unpaid) if method != Method::Cod => Ok((S::Cancelled, pay)),
            _ => refuse("Only an unpaid order waiting for payment can expire."),
        },
        A::Refund { full } => match pay {
            P::Paid | P::PartiallyRefunded => Ok((
                status,
                if full {
                    P::Refunded
                } else {
                    P::PartiallyRefunded
                },
            )),
            P::Unpaid => refuse("Nothing was paid for this order, so there is nothing to refund."),
            P::Refunded => refuse("This order is already fully refunded."),
        },
        A::AcceptReturn => match status {
            S::Delivered | S::Returned => Ok((S::Returned, pay)),
            _ => refuse("Only a delivered order can be returned."),
        },
        A::ReturnToSender => match status {
            S::Shipped => Ok((S::Returned, pay)),
            _ => refuse("Only a shipped, undelivered order can come back from the courier."),
        },
        A::ReturnTransfer => match (method, status, pay) {
            (Method::BankTransfer, S::Cancelled, P::Unpaid) => Ok((S::Cancelled, P::Refunded)),
            (Method::BankTransfer, S::Cancelled, _) => {
                refuse("This order's payment is already recorded: record a refund of it instead.")
            }
            _ => refuse(
                "A returned transfer is recorded only on a cancelled, unpaid bank-transfer order.",
            ),
        },
        A::GatewayCapture => match (method, status, pay) {
            (Method::Razorpay | Method::Stripe, S::PendingPayment, P::Unpaid) => {
                Ok((S::Confirmed, P::Paid))
            }
            (Method::Razorpay | Method::Stripe, _, _) => {
                refuse("This order is not waiting for its card payment.")
            }
            _ => refuse("Only card orders are captured by a payment gateway."),
        },
        A::LateCapture => match (method, status, pay) {
            (Method::Razorpay | Method::Stripe, S::Cancelled, P::Unpaid) => {
                Ok((S::Confirmed, P::Paid))
            }
            _ => refuse("Only a cancelled, unpaid card order can be revived by a late payment."),
        },
    }
}

/// Whether stock goes back to the shelf when this action is applied (a cancel or expiry
/// of an order whose goods never left; returns restock line by line instead).
pub fn restocks(action: Action) -> bool {
    matches!(action, Action::Cancel | Action::Expire)
}

/// The method in the shopper's words.
pub fn method_label(m: Method) -> &'static str {
    match m {
        Method::Cod => "cash on delivery",
        Method::BankTransfer => "bank transfer",
        Method::Razorpay => "Razorpay",
        Method::Stripe => "Stripe",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Payment as P;
    use Status as S;

    const ACTIONS: [Action; 17] = [
        A::UploadProof,
        A::VerifyProof,
        A::RejectProof,
        A::ConfirmPayment,
        A::StartProcessing,
        A::Ship,
        A::Deliver,
        A::CollectCash,
        A::Cancel,
        A::Expire,
        A::Refund { full: true },
        A::Refund { full: false },
        A::AcceptReturn,
        A::ReturnToSender,
        A::ReturnTransfer,
        A::GatewayCapture,
        A::LateCapture,
    ];

    /// The legal moves, written out by hand from DESIGN.md §4. Every (status, payment,
    /// method, action) not listed here must be refused.
    fn allowed() -> Vec<(S, P, Method, Action, S, P)> {
        let mut v = Vec::new();
        let bt = Method::BankTransfer;
        for p in P::ALL {
            v.push((
                S::PendingPayment,
                p,
                bt,
                A::UploadProof,
                S::AwaitingVerification,
                p,
            ));
            v.push((
                S::AwaitingVerification,
                p,
                bt,
                A::UploadProof,
                S::AwaitingVerification,
                p,
            ));
            v.push((
                S::AwaitingVerification,
                p,
                bt,
                A::VerifyProof,
                S::Confirmed,
                P::Paid,
            ));
            v.push((
                S::AwaitingVerification,
                p,
                bt,
                A::RejectProof,
                S::PendingPayment,
                p,
            ));
        }
        for m in Method::ALL {
            for p in P::ALL {
                if m != Method::Cod && p == P::Unpaid {
                    v.push((
                        S::PendingPayment,
                        p,
                        m,
                        A::ConfirmPayment,
                        S::Confirmed,
                        P::Paid,
                    ));
                    v.push((
                        S::AwaitingVerification,
                        p,
                        m,
                        A::ConfirmPayment,
                        S::Confirmed,
                        P::Paid,
                    ));
                    v.push((S::PendingPayment, p, m, A::Expire, S::Cancelled, p));
                }
                v.push((S::Confirmed, p, m, A::StartProcessing, S::Processing, p));
                v.push((S::Confirmed, p, m, A::Ship, S::Shipped, p));
                v.push((S::Processing, p, m, A::Ship, S::Shipped, p));
                v.push((S::Shipped, p, m, A::Deliver, S::Delivered, p));
                for s in [
                    S::PendingPayment,
                    S::AwaitingVerification,
                    S::Confirmed,
                    S::Processing,
                ] {
                    v.push((s, p, m, A::Cancel, S::Cancelled, p));
                }
                for s in [S::Delivered, S::Returned] {
                    v.push((s, p, m, A::AcceptReturn, S::Returned, p));
                }
                v.push((S::Shipped, p, m, A::ReturnToSender, S::Returned, p));
                if matches!(p, P::Paid | P::PartiallyRefunded) {
                    for s in S::ALL {
                        v.push((s, p, m, A::Refund { full: true }, s, P::Refunded));
                        v.push((s, p, m, A::Refund { full: false }, s, P::PartiallyRefunded));
                    }
                }
            }
            if m == Method::BankTransfer {
                v.push((
                    S::Cancelled,
                    P::Unpaid,
                    m,
                    A::ReturnTransfer,
                    S::Cancelled,
                    P::Refunded,
                ));
            }
            if m == Method::Cod {
                for s in [S::Shipped, S::Delivered] {
                    v.push((s, P::Unpaid, m, A::CollectCash, s, P::Paid));
                }
            }
            if matches!(m, Method::Razorpay | Method::Stripe) {
                v.push((
                    S::PendingPayment,
                    P::Unpaid,
                    m,
                    A::GatewayCapture,
                    S::Confirmed,
                    P::Paid,
                ));
                v.push((
                    S::Cancelled,
                    P::Unpaid,
                    m,
                    A::LateCapture,
                    S::Confirmed,
                    P::Paid,
                ));
            }
        }
        v
    }

    #[test]
    fn every_combination_matches_the_written_table() {
        let table = allowed();
        let mut checked = 0;
        for s in S::ALL {
            for p in P::ALL {
                for m in Method::ALL {
                    for a in ACTIONS {
                        let expected = table
                            .iter()
                            .find(|r| r.0 == s && r.1 == p && r.2 == m && r.3 == a)
                            .map(|r| (r.4, r.5));
                        let got = next(s, p, m, a);
                        match (expected, got) {
                            (Some(e), Ok(g)) => assert_eq!(e, g, "{s:?} {p:?} {m:?} {a:?}"),
                            (None, Err(e)) => {
                                assert_eq!(e.status(), 409);
                                assert!(!e.public.is_empty());
                            }
                            (e, g) => panic!("{s:?} {p:?} {m:?} {a:?}: expected {e:?}, got {g:?}"),
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 4 * 4 * 17);
    }

    #[test]
    fn names_round_trip_and_initial_states() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for p in P::ALL {
            assert_eq!(P::parse(p.as_str()), Some(p));
        }
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(S::parse("lost"), None);
        assert_eq!(Method::Cod.initial(), S::Confirmed);
        assert_eq!(Method::BankTransfer.initial(), S::PendingPayment);
        assert!(restocks(A::Cancel) && restocks(A::Expire) && !restocks(A::AcceptReturn));
    }

    #[test]
    fn a_cod_order_runs_to_delivered_and_paid() {
        let m = Method::Cod;
        let mut st = (m.initial(), P::Unpaid);
        for a in [A::StartProcessing, A::Ship, A::Deliver, A::CollectCash] {
            st = next(st.0, st.1, m, a).unwrap();
        }
        assert_eq!(st, (S::Delivered, P::Paid));
        let e = next(st.0, st.1, m, A::Cancel).unwrap_err();
        assert!(e.public.contains("return"), "{}", e.public);
    }
}
