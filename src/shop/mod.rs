//! Domain services: rules and SQL next to each other, one module per domain.

pub mod accounts;
pub mod addresses;
pub mod art;
pub mod audit;
pub mod audit_list;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod checkout;
pub mod coupons;
pub mod customers_admin;
pub mod demo;
pub mod images;
pub mod lifecycle;
pub mod merch;
pub mod notices;
pub mod ops;
pub mod orders;
pub mod outbox;
pub mod pricing;
pub mod proofs;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod stock;
