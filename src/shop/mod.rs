//! The domain: rules and their SQL next to each other, one folder per domain — `catalog`
//! (products, variants, images, merchandising, stock), `cart` (pricing, coupons), `orders`
//! (lifecycle, checkout, proofs), `payments` (card gateways), `shipping` (shipments, tracking) and `accounts` (customers, sessions, sign-in, addresses) —
//! plus what they share: the audit log, the events a write records (`events`), text checks. Nothing here names `app`,
//! `service`, `web`, `views` or `remote` (tests/store/architecture.rs).

pub mod accounts;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod events;
pub mod follow_ups;
pub mod orders;
pub mod payments;
pub mod reviews;
pub mod shipping;
pub mod text;
pub mod wishlist;
