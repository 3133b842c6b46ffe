//! The use cases: one function per thing a shopper, the owner or (next) a gateway webhook
//! does that writes. Each owns its `write_tx`, the domain calls inside it and the worker it
//! wakes after the commit, so two callers of the same use case (the HTML checkout and the
//! API checkout, the proof page and the API upload) cannot drift apart. Handlers in `web`
//! parse, authorize, call one function here and render; they never open a write
//! transaction themselves.

pub mod accounts;
pub mod admin_catalog;
pub mod admin_mail;
pub mod admin_merch;
pub mod admin_people;
pub mod cart;
pub mod checkout;
pub mod orders;
pub mod sessions;
