//! boutique: a complete online store as one binary. This file is the module tree; `app`
//! wires the pieces together and `app::start` is what both `main` and the tests call.
//!
//! The dependency rule (checked by `tests/store/architecture.rs`, which reads these
//! sources): `http` names nothing of ours but `error`; `web` parses, authorizes, calls one
//! `service` function per write and renders, and never calls `write_tx` or wakes a worker;
//! `service` owns every use case's transaction and the wake after commit; the domain
//! (`shop`) never names `service` or `web`; `views` take domain types, `money`, `zone` and
//! the store settings only; `remote` is reached only from the outbox worker (`jobs::worker`), the card-payment
//! use cases (`service::payments`: the shopper waits for the gateway's payment page) and
//! the courier jobs the worker runs (`service::shipping`).

pub mod admin_data;
pub mod app;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod files;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod logging;
pub mod money;
pub mod ops;
pub mod remote;
pub mod service;
pub mod shop;
pub mod views;
pub mod web;
pub mod zone;
