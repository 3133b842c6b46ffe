//! STUB — replaced by the config work (see the brief). The struct shapes are the contract.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub store: StoreConfig,
    pub server: ServerSection,
    pub catalog: CatalogConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    pub name: String,
    pub tagline: String,
    /// Public base URL without trailing slash, e.g. "https://shop.example.com".
    pub url: String,
    /// ISO 4217 code, e.g. "INR".
    pub currency: String,
    /// Digits after the decimal point of the currency (minor units), 0..=3.
    pub currency_digits: u8,
    /// Symbol shown before amounts, e.g. "₹".
    pub currency_symbol: String,
    /// BCP 47 language tag for <html lang>, e.g. "en-IN".
    pub locale: String,
    /// Fixed UTC offset in minutes used to show times (e.g. +330 for "+05:30").
    pub utc_offset_minutes: i32,
    pub contact_email: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerSection {
    pub listen: String,
    /// Directory holding store.db, proofs/, mail/. Relative paths are relative to the
    /// config file's directory.
    pub data_dir: PathBuf,
    pub max_connections: usize,
    /// "full" (default) or "normal".
    pub synchronous: String,
    pub reader_pool_size: u32,
    pub idle_timeout_secs: u64,
    pub head_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogConfig {
    pub low_stock_threshold: i64,
    pub page_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            store: StoreConfig {
                name: "Saffron & Loom".into(),
                tagline: "Slow-made clothing, skincare and pantry goods".into(),
                url: "http://127.0.0.1:8080".into(),
                currency: "INR".into(),
                currency_digits: 2,
                currency_symbol: "₹".into(),
                locale: "en-IN".into(),
                utc_offset_minutes: 330,
                contact_email: "hello@example.com".into(),
            },
            server: ServerSection {
                listen: "127.0.0.1:8080".into(),
                data_dir: PathBuf::from("data"),
                max_connections: 1024,
                synchronous: "full".into(),
                reader_pool_size: 8,
                idle_timeout_secs: 30,
                head_timeout_secs: 10,
                body_timeout_secs: 10,
                trusted_proxies: vec![],
            },
            catalog: CatalogConfig {
                low_stock_threshold: 5,
                page_size: 24,
            },
        }
    }
}

/// Loads and validates a config file. Errors read `store.toml:12: ...`.
pub fn load(path: &Path) -> Result<Config, String> {
    let _ = path;
    Ok(Config::default())
}

/// The live config, swapped atomically on reload.
#[derive(Clone)]
pub struct ConfigHandle {
    inner: Arc<RwLock<Arc<Config>>>,
}

impl ConfigHandle {
    pub fn new(cfg: Config) -> ConfigHandle {
        ConfigHandle {
            inner: Arc::new(RwLock::new(Arc::new(cfg))),
        }
    }
    pub fn get(&self) -> Arc<Config> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub struct ConfigWatcher;

pub fn watch(_path: PathBuf, _handle: ConfigHandle) -> Result<ConfigWatcher, String> {
    Ok(ConfigWatcher)
}
