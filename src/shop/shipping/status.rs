//! Our shipment states and how the courier's words map onto them: Shiprocket's shipment
//! status ids (specs/shiprocket.md §8.1, the table `shipment_status_id` and the scans'
//! `sr-status` use — not `current_status_id`, which counts in the order table §8.2), a
//! case-insensitive text fallback for ids we do not know, and the forward-only rule.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// A courier shipment being booked (no AWB yet).
    Creating,
    AwaitingPickup,
    InTransit,
    OutForDelivery,
    /// A delivery attempt failed (NDR); the courier tries again or returns it.
    DeliveryFailed,
    Delivered,
    /// Coming back to the shop after failed deliveries (RTO).
    Returning,
    /// Back at the shop.
    Returned,
    Cancelled,
    /// Lost, damaged or destroyed on the way.
    Lost,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Creating,
        State::AwaitingPickup,
        State::InTransit,
        State::OutForDelivery,
        State::DeliveryFailed,
        State::Delivered,
        State::Returning,
        State::Returned,
        State::Cancelled,
        State::Lost,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            State::Creating => "creating",
            State::AwaitingPickup => "awaiting_pickup",
            State::InTransit => "in_transit",
            State::OutForDelivery => "out_for_delivery",
            State::DeliveryFailed => "delivery_failed",
            State::Delivered => "delivered",
            State::Returning => "returning",
            State::Returned => "returned",
            State::Cancelled => "cancelled",
            State::Lost => "lost",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// In the shopper's words.
    pub fn label(self) -> &'static str {
        match self {
            State::Creating => "Being booked with the courier",
            State::AwaitingPickup => "Packed, waiting for the courier",
            State::InTransit => "On its way",
            State::OutForDelivery => "Out for delivery",
            State::DeliveryFailed => "Delivery attempted",
            State::Delivered => "Delivered",
            State::Returning => "Returning to us",
            State::Returned => "Returned to us",
            State::Cancelled => "Shipment cancelled",
            State::Lost => "Lost or damaged",
        }
    }
    /// How far along the journey: a state may only move to a later one. Failed delivery
    /// and out for delivery share a rank (a parcel goes out again after a failed try).
    fn rank(self) -> u8 {
        match self {
            State::Creating => 0,
            State::AwaitingPickup => 1,
            State::InTransit => 2,
            State::OutForDelivery | State::DeliveryFailed => 3,
            State::Returning => 4,
            State::Delivered | State::Returned | State::Cancelled | State::Lost => 5,
        }
    }
    pub fn is_final(self) -> bool {
        self.rank() == 5
    }
    /// The forward-only rule: nothing leaves a final state; a return, a cancellation or a
    /// loss may come from anywhere before it; otherwise only forward (or sideways between
    /// out-for-delivery and a failed attempt). An old update arriving late is refused here.
    pub fn may_become(self, to: State) -> bool {
        if self == to || self.is_final() {
            return false;
        }
        match to {
            State::Returning | State::Returned | State::Cancelled | State::Lost => true,
            State::Delivered => self != State::Returning,
            _ => self != State::Returning && to.rank() >= self.rank(),
        }
    }
}

/// Shiprocket's shipment status id (§8.1) → our state; None for ids the table leaves
/// out or that say nothing about where the parcel is (kept as history only).
pub fn from_code(id: i64) -> Option<State> {
    Some(match id {
        1..=5 | 11 | 13 | 15 | 19 | 20 | 27 | 52 | 59..=63 | 67 | 68 | 71 | 72 => {
            State::AwaitingPickup
        }
        6 | 18 | 22 | 38 | 39 | 42 | 48..=51 | 54..=57 => State::InTransit,
        17 => State::OutForDelivery,
        7 | 26 | 43 => State::Delivered,
        21 | 23 | 77 => State::DeliveryFailed,
        9 | 14 | 40 | 41 | 46 | 75 => State::Returning,
        10 | 78 => State::Returned,
        8 | 16 | 45 => State::Cancelled,
        12 | 24 | 25 | 44 | 76 => State::Lost,
        _ => return None,
    })
}

