//! boutique: a complete online store as one binary. This file is the module tree; `app`
//! wires the pieces together and `app::start` is what both `main` and the tests call.

pub mod app;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod http;
pub mod limits;
pub mod remote;
pub mod shop;
pub mod views;
pub mod web;
