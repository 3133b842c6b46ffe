//! Work that runs after the request: the outbox (jobs written in the same transaction as the
//! change that caused them, each with a kind, a payload and an idempotency key), the worker
//! that runs them by kind with retries and backoff (the only caller of `remote`), and the
//! sweeper that expires unpaid orders on a clock.

pub mod outbox;
pub mod sweeper;
pub mod worker;