/// A scan's `sr-status` as it comes (a string: digits or "NA").
pub fn from_code_text(s: &str) -> Option<State> {
    s.trim().parse::<i64>().ok().and_then(from_code)
}

/// The text fallback for unknown ids: the courier's status words, any case. Order
/// matters ("RTO DELIVERED" is a return, "UNDELIVERED" is not a delivery).
pub fn from_text(s: &str) -> Option<State> {
    let t = s.trim().to_uppercase().replace(['_', '-'], " ");
    let has = |w: &str| t.contains(w);
    Some(if t.is_empty() || t == "NA" {
        return None;
    } else if has("RTO") || has("RETURN") {
        if has("DELIVERED") || has("BACK AT SELLER") {
            State::Returned
        } else {
            State::Returning
        }
    } else if has("UNDELIVERED") || has("NDR") || has("NOT DELIVERED") || has("PARTIAL") {
        State::DeliveryFailed
    } else if has("OUT FOR DELIVERY") || t == "OFD" {
        State::OutForDelivery
    } else if has("DELIVERED") || has("FULFILLED") {
        State::Delivered
    } else if has("CANCEL") {
        State::Cancelled
    } else if has("LOST") || has("DAMAGED") || has("DESTROYED") || has("UNTRACEABLE") {
        State::Lost
    } else if has("TRANSIT")
        || has("SHIPPED")
        || has("PICKED UP")
        || has("IN FLIGHT")
        || has("REACHED")
        || has("HANDOVER")
    {
        State::InTransit
    } else if has("PICKUP") || has("AWB") || has("MANIFEST") || has("LABEL") || has("BOOKED") {
        State::AwaitingPickup
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_samples_map_as_the_spec_reads_them() {
        // "IN TRANSIT" carries shipment_status_id 18 (§7's sample): in transit, while
        // 20 in the shipment table is a pickup exception (still waiting for pickup).
        assert_eq!(from_code(18), Some(State::InTransit));
        assert_eq!(from_code(20), Some(State::AwaitingPickup));
        assert_eq!(from_code(7), Some(State::Delivered));
        assert_eq!(from_code(17), Some(State::OutForDelivery));
        assert_eq!(from_code(42), Some(State::InTransit));
        assert_eq!(from_code(10), Some(State::Returned));
        assert_eq!(from_code(30), None);
        assert_eq!(from_code_text("NA"), None);
        assert_eq!(from_code_text("42"), Some(State::InTransit));
    }

    #[test]
    fn text_fallback_reads_words_in_any_case() {
        assert_eq!(from_text("In Transit"), Some(State::InTransit));
        assert_eq!(from_text("out for delivery"), Some(State::OutForDelivery));
        assert_eq!(from_text("UNDELIVERED"), Some(State::DeliveryFailed));
        assert_eq!(from_text("RTO Delivered"), Some(State::Returned));
        assert_eq!(from_text("rto_in_transit"), Some(State::Returning));
        assert_eq!(from_text("Delivered"), Some(State::Delivered));
        assert_eq!(from_text("Pickup Scheduled"), Some(State::AwaitingPickup));
        assert_eq!(from_text("something new"), None);
    }

    #[test]
    fn a_shipment_never_moves_backwards() {
        use State::*;
        assert!(AwaitingPickup.may_become(InTransit));
        assert!(!InTransit.may_become(AwaitingPickup));
        assert!(OutForDelivery.may_become(DeliveryFailed));
        assert!(DeliveryFailed.may_become(OutForDelivery));
        assert!(!Delivered.may_become(InTransit));
        assert!(!Delivered.may_become(Returning));
        assert!(InTransit.may_become(Returning));
        assert!(!Returning.may_become(InTransit));
        assert!(!Returning.may_become(Delivered));
        assert!(Returning.may_become(Returned));
        for s in State::ALL {
            assert!(!s.may_become(s));
            if s.is_final() {
                assert!(State::ALL.iter().all(|t| !s.may_become(*t)));
            }
        }
    }
}
