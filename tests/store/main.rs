//! The store's integration tests, as one test binary (one link, one process, shared
//! fixtures such as `common::shared()`): each module starts the real server on
//! 127.0.0.1:0 with a temp data dir and real SQLite and talks HTTP to it, or runs the real
//! binary (`cli`, `crash`, `upload_bombs`). The three tests of the bare HTTP server that
//! change the whole process (the SIGTERM flag, the descriptor limit, thread counts) are
//! their own binaries beside this folder.

mod common;
#[path = "../rawhttp/mod.rs"]
mod rawhttp;

mod abuse_limits;
mod accounts;
mod admin;
mod admin_audit;
mod admin_coupons;
mod admin_csv;
mod admin_customers;
mod admin_dashboard;
mod admin_merch;
mod admin_products;
mod admin_settings;
mod admin_stock;
mod architecture;
mod browser;
mod card_checkout;
mod checkout_api;
mod cli;
mod config_reload;
mod crash;
mod follow_ups;
mod health;
mod http_edge;
mod orders_html;
mod outbox;
mod page_cache;
mod payments;
mod reviews;
mod sessions;
mod shipping;
mod signin;
mod sql_schema;
mod storefront;
mod text_input;
mod upload_bombs;
mod wishlist;
