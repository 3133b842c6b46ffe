//! The HTTP edge: the only code that touches sockets and HTTP framing (house rule 1).
//! `server` owns connections (limits, deadlines, keep-alive); `types` holds the request and
//! response values that handlers see; `assets` serves embedded files with hashed URLs.

pub mod assets;
pub mod query;
pub mod server;
pub mod types;

pub use server::{ServerConfig, ServerHandle, serve};
pub use types::{Handler, Head, Req, Resp};
