//! STUB — replaced by the HTTP server work (see the brief). Signatures are the contract.

use super::types::Handler;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

/// Limits and deadlines of the connection layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub max_connections: usize,
    pub head_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_read_timeout: Duration,
    pub write_timeout: Duration,
    pub max_header_line: usize,
    pub max_headers: usize,
    pub max_head_bytes: usize,
    pub access_log: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 1024,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_header_line: 8192,
            max_headers: 64,
            max_head_bytes: 32 * 1024,
            access_log: true,
        }
    }
}

pub struct ServerHandle {
    addr: SocketAddr,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
    /// Stop accepting, let in-flight requests finish (bounded), return.
    pub fn shutdown(self) {}
    /// Block until the server stops (after `shutdown` from another thread or a signal).
    pub fn wait(self) {}
}

pub fn serve(
    listener: TcpListener,
    handler: Arc<dyn Handler>,
    cfg: ServerConfig,
) -> std::io::Result<ServerHandle> {
    let _ = (handler, cfg);
    Ok(ServerHandle {
        addr: listener.local_addr()?,
    })
}

pub fn install_signal_handlers() -> &'static std::sync::atomic::AtomicBool {
    static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    &STOP
}
