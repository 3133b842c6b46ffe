//! The one error type. Every failure becomes an `Error` with a kind (which picks the HTTP
//! status), a public message that is safe to show a shopper, and an optional private detail
//! that only goes to the log. User input never produces `Kind::Internal`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BadRequest,
    /// No credentials, or not the right kind (an API call without its bearer token).
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    /// Well-formed but refused (an idempotency key reused for a different request).
    Unprocessable,
    PayloadTooLarge,
    UnsupportedMedia,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl Kind {
    pub fn status(self) -> u16 {
        match self {
            Kind::BadRequest => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::MethodNotAllowed => 405,
            Kind::Conflict => 409,
            Kind::Unprocessable => 422,
            Kind::PayloadTooLarge => 413,
            Kind::UnsupportedMedia => 415,
            Kind::TooManyRequests => 429,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }

    /// Machine-readable code used in the JSON error envelope.
    pub fn code(self) -> &'static str {
        match self {
            Kind::BadRequest => "bad_request",
            Kind::Unauthorized => "unauthorized",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::MethodNotAllowed => "method_not_allowed",
            Kind::Conflict => "conflict",
            Kind::Unprocessable => "idempotency_key_reused",
            Kind::PayloadTooLarge => "payload_too_large",
            Kind::UnsupportedMedia => "unsupported_media_type",
            Kind::TooManyRequests => "rate_limited",
            Kind::Unavailable => "unavailable",
            Kind::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    /// Safe to show to anyone.
    pub public: String,
    /// Private detail for the log only (may mention paths, SQL, …).
    pub detail: Option<String>,
    /// Seconds to wait, sent as `Retry-After` (a 429, or a 503 the store recovers from).
    pub retry_after: Option<i64>,
    /// Structured facts for API clients (e.g. the short variants of a 409), put in the
    /// JSON envelope as `error.details`.
    pub details: Option<Box<serde_json::Value>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, public: impl Into<String>) -> Error {
        Error {
            kind,
            public: public.into(),
            detail: None,
            retry_after: None,
            details: None,
        }
    }
    /// A rate limit hit: 429 with the wait in the message and in `Retry-After`.
    pub fn rate_limited(wait_secs: i64, what: &str) -> Error {
        let wait = wait_secs.max(1);
        let minutes = (wait + 59) / 60;
        let mut e = Error::new(
            Kind::TooManyRequests,
            format!("{what} Please try again in {minutes} minute(s)."),
        );
        e.retry_after = Some(wait);
        e
    }
    pub fn with_details(mut self, details: serde_json::Value) -> Error {
        self.details = Some(Box::new(details));
        self
    }
    pub fn bad_request(msg: impl Into<String>) -> Error {
        Error::new(Kind::BadRequest, msg)
    }
    pub fn not_found(msg: impl Into<String>) -> Error {
        Error::new(Kind::NotFound, msg)
    }
    pub fn conflict(msg: impl Into<String>) -> Error {
        Error::new(Kind::Conflict, msg)
    }
    /// An internal failure: the shopper sees a generic sentence, the log gets `detail`.
    pub fn internal(detail: impl fmt::Display) -> Error {
        Error {
            kind: Kind::Internal,
            public: "Something went wrong on our side. Please try again.".into(),
            detail: Some(detail.to_string()),
            retry_after: None,
            details: None,
        }
    }
    pub fn with_detail(mut self, detail: impl fmt::Display) -> Error {
        self.detail = Some(detail.to_string());
        self
    }
    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{}: {} ({})", self.kind.code(), self.public, d),
            None => write!(f, "{}: {}", self.kind.code(), self.public),
        }
    }
}

impl std::error::Error for Error {}

/// Every database error becomes an `Error` here, and only here. A database that stayed
/// busy or locked past `busy_timeout`, or a full disk, is the store being unable to serve
/// for a moment, not a fault in the request: 503 with `Retry-After`, so browsers and API
/// clients know to come back (and nothing was written: the transaction rolled back).
/// Anything else is a 500 with the SQLite message in the log only.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked, DiskFull};
        let (public, wait) = match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => {
                ("The store is busy. Please try again in a moment.", 2)
            }
            Some(DiskFull) => (
                "The store cannot save anything right now. Please try again later.",
                60,
            ),
            _ => return Error::internal(format!("sqlite: {e}")),
        };
        let mut err = Error::new(Kind::Unavailable, public).with_detail(format!("sqlite: {e}"));
        err.retry_after = Some(wait);
        err
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Error {
        Error::new(
            Kind::Unavailable,
            "The store is busy. Please try again in a moment.",
        )
        .with_detail(format!("pool: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::internal(format!("io: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn busy_locked_and_full_are_503_with_retry_after_the_rest_500() {
        for code in [
            rusqlite::ffi::SQLITE_BUSY,
            rusqlite::ffi::SQLITE_LOCKED,
            rusqlite::ffi::SQLITE_FULL,
        ] {
            let e = Error::from(sqlite(code));
            assert_eq!(e.status(), 503, "{e}");
            assert!(e.retry_after.is_some_and(|w| w > 0), "{e}");
            assert!(!e.public.contains("sqlite"), "{e}");
        }
        let e = Error::from(sqlite(rusqlite::ffi::SQLITE_CORRUPT));
        assert_eq!(e.status(), 500);
        assert!(e.retry_after.is_none());
    }
}
