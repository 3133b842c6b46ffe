//! The HTTP edge: the only code that touches sockets and HTTP framing (house rule 1).
//! `server` owns connections (limits, deadlines, keep-alive); `chunked` decodes chunked
//! request bodies; `types` holds the request and response values that handlers see; `assets`
//! serves embedded files with hashed URLs; `query` decodes query strings and forms;
//! `multipart` parses upload bodies.

pub mod assets;
pub mod chunked;
pub mod multipart;
pub mod query;
pub mod server;
pub mod types;

pub use server::{
    ServerConfig, ServerHandle, Stopper, current_request_id, install_signal_handlers, serve,
};
pub use types::{Handler, Head, Req, Resp};
