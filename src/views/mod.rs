//! Views: pure functions from plain structs to maud `Markup`. No SQL, no I/O, and never
//! `PreEscaped` of stored or user data (house rule 7).

pub mod account;
pub mod admin;
pub mod admin_audit;
pub mod admin_coupons;
pub mod admin_csv;
pub mod admin_customers;
pub mod admin_dashboard;
pub mod admin_flows;
pub mod admin_merch;
pub mod admin_orders;
pub mod admin_payments;
pub mod admin_products;
pub mod admin_settings;
pub mod admin_shipments;
pub mod admin_stock;
pub mod cart;
pub mod email;
pub mod follow_ups;
pub mod form;
pub mod format;
pub mod layout;
pub mod order;
pub mod pay;
pub mod reviews;
pub mod shop;
pub mod wishlist;
