//! Clients for the peers the store talks to over the network: mail transports and the
//! card gateways and the courier (Shiprocket). Code here is called from the outbox worker and from
//! the card-payment use cases (the shopper waits for the gateway's payment page, and the
//! owner's re-check reads the live state), never from a request handler directly and
//! never inside a database transaction (house rule 4), so a slow or broken peer can
//! delay a side effect but not a sale, and never holds the writer.

pub mod gateway;
pub mod mail;
pub mod shiprocket;

/// The HTTP client every peer is called with: one overall timeout, our user agent, and
/// 4xx/5xx answers handed back (each adapter reads the peer's own words from them).
pub(crate) fn agent(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent("boutique/0.1")
        .build()
        .into()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later (network, timeout, 429, 5xx, 4xx SMTP replies).
    Retry(String),
    /// Like `Retry`, but the peer said not before this many seconds (Resend's 429
    /// `retry-after`); the outbox waits at least that long.
    RetryAfter(String, i64),
    /// Will fail the same way every time (bad address, 4xx API answer, 5xx SMTP reply).
    Permanent(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Retry(m) => write!(f, "temporary: {m}"),
            SendError::RetryAfter(m, secs) => write!(f, "temporary: {m} (retry after {secs} s)"),
            SendError::Permanent(m) => write!(f, "permanent: {m}"),
        }
    }
}
