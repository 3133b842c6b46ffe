//! Clients for the peers the store talks to over the network or hands work to (mail
//! today; payment gateways and couriers later). Code here is only ever called from the
//! outbox worker, never from a request handler and never inside a database transaction
//! (house rule 4), so a slow or broken peer can delay a side effect but not a sale.

pub mod mail;
