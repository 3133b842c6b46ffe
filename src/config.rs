//! `store.toml` → one validated [`Config`], and live reloading of it. This file owns the
//! config file's layout (sections `[store]`, `[server]`, `[catalog]`, `[email]`, `[cart]`,
//! `[shipping]` with its `[[shipping.zones]]`, `[payments]`; every key optional, defaults =
//! [`Config::default`]), every rule a value must pass, the wording of the errors a shop
//! owner sees (`store.toml:7: [store] currency_digits must be between 0 and 3 (got 9)`),
//! and the [`ConfigHandle`] the rest of the program reads the live config through. The
//! file is read into toml's spanned document tree ([`toml::de::DeTable`]) and walked by
//! hand rather than through serde: that way every error carries the line of the key or
//! value it is about, ALL mistakes in a file are reported at once instead of the first,
//! and unknown keys can come with a "did you mean" hint.
//!
//! Money keys (fees, thresholds) are written in MAJOR units, as a whole number (`99`) or
//! text with decimals (`"99.50"`), and stored as exact integer MINOR units using `[store]
//! currency_digits` (9950 with 2 digits). TOML floats are refused: 0.1 has no exact binary
//! form and an amount must not drift by a paisa. `currency_digits` is read in a pre-pass
//! (`currency_digits_of`), so `[store]` may sit anywhere in the file, or be absent.
//!
//! Hot reload ([`watch`]) follows specs/crates.md: notify-debouncer-full on the file's
//! PARENT directory (editors save by writing a temp file and renaming it over the old one,
//! so a watch on the file itself would follow the old inode), events filtered by file name,
//! `Access` events skipped (reading the file would otherwise trigger the next reload,
//! forever). A bad edit is logged and recorded in [`ConfigHandle::status`]; the last good
//! config stays in force.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use notify_debouncer_full::notify::event::ModifyKind;
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub store: StoreConfig,
    pub server: ServerSection,
    pub catalog: CatalogConfig,
    pub email: EmailConfig,
    pub cart: CartConfig,
    pub shipping: ShippingConfig,
    pub payments: PaymentsConfig,
    pub limits: LimitsConfig,
    pub health: HealthConfig,
}

/// `[health]`: what `/healthz` counts as unhealthy (read live, no restart).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    /// Below this much free space on the data directory's filesystem, in MB, the store
    /// reports unhealthy (0 turns the check off).
    pub min_free_disk_mb: u64,
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
    /// Written in the file as `time_zone = "+05:30"`.
    pub utc_offset_minutes: i32,
    pub contact_email: String,
    /// 1 to 6 capital letters A-Z put before order numbers ("BQ" → `BQ-10427`), so a
    /// shopper quoting one on the phone or as a bank-transfer reference is recognisable.
    pub order_prefix: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerSection {
    pub listen: String,
    /// Directory holding store.db, proofs/, mail/. Relative paths are relative to the
    /// config file's directory ([`load`] and [`parse`] resolve them, so this is the path
    /// to use as is).
    pub data_dir: PathBuf,
    pub max_connections: usize,
    /// "full" (default) or "normal".
    pub synchronous: String,
    pub reader_pool_size: u32,
    pub idle_timeout_secs: u64,
    pub head_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections one visitor's address may hold at once (behind a trusted proxy: requests
    /// in flight per forwarded address). Read at start-up.
    pub max_connections_per_client: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogConfig {
    pub low_stock_threshold: i64,
    pub page_size: usize,
}

/// `[email]`: how mail leaves the store. Read live by the mail worker (it rebuilds its
/// transport when this section changes), so none of these keys needs a restart.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailConfig {
    /// "file" (default: every message is written as an `.eml` file under
    /// `data_dir/mail/`), "smtp" or "resend". The keys each transport needs are checked
    /// at load time, so a config never claims to send mail it cannot.
    pub transport: String,
    /// The From header, `Name <address>` or a bare address. Checked for CR/LF because it
    /// goes verbatim into a mail header.
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (plain text: only
    /// for a local test sink; credentials would cross the wire in clear).
    pub smtp_tls: String,
    pub smtp_username: String,
    pub smtp_password: Secret,
    pub resend_api_key: Secret,
    /// Without trailing slash; a test points it at a local fake.
    pub resend_base_url: String,
}

/// `[cart]`: limits that keep one cart, and the order placed from it, a sane size.
#[derive(Debug, Clone, PartialEq)]
pub struct CartConfig {
    /// Units of one variant on one cart line, 1..=999. Compared with stored quantities
    /// (SQLite INTEGER), hence i64.
    pub max_line_quantity: i64,
    /// Distinct lines (variants) in one cart, 1..=200.
    pub max_lines: usize,
}

/// `[limits]`: how much one visitor can order and how much mail one unproven address
/// gets. Counted from the database (see shop::orders::checkout and jobs::outbox), so a restart
/// does not reset them. The client address is the one `trusted_proxies` resolves.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfig {
    /// Orders one client address may place in an hour, 1..=100000. Generous by default:
    /// behind mobile carrier NAT many real shoppers share one address.
    pub orders_per_address_per_hour: i64,
    /// Orders placed for one email address in an hour, 1..=100000.
    pub orders_per_email_per_hour: i64,
    /// Units one client address may hold in orders that are not paid yet (bank transfer
    /// or card awaiting payment, COD not yet shipped), 1..=1000000.
    pub unpaid_units_per_address: i64,
    /// Mails queued in an hour to one address that has never signed in (no proven
    /// account); the rest are held and shown in the admin email log. 1..=100000.
    pub mails_per_unproven_address_per_hour: i64,
}

/// `[shipping]`: a flat fee per order, a free-shipping threshold, and the zones shipped
/// to. Amounts are in minor units (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct ShippingConfig {
    /// Flat fee per order, used by every zone that does not set its own.
    pub fee: i64,
    /// Subtotal (after discount) at or above which shipping is free; 0 = never free.
    pub free_over: i64,
    /// Where the shop ships, tried in file order: the first zone that matches an address
    /// wins ([`ShippingConfig::zone_for`]). An address no zone matches cannot be shipped
    /// to. Never empty; names are unique (case-insensitively) and no zone is hidden by an
    /// earlier one that covers all its places (both checked at load).
    pub zones: Vec<Zone>,
}

/// One `[[shipping.zones]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// 1-60 characters, shown to the admin and stored on the order (`shipping_zone`).
    pub name: String,
    /// ISO 3166-1 alpha-2 codes in capitals ("IN", "GB"), or exactly `["*"]` for every
    /// country. Never empty.
    pub countries: Vec<String>,
    /// Region/state names as written (trimmed), matched case-insensitively; empty = the
    /// whole of each country.
    pub regions: Vec<String>,
    /// Overrides [`ShippingConfig::fee`] in this zone.
    pub fee: Option<i64>,
    /// Overrides [`ShippingConfig::free_over`] in this zone (0 = never free).
    pub free_over: Option<i64>,
    /// Cash on delivery offered in this zone (when [`PaymentsConfig::cod`] is on at all):
    /// couriers collect cash only where they operate COD.
    pub cod: bool,
}

impl ShippingConfig {
    /// The zone an address ships under: the first, in file order, whose countries hold
    /// `country` (any case) or `"*"` and whose regions are empty or hold `region`
    /// (compared trimmed and case-insensitively, so "karnataka " matches "Karnataka").
    /// `None`: the shop does not ship there.
    pub fn zone_for(&self, country: &str, region: &str) -> Option<&Zone> {
        let country = country.trim().to_ascii_uppercase();
        let region = region.trim();
        self.zones.iter().find(|z| {
            z.countries.iter().any(|c| c == "*" || *c == country)
                && (z.regions.is_empty() || z.regions.iter().any(|r| same_region(r, region)))
        })
    }
}

/// Region names as shoppers type them: trimmed, any case.
fn same_region(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// `[payments]`: cash on delivery and bank transfer. The bank details are shown to
/// shoppers on the order page and in emails, so they are plain strings, not [`Secret`]s.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentsConfig {
    /// Cash on delivery offered at all (each zone can still turn it off with `cod`).
    pub cod: bool,
    /// Added to the total when the shopper picks COD (minor units).
    pub cod_fee: i64,
    /// COD not offered when the order total is above this (minor units); 0 = no limit.
    /// Caps the cash a courier carries and what a refused parcel can cost.
    pub cod_max_order: i64,
    /// Bank transfer offered. When true, `bank_account_name` and `bank_account_number`
    /// are non-empty (checked at load), so the shopper always has somewhere to pay.
    pub bank_transfer: bool,
    pub bank_account_name: String,
    pub bank_account_number: String,
    /// Bank and branch, e.g. "HDFC Bank, Indiranagar, Bengaluru".
    pub bank_name: String,
    /// Indian branch code for NEFT/IMPS/RTGS; may be empty abroad.
    pub bank_ifsc: String,
    /// For international transfers; may be empty.
    pub bank_iban: String,
    /// Shown under the bank details: what to quote as the reference, how to send proof.
    pub bank_instructions: String,
    /// An unpaid bank-transfer order expires this many hours after it was placed, 1..=720.
    pub payment_window_hours: i64,
    /// The "please pay" reminder goes out this many hours after placing; always less
    /// than `payment_window_hours` (checked at load), so it arrives while paying still
    /// counts.
    pub reminder_after_hours: i64,
    /// Largest accepted payment-proof upload, in bytes. Written in the file as
    /// `proof_max_mb` (1..=25), times 1024 × 1024.
    pub proof_max_bytes: u64,
}

/// A password or API key. Debug prints `***` so a logged or panicked config never leaks
/// it; the value is only reachable through [`Secret::expose`]. It comes from store.toml
/// or, when its environment variable is set, from there (`env` names it), so an owner can
/// keep keys out of the file they back up and edit.
#[derive(Clone, PartialEq, Default)]
pub struct Secret(String, Option<&'static str>);

/// The environment variables that may hold the secrets, by `[section] key`.
pub const SECRET_ENV: &[(&str, &str, &str)] = &[
    ("email", "smtp_password", "BOUTIQUE_SMTP_PASSWORD"),
    ("email", "resend_api_key", "BOUTIQUE_RESEND_API_KEY"),
];

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into(), None)
    }
    /// The secret given by environment variable `var`.
    pub fn from_env(s: impl Into<String>, var: &'static str) -> Secret {
        Secret(s.into(), Some(var))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The environment variable it was read from; None when from store.toml (or unset).
    pub fn env(&self) -> Option<&'static str> {
        self.1
    }
}

/// `[section] key`'s secret from its environment variable, when that is set and not empty
/// (it then wins over store.toml); otherwise `from_file`.
fn secret_from_env(section: &str, key: &str, from_file: Secret) -> Secret {
    SECRET_ENV
        .iter()
        .find(|(s, k, _)| *s == section && *k == key)
        .and_then(|(_, _, var)| {
            let v = std::env::var(var).ok()?;
            let v = v.trim();
            (!v.is_empty()).then(|| Secret::from_env(v, var))
        })
        .unwrap_or(from_file)
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
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
                order_prefix: "BQ".into(),
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
                max_connections_per_client: 64,
            },
            catalog: CatalogConfig {
                low_stock_threshold: 5,
                page_size: 24,
            },
            email: EmailConfig {
                transport: "file".into(),
                from: "Store <shop@example.com>".into(),
                smtp_host: String::new(),
                smtp_port: 587,
                smtp_tls: "starttls".into(),
                smtp_username: String::new(),
                smtp_password: Secret::default(),
                resend_api_key: Secret::default(),
                resend_base_url: "https://api.resend.com".into(),
            },
            cart: CartConfig {
                max_line_quantity: 10,
                max_lines: 10,
            },
            limits: LimitsConfig {
                orders_per_address_per_hour: 30,
                orders_per_email_per_hour: 5,
                unpaid_units_per_address: 40,
                mails_per_unproven_address_per_hour: 10,
            },
            shipping: ShippingConfig {
                fee: 9900,
                free_over: 149_900,
                zones: vec![Zone {
                    name: "Everywhere".into(),
                    countries: vec!["*".into()],
                    regions: vec![],
                    fee: None,
                    free_over: None,
                    cod: true,
                }],
            },
            payments: PaymentsConfig {
                cod: true,
                cod_fee: 4900,
                cod_max_order: 2_000_000,
                bank_transfer: true,
                bank_account_name: "Saffron & Loom Retail LLP".into(),
                bank_account_number: "50200012345678".into(),
                bank_name: "HDFC Bank, Indiranagar, Bengaluru".into(),
                bank_ifsc: "HDFC0001234".into(),
                bank_iban: String::new(),
                bank_instructions: "Use your order number as the payment reference. Upload a screenshot of the transfer on your order page.".into(),
                payment_window_hours: 48,
                reminder_after_hours: 24,
                proof_max_bytes: 8 * 1024 * 1024,
            },
            health: HealthConfig {
                min_free_disk_mb: 256,
            },
        }
    }
}

/// Keys the running server reads only once at start-up (the socket, the database and its
/// pools, the connection cap). A reload still stores their new values in the config, but
/// they take effect only after a restart.
pub const RESTART_KEYS: [&str; 7] = [
    "server.listen",
    "server.data_dir",
    "server.max_connections",
    "server.synchronous",
    "server.reader_pool_size",
    // The connection layer gets these once, when it starts (it must not read our config).
    "server.max_connections_per_client",
    "server.trusted_proxies",
];

impl Config {
    /// The [`RESTART_KEYS`] whose value differs between `self` and `other`.
    pub fn restart_keys_changed(&self, other: &Config) -> Vec<&'static str> {
        let (a, b) = (&self.server, &other.server);
        let changed = [
            a.listen != b.listen,
            a.data_dir != b.data_dir,
            a.max_connections != b.max_connections,
            a.synchronous != b.synchronous,
            a.reader_pool_size != b.reader_pool_size,
            a.max_connections_per_client != b.max_connections_per_client,
            a.trusted_proxies != b.trusted_proxies,
        ];
        RESTART_KEYS
            .iter()
            .zip(changed)
            .filter(|(_, c)| *c)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// Loads and validates a config file. Errors read `store.toml:12: ...`, one line per
/// problem, with the path as given. A missing file is an error too (the caller decides
/// whether to fall back to [`Config::default`]). A relative `data_dir` is resolved against
/// the directory that holds the config file, so `boutique serve --config /srv/shop/store.toml`
/// uses `/srv/shop/data` whatever the current directory is.
pub fn load(path: &Path) -> Result<Config, String> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{label}: config file not found"),
        _ => format!("{label}: cannot read the config file: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), at);
        format!("{label}:{line}: this line is not valid UTF-8 text; save the file as UTF-8")
    })?;
    // Absolute, so the data directory does not move if the process changes directory.
    let parent = path.parent().unwrap_or(Path::new(""));
    let base = if parent.as_os_str().is_empty() {
        std::path::absolute(".").unwrap_or_default()
    } else {
        std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
    };
    parse(&text, &label, &base)
}

/// Parses and validates config text. `file_label` starts every error line
/// (`FILE:LINE: message`); a relative `data_dir` (including the default `data`) is joined
/// onto `base_dir`. All problems found are returned, one per line, in file order.
pub fn parse(text: &str, file_label: &str, base_dir: &Path) -> Result<Config, String> {
    // A UTF-8 byte-order mark (some Windows editors add one) has no newline in it, so
    // removing it does not shift line numbers.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ck = Checker {
        text,
        errors: Vec::new(),
        currency_digits: Config::default().store.currency_digits,
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // The recovered tree may be missing whatever the broken line held, so checking
        // it would report follow-on noise ("unknown key"...). Report the syntax only.
        for e in &syntax {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            ck.errors.push((
                line_of(text.as_bytes(), at),
                format!("this line is not valid TOML: {}", syntax_hint(e.message())),
            ));
        }
    } else {
        let mut cfg = Config::default();
        ck.document(doc.get_ref(), &mut cfg);
        if ck.errors.is_empty() {
            if cfg.server.data_dir.is_relative() {
                cfg.server.data_dir = base_dir.join(&cfg.server.data_dir);
            }
            return Ok(cfg);
        }
    }
    ck.errors.sort_by_key(|(line, _)| *line);
    let mut out = String::new();
    for (i, (line, msg)) in ck.errors.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{file_label}:{line}: {msg}");
    }
    Err(out)
}

/// Turns toml's terse parser messages into something a shop owner can act on.
fn syntax_hint(msg: &str) -> String {
    if msg.starts_with("duplicate key") {
        return "this key or [section] appears twice; keep only one".into();
    }
    msg.to_string()
}

/// 1-based line number of byte offset `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

const SECTIONS: [&str; 9] = [
    "store", "server", "catalog", "email", "cart", "shipping", "payments", "limits", "health",
];
const HEALTH_KEYS: [&str; 1] = ["min_free_disk_mb"];
const STORE_KEYS: [&str; 10] = [
    "name",
    "tagline",
    "url",
    "currency",
    "currency_digits",
    "currency_symbol",
    "locale",
    "time_zone",
    "contact_email",
    "order_prefix",
];
const SERVER_KEYS: [&str; 10] = [
    "listen",
    "data_dir",
    "max_connections",
    "synchronous",
    "reader_pool_size",
    "idle_timeout_secs",
    "head_timeout_secs",
    "body_timeout_secs",
    "trusted_proxies",
    "max_connections_per_client",
];
const CATALOG_KEYS: [&str; 2] = ["low_stock_threshold", "page_size"];
const EMAIL_KEYS: [&str; 9] = [
    "transport",
    "from",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "resend_api_key",
    "resend_base_url",
];

const CART_KEYS: [&str; 2] = ["max_line_quantity", "max_lines"];
const LIMITS_KEYS: [&str; 4] = [
    "orders_per_address_per_hour",
    "orders_per_email_per_hour",
    "unpaid_units_per_address",
    "mails_per_unproven_address_per_hour",
];
const SHIPPING_KEYS: [&str; 3] = ["fee", "free_over", "zones"];
/// The keys of one `[[shipping.zones]]` entry.
const ZONE_KEYS: [&str; 6] = ["name", "countries", "regions", "fee", "free_over", "cod"];
const PAYMENTS_KEYS: [&str; 13] = [
    "cod",
    "cod_fee",
    "cod_max_order",
    "bank_transfer",
    "bank_account_name",
    "bank_account_number",
    "bank_name",
    "bank_ifsc",
    "bank_iban",
    "bank_instructions",
    "payment_window_hours",
    "reminder_after_hours",
    "proof_max_mb",
];

/// How errors name a zone's keys. The helpers print `[{section}] key`, so this reads
/// `[[shipping.zones]] key`, as the owner wrote the header.
const ZONE: &str = "[shipping.zones]";

fn keys_of(section: &str) -> &'static [&'static str] {
    match section {
        "store" => &STORE_KEYS,
        "server" => &SERVER_KEYS,
        "catalog" => &CATALOG_KEYS,
        "email" => &EMAIL_KEYS,
        "cart" => &CART_KEYS,
        "limits" => &LIMITS_KEYS,
        "shipping" => &SHIPPING_KEYS,
        "payments" => &PAYMENTS_KEYS,
        "health" => &HEALTH_KEYS,
        ZONE => &ZONE_KEYS,
        _ => &[],
    }
}

/// The most any amount may be, in minor units: far above any real price or fee, and far
/// below where sums of a few of them could overflow i64.
const MAX_MONEY_MINOR: i64 = 1_000_000_000_000;

/// `[store] currency_digits` if it is present and valid, else the default. Money keys are
/// converted with it wherever they sit, so it is read before the walk; a bad value is
/// reported by [`Checker::store`] (the default stands in meanwhile).
fn currency_digits_of(root: &DeTable<'_>) -> u8 {
    root.get("store")
        .and_then(|s| s.get_ref().as_table())
        .and_then(|t| t.get("currency_digits"))
        .and_then(|v| v.get_ref().as_integer())
        .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok())
        .filter(|n| (0..=3).contains(n))
        .map_or(Config::default().store.currency_digits, |n| n as u8)
}

type Key<'i> = Spanned<DeString<'i>>;
type Val<'i> = Spanned<DeValue<'i>>;

/// Walks the document, collecting `(line, message)` pairs.
struct Checker<'a> {
    text: &'a str,
    errors: Vec<(usize, String)>,
    /// From [`currency_digits_of`]: how [`Checker::money`] turns major units into minor.
    currency_digits: u8,
}

impl Checker<'_> {
    fn err(&mut self, span: Range<usize>, msg: String) {
        self.errors
            .push((line_of(self.text.as_bytes(), span.start), msg));
    }

    fn document(&mut self, root: &DeTable<'_>, cfg: &mut Config) {
        self.currency_digits = currency_digits_of(root);
        for (k, v) in root {
            let name: &str = k.get_ref();
            if SECTIONS.contains(&name) {
                let Some(table) = v.get_ref().as_table() else {
                    self.err(
                        k.span(),
                        format!(
                            "\"{name}\" must be a section: a line [{name}] followed by its keys"
                        ),
                    );
                    continue;
                };
                match name {
                    "store" => self.store(table, &mut cfg.store),
                    "server" => self.server(table, &mut cfg.server),
                    "catalog" => self.catalog(table, &mut cfg.catalog),
                    "email" => self.email(table, &mut cfg.email),
                    "cart" => self.cart(table, &mut cfg.cart),
                    "limits" => self.limits(table, &mut cfg.limits),
                    "shipping" => self.shipping(table, &mut cfg.shipping),
                    "health" => self.health(table, &mut cfg.health),
                    _ => self.payments(table, &mut cfg.payments),
                }
            } else if is_table_list(v.get_ref()) {
                // `[[zones]]`: the only list of sections lives under [shipping].
                let hint = if suggest(name, &["zones", "zone"]).is_some() {
                    " (did you mean [[shipping.zones]]?)"
                } else {
                    " (the only [[...]] sections are [[shipping.zones]])"
                };
                self.err(k.span(), format!("unknown section [[{name}]]{hint}"));
            } else if v.get_ref().is_table() {
                let hint = suggest(name, &SECTIONS)
                    .map(|s| format!(" (did you mean [{s}]?)"))
                    .unwrap_or_else(|| format!(" (the sections are [{}])", SECTIONS.join("], [")));
                self.err(k.span(), format!("unknown section [{name}]{hint}"));
            } else {
                let home = SECTIONS.iter().find(|s| keys_of(s).contains(&name));
                let hint = match home {
                    Some(s) => format!("; it belongs under [{s}]"),
                    None => format!("; every key goes under a section such as [{}]", SECTIONS[0]),
                };
                self.err(
                    k.span(),
                    format!("key \"{name}\" is outside any section{hint}"),
                );
            }
        }
    }

    fn unknown_key(&mut self, section: &str, k: &Key<'_>) {
        let name: &str = k.get_ref();
        let known = keys_of(section);
        let hint = if let Some(s) = suggest(name, known) {
            format!(" (did you mean \"{s}\"?)")
        } else if section == "shipping" && ZONE_KEYS.contains(&name) {
            // A zone key written above the first [[shipping.zones]] line.
            " (it belongs in a zone: put it under a [[shipping.zones]] line)".to_string()
        } else if let Some(other) = SECTIONS
            .iter()
            .find(|s| **s != section && keys_of(s).contains(&name))
        {
            format!(" (it belongs under [{other}])")
        } else {
            format!(" (known keys: {})", known.join(", "))
        };
        self.err(
            k.span(),
            format!("unknown key \"{name}\" in [{section}]{hint}"),
        );
    }

    /// A text value, trimmed. `None` (with an error recorded) for any other type.
    fn string(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.trim().to_string()),
            other => {
                let key: &str = k.get_ref();
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be text in double quotes (got {})",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// A whole number in `lo..=hi`.
    fn int(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>, lo: i64, hi: i64) -> Option<i64> {
        let key: &str = k.get_ref();
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            other => {
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be a whole number without quotes (got {})",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        match n {
            Some(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                let got = &self.text[v.span()];
                self.err(
                    v.span(),
                    format!("[{section}] {key} must be between {lo} and {hi} (got {got})"),
                );
                None
            }
        }
    }

    /// Records `msg` against the value when `check` fails; returns the value when it passes.
    fn check<T>(&mut self, v: &Val<'_>, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(t) => Some(t),
            Err(msg) => {
                self.err(v.span(), msg);
                None
            }
        }
    }

    fn store(&mut self, t: &DeTable<'_>, out: &mut StoreConfig) {
        const S: &str = "store";
        for (k, v) in t {
            let key: &str = k.get_ref();
            if !STORE_KEYS.contains(&key) {
                self.unknown_key(S, k);
                continue;
            }
            if key == "currency_digits" {
                if let Some(n) = self.int(S, k, v, 0, 3) {
                    out.currency_digits = n as u8;
                }
                continue;
            }
            let Some(s) = self.string(S, k, v) else {
                continue;
            };
            let r = match key {
                "name" => check_name(&s).map(|()| out.name = s),
                "tagline" => check_plain("tagline", &s, 200).map(|()| out.tagline = s),
                "url" => check_url(&s).map(|u| out.url = u),
                "currency" => check_currency(&s).map(|()| out.currency = s),
                "currency_symbol" => check_symbol(&s).map(|()| out.currency_symbol = s),
                "locale" => check_locale(&s).map(|()| out.locale = s),
                "time_zone" => parse_offset(&s).map(|m| out.utc_offset_minutes = m),
                "order_prefix" => check_order_prefix(&s).map(|()| out.order_prefix = s),
                _ => check_email_addr(&s)
                    .map(|()| out.contact_email = s)
                    .map_err(|e| format!("contact_email {e}")),
            };
            self.check(v, r.map_err(|e| format!("[{S}] {e}")));
        }
    }

    fn server(&mut self, t: &DeTable<'_>, out: &mut ServerSection) {
        const S: &str = "server";
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "listen" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = s.parse::<SocketAddr>().map_err(|_| {
                            format!(
                                "[{S}] listen must be an IP address and port like \"127.0.0.1:8080\" or \"0.0.0.0:80\" (got \"{s}\")"
                            )
                        });
                        if self.check(v, r).is_some() {
                            out.listen = s;
                        }
                    }
                }
                "data_dir" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = if s.is_empty() || s.contains('\0') {
                            Err(format!(
                                "[{S}] data_dir must be a folder path such as \"data\" or \"/var/lib/boutique\""
                            ))
                        } else {
                            Ok(PathBuf::from(s))
                        };
                        if let Some(p) = self.check(v, r) {
                            out.data_dir = p;
                        }
                    }
                }
                "max_connections" => {
                    if let Some(n) = self.int(S, k, v, 1, 100_000) {
                        out.max_connections = n as usize;
                    }
                }
                "synchronous" => {
                    if let Some(s) = self.string(S, k, v) {
                        let lower = s.to_ascii_lowercase();
                        let r = if lower == "full" || lower == "normal" {
                            Ok(lower)
                        } else {
                            Err(format!(
                                "[{S}] synchronous must be \"full\" or \"normal\" (got \"{s}\")"
                            ))
                        };
                        if let Some(s) = self.check(v, r) {
                            out.synchronous = s;
                        }
                    }
                }
                "reader_pool_size" => {
                    if let Some(n) = self.int(S, k, v, 1, 64) {
                        out.reader_pool_size = n as u32;
                    }
                }
                "max_connections_per_client" => {
                    if let Some(n) = self.int(S, k, v, 1, 100_000) {
                        out.max_connections_per_client = n as usize;
                    }
                }
                "idle_timeout_secs" | "head_timeout_secs" | "body_timeout_secs" => {
                    if let Some(n) = self.int(S, k, v, 1, 3600) {
                        let n = n as u64;
                        match key {
                            "idle_timeout_secs" => out.idle_timeout_secs = n,
                            "head_timeout_secs" => out.head_timeout_secs = n,
                            _ => out.body_timeout_secs = n,
                        }
                    }
                }
                "trusted_proxies" => {
                    let Some(list) = v.get_ref().as_array() else {
                        self.err(
                            v.span(),
                            format!(
                                "[{S}] trusted_proxies must be a list of IP addresses like [\"127.0.0.1\"] (got {})",
                                describe(v.get_ref())
                            ),
                        );
                        continue;
                    };
                    let mut ips = Vec::new();
                    let mut ok = true;
                    for item in list {
                        let r = match item.get_ref() {
                            DeValue::String(s) => s.trim().parse::<IpAddr>().map_err(|_| {
                                format!(
                                    "[{S}] trusted_proxies: \"{s}\" is not an IP address (write each one like \"127.0.0.1\" or \"::1\"; ranges are not supported)"
                                )
                            }),
                            other => Err(format!(
                                "[{S}] trusted_proxies entries must be IP addresses in double quotes (got {})",
                                describe(other)
                            )),
                        };
                        match self.check(item, r) {
                            Some(ip) => ips.push(ip),
                            None => ok = false,
                        }
                    }
                    if ok {
                        out.trusted_proxies = ips;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    fn catalog(&mut self, t: &DeTable<'_>, out: &mut CatalogConfig) {
        const S: &str = "catalog";
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "low_stock_threshold" => {
                    if let Some(n) = self.int(S, k, v, 0, 100_000) {
                        out.low_stock_threshold = n;
                    }
                }
                "page_size" => {
                    if let Some(n) = self.int(S, k, v, 1, 200) {
                        out.page_size = n as usize;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    fn email(&mut self, t: &DeTable<'_>, out: &mut EmailConfig) {
        const S: &str = "email";
        // Where to point a "transport X needs key Y" error: the transport line if present.
        let mut transport_span: Option<Range<usize>> = None;
        let mut username_span: Option<Range<usize>> = None;
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "transport" => {
                    transport_span = Some(v.span());
                    if let Some(s) = self.string(S, k, v) {
                        let r = match s.as_str() {
                            "file" | "smtp" | "resend" => Ok(s),
                            _ => Err(format!(
                                "[{S}] transport must be \"file\", \"smtp\" or \"resend\" (got \"{s}\")"
                            )),
                        };
                        if let Some(s) = self.check(v, r) {
                            out.transport = s;
                        }
                    }
                }
                "from" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = check_from(&s).map_err(|e| format!("[{S}] from {e}"));
                        if self.check(v, r).is_some() {
                            out.from = s;
                        }
                    }
                }
                "smtp_host" => {
                    if let Some(s) = self.string(S, k, v) {
                        let ok = !s.contains(|c: char| {
                            c.is_whitespace() || c.is_control() || matches!(c, '/' | ':' | '@')
                        });
                        let r = if ok {
                            Ok(s)
                        } else {
                            Err(format!(
                                "[{S}] smtp_host must be a host name like \"smtp.resend.com\", without port or scheme (got \"{s}\")"
                            ))
                        };
                        if let Some(s) = self.check(v, r) {
                            out.smtp_host = s;
                        }
                    }
                }
                "smtp_port" => {
                    if let Some(n) = self.int(S, k, v, 1, 65535) {
                        out.smtp_port = n as u16;
                    }
                }
                "smtp_tls" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = match s.as_str() {
                            "starttls" | "tls" | "none" => Ok(s),
                            _ => Err(format!(
                                "[{S}] smtp_tls must be \"starttls\" (port 587), \"tls\" (port 465) or \"none\" (local testing only) (got \"{s}\")"
                            )),
                        };
                        if let Some(s) = self.check(v, r) {
                            out.smtp_tls = s;
                        }
                    }
                }
                "smtp_username" => {
                    username_span = Some(v.span());
                    if let Some(s) = self.string(S, k, v) {
                        let r =
                            check_plain("smtp_username", &s, 256).map_err(|e| format!("[{S}] {e}"));
                        if self.check(v, r).is_some() {
                            out.smtp_username = s;
                        }
                    }
                }
                // Secrets: errors never quote the value.
                "smtp_password" | "resend_api_key" => {
                    if let Some(s) = self.secret(S, k, v) {
                        if key == "smtp_password" {
                            out.smtp_password = s;
                        } else {
                            out.resend_api_key = s;
                        }
                    }
                }
                "resend_base_url" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = check_url(&s).map_err(|e| {
                            format!("[{S}] resend_base_{e}")
                                .replace("the shop's public address", "Resend's API address")
                        });
                        if let Some(s) = self.check(v, r) {
                            out.resend_base_url = s;
                        }
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
        out.smtp_password =
            secret_from_env(S, "smtp_password", std::mem::take(&mut out.smtp_password));
        out.resend_api_key =
            secret_from_env(S, "resend_api_key", std::mem::take(&mut out.resend_api_key));
        // Keys each transport cannot work without, reported on the transport line.
        let at = transport_span.unwrap_or(0..0);
        match out.transport.as_str() {
            "smtp" => {
                if out.smtp_host.is_empty() {
                    self.err(
                        at.clone(),
                        format!("[{S}] transport \"smtp\" needs smtp_host (the mail server, e.g. \"smtp.resend.com\")"),
                    );
                }
                // A password must never cross the network in clear text.
                if !out.smtp_username.is_empty() && out.smtp_tls == "none" {
                    self.err(
                        username_span.clone().unwrap_or(at.clone()),
                        format!("[{S}] smtp_username cannot be used with smtp_tls = \"none\": the password would be sent unencrypted"),
                    );
                }
                if !out.smtp_username.is_empty() && out.smtp_password.is_empty() {
                    self.err(
                        username_span.unwrap_or(at),
                        format!("[{S}] smtp_username is set but smtp_password is empty"),
                    );
                }
            }
            "resend" if out.resend_api_key.is_empty() => {
                self.err(
                    at,
                    format!("[{S}] transport \"resend\" needs resend_api_key (an API key starting with \"re_\")"),
                );
            }
            _ => {}
        }
    }

    /// `true` or `false`, without quotes.
    fn boolean(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let key: &str = k.get_ref();
                self.err(
                    v.span(),
                    format!(
                        "[{section}] {key} must be true or false, without quotes (got {})",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// An amount in major units (`99` or `"99.50"`) as exact minor units, using
    /// `currency_digits`: see the module doc.
    fn money(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<i64> {
        let key: &str = k.get_ref();
        let digits = self.currency_digits;
        let src = &self.text[v.span()];
        let r = match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) if n < 0 => Err(format!("must not be negative (got {src})")),
                Ok(n) => to_minor(n as u128, "", digits, src),
                // Beyond i64: too large whatever the digits.
                Err(_) => to_minor(u128::MAX, "", digits, src),
            },
            DeValue::String(s) => parse_amount(s.trim(), digits),
            DeValue::Float(_) => {
                // Offer their own number in quotes when it is a plain decimal.
                let plain = src.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                let eg = if plain { src } else { "99.50" };
                Err(format!(
                    "must be written in double quotes when it has decimals, like \"{eg}\" (got {src} without quotes)"
                ))
            }
            other => Err(format!(
                "must be an amount like 99 or \"99.50\" (got {})",
                describe(other)
            )),
        };
        self.check(v, r.map_err(|e| format!("[{section}] {key} {e}")))
    }

    /// A list of texts, each trimmed, with the span of each for its own errors. `None`
    /// (errors recorded) when the value is not a list or an entry is not text.
    fn string_list(
        &mut self,
        section: &str,
        k: &Key<'_>,
        v: &Val<'_>,
        example: &str,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let key: &str = k.get_ref();
        let Some(list) = v.get_ref().as_array() else {
            self.err(
                v.span(),
                format!(
                    "[{section}] {key} must be a list in square brackets like {example} (got {})",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in list {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.trim().to_string(), item.span())),
                other => {
                    self.err(
                        item.span(),
                        format!(
                            "[{section}] {key} entries must be text in double quotes, like {example} (got {})",
                            describe(other)
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn health(&mut self, t: &DeTable<'_>, out: &mut HealthConfig) {
        const S: &str = "health";
        for (k, v) in t {
            match k.get_ref().as_ref() {
                "min_free_disk_mb" => {
                    if let Some(n) = self.int(S, k, v, 0, 1_000_000_000) {
                        out.min_free_disk_mb = n as u64;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    fn cart(&mut self, t: &DeTable<'_>, out: &mut CartConfig) {
        const S: &str = "cart";
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "max_line_quantity" => {
                    if let Some(n) = self.int(S, k, v, 1, 999) {
                        out.max_line_quantity = n;
                    }
                }
                "max_lines" => {
                    if let Some(n) = self.int(S, k, v, 1, 200) {
                        out.max_lines = n as usize;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    fn limits(&mut self, t: &DeTable<'_>, out: &mut LimitsConfig) {
        const S: &str = "limits";
        for (k, v) in t {
            let key: &str = k.get_ref();
            let slot = match key {
                "orders_per_address_per_hour" => (&mut out.orders_per_address_per_hour, 100_000),
                "orders_per_email_per_hour" => (&mut out.orders_per_email_per_hour, 100_000),
                "unpaid_units_per_address" => (&mut out.unpaid_units_per_address, 1_000_000),
                "mails_per_unproven_address_per_hour" => {
                    (&mut out.mails_per_unproven_address_per_hour, 100_000)
                }
                _ => {
                    self.unknown_key(S, k);
                    continue;
                }
            };
            if let Some(n) = self.int(S, k, v, 1, slot.1) {
                *slot.0 = n;
            }
        }
    }

    fn shipping(&mut self, t: &DeTable<'_>, out: &mut ShippingConfig) {
        const S: &str = "shipping";
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "fee" => {
                    if let Some(n) = self.money(S, k, v) {
                        out.fee = n;
                    }
                }
                "free_over" => {
                    if let Some(n) = self.money(S, k, v) {
                        out.free_over = n;
                    }
                }
                "zones" => {
                    if let Some(zones) = self.zones(v) {
                        out.zones = zones;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    /// The `[[shipping.zones]]` list: each zone on its own, then across zones (unique
    /// names; no zone hidden behind an earlier one, since the first match wins).
    fn zones(&mut self, v: &Val<'_>) -> Option<Vec<Zone>> {
        let items = match v.get_ref() {
            DeValue::Array(a) if is_table_list(v.get_ref()) => a,
            DeValue::Table(_) => {
                self.err(
                    v.span(),
                    "[shipping.zones] must be written [[shipping.zones]], with two pairs of square brackets, once above each zone".into(),
                );
                return None;
            }
            DeValue::Array(a) if a.is_empty() => {
                self.err(
                    v.span(),
                    "[shipping] zones must not be empty: with no zone the shop could ship nowhere (delete the line to ship everywhere)".into(),
                );
                return None;
            }
            other => {
                self.err(
                    v.span(),
                    format!(
                        "[shipping] zones must be one or more [[shipping.zones]] sections, each with a name and countries (got {})",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        let mut ok = true;
        // Names first, from every zone that has one, so a repeated name is reported even
        // when one of the two zones has another mistake too.
        let mut names: Vec<(String, Range<usize>)> = Vec::new();
        let mut repeated: Vec<Range<usize>> = Vec::new();
        for item in items {
            let Some(name) = item.get_ref().as_table().and_then(|t| t.get("name")) else {
                continue;
            };
            let Some(s) = name.get_ref().as_str().map(str::trim) else {
                continue;
            };
            let lower = s.to_lowercase();
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == lower) {
                let line = line_of(self.text.as_bytes(), first.start);
                self.err(
                    name.span(),
                    format!(
                        "[[shipping.zones]] name \"{s}\" is already used by the zone on line {line}; give each zone its own name"
                    ),
                );
                repeated.push(item.span());
                ok = false;
            } else if !s.is_empty() {
                names.push((lower, item.span()));
            }
        }
        let mut zones: Vec<(Zone, Range<usize>)> = Vec::new();
        for item in items {
            let Some(table) = item.get_ref().as_table() else {
                continue;
            };
            match self.zone(table, item.span()) {
                Some(zone) => zones.push((zone, item.span())),
                None => ok = false,
            }
        }
        for (i, (zone, header)) in zones.iter().enumerate() {
            if repeated.contains(header) {
                continue;
            }
            if let Some((cover, at)) = zones[..i].iter().find(|(z, _)| covers(z, zone)) {
                let line = line_of(self.text.as_bytes(), at.start);
                self.err(
                    header.clone(),
                    format!(
                        "[[shipping.zones]] zone \"{}\" would never be used: zone \"{}\" (line {line}) comes first and already covers all the places it lists; zones are tried from the top, so move \"{}\" above \"{}\"",
                        zone.name, cover.name, zone.name, cover.name
                    ),
                );
                ok = false;
            }
        }
        ok.then(|| zones.into_iter().map(|(z, _)| z).collect())
    }

    /// One zone on its own; `header` is its `[[shipping.zones]]` line, where missing keys
    /// are reported. `None` when anything in it was refused.
    fn zone(&mut self, t: &DeTable<'_>, header: Range<usize>) -> Option<Zone> {
        let mut zone = Zone {
            name: String::new(),
            countries: vec![],
            regions: vec![],
            fee: None,
            free_over: None,
            cod: true,
        };
        let mut has_name = false;
        let mut has_countries = false;
        let errors_before = self.errors.len();
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "name" => {
                    has_name = true;
                    if let Some(s) = self.string(ZONE, k, v) {
                        let r = if s.is_empty() {
                            Err("name must not be empty".to_string())
                        } else {
                            check_plain("name", &s, 60)
                        };
                        if self
                            .check(v, r.map_err(|e| format!("[{ZONE}] {e}")))
                            .is_some()
                        {
                            zone.name = s;
                        }
                    }
                }
                "countries" => {
                    has_countries = true;
                    if let Some(list) = self.string_list(ZONE, k, v, "[\"IN\"]")
                        && let Some(c) = self.countries(v, list)
                    {
                        zone.countries = c;
                    }
                }
                "regions" => {
                    let eg = "[\"Karnataka\", \"Goa\"]";
                    if let Some(list) = self.string_list(ZONE, k, v, eg) {
                        for (s, at) in list {
                            let r = if s.is_empty() {
                                Err("regions entries must not be empty".to_string())
                            } else {
                                check_plain("regions entries", &s, 100)
                            };
                            if self.check_at(at, r.map_err(|e| format!("[{ZONE}] {e}"))) {
                                zone.regions.push(s);
                            }
                        }
                    }
                }
                "fee" => zone.fee = self.money(ZONE, k, v),
                "free_over" => zone.free_over = self.money(ZONE, k, v),
                "cod" => {
                    if let Some(b) = self.boolean(ZONE, k, v) {
                        zone.cod = b;
                    }
                }
                _ => self.unknown_key(ZONE, k),
            }
        }
        if !has_name {
            self.err(
                header.clone(),
                "[[shipping.zones]] this zone has no name; add a line like name = \"India\" under it".into(),
            );
        }
        if !has_countries {
            self.err(
                header,
                "[[shipping.zones]] this zone has no countries; add a line like countries = [\"IN\"], or [\"*\"] for every country".into(),
            );
        }
        (self.errors.len() == errors_before).then_some(zone)
    }

    /// A zone's country codes, upper-cased and without repeats; `["*"]` alone means every
    /// country.
    fn countries(&mut self, v: &Val<'_>, list: Vec<(String, Range<usize>)>) -> Option<Vec<String>> {
        if list.is_empty() {
            self.err(
                v.span(),
                format!("[{ZONE}] countries must list at least one country code, like [\"IN\"], or [\"*\"] for every country"),
            );
            return None;
        }
        if list.len() > 1 && list.iter().any(|(c, _)| c == "*") {
            self.err(
                v.span(),
                format!("[{ZONE}] countries: \"*\" already means every country, so it must be the only entry"),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        let mut ok = true;
        for (c, at) in list {
            let r = check_country(&c).map_err(|e| format!("[{ZONE}] countries: {e}"));
            match r {
                Ok(code) if out.contains(&code) => {}
                Ok(code) => out.push(code),
                Err(msg) => {
                    self.err(at, msg);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// Like [`Checker::check`], for a span without its value (a list entry).
    fn check_at(&mut self, at: Range<usize>, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(msg) => {
                self.err(at, msg);
                false
            }
        }
    }

    fn payments(&mut self, t: &DeTable<'_>, out: &mut PaymentsConfig) {
        const S: &str = "payments";
        // Where the checks across keys point: the line of the key they are about.
        let mut spans: Vec<(&str, Range<usize>)> = Vec::new();
        // Keys whose value was refused: the cross-key checks skip them rather than
        // compare against the default that stands in.
        let mut refused: Vec<&str> = Vec::new();
        for (k, v) in t {
            let key: &str = k.get_ref();
            let errors_before = self.errors.len();
            match key {
                "cod" | "bank_transfer" => {
                    if let Some(b) = self.boolean(S, k, v) {
                        if key == "cod" {
                            out.cod = b;
                        } else {
                            out.bank_transfer = b;
                        }
                    }
                }
                "cod_fee" | "cod_max_order" => {
                    if let Some(n) = self.money(S, k, v) {
                        if key == "cod_fee" {
                            out.cod_fee = n;
                        } else {
                            out.cod_max_order = n;
                        }
                    }
                }
                "bank_account_name"
                | "bank_account_number"
                | "bank_name"
                | "bank_ifsc"
                | "bank_iban"
                | "bank_instructions" => {
                    if let Some(s) = self.string(S, k, v) {
                        let max = if key == "bank_instructions" {
                            1000
                        } else {
                            200
                        };
                        let r = check_plain(key, &s, max).map_err(|e| format!("[{S}] {e}"));
                        if self.check(v, r).is_some() {
                            *match key {
                                "bank_account_name" => &mut out.bank_account_name,
                                "bank_account_number" => &mut out.bank_account_number,
                                "bank_name" => &mut out.bank_name,
                                "bank_ifsc" => &mut out.bank_ifsc,
                                "bank_iban" => &mut out.bank_iban,
                                _ => &mut out.bank_instructions,
                            } = s;
                        }
                    }
                }
                "payment_window_hours" | "reminder_after_hours" => {
                    if let Some(n) = self.int(S, k, v, 1, 720) {
                        if key == "payment_window_hours" {
                            out.payment_window_hours = n;
                        } else {
                            out.reminder_after_hours = n;
                        }
                    }
                }
                "proof_max_mb" => {
                    if let Some(n) = self.int(S, k, v, 1, 25) {
                        out.proof_max_bytes = n as u64 * 1024 * 1024;
                    }
                }
                _ => {
                    self.unknown_key(S, k);
                    continue;
                }
            }
            spans.push((key, v.span()));
            if self.errors.len() > errors_before {
                refused.push(key);
            }
        }
        let span = |key: &str| {
            spans
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, s)| s.clone())
        };
        let fine = |keys: &[&str]| keys.iter().all(|k| !refused.contains(k));

        let bank = ["bank_transfer", "bank_account_name", "bank_account_number"];
        if out.bank_transfer && fine(&bank) {
            let missing: Vec<&str> = [
                ("bank_account_name", &out.bank_account_name),
                ("bank_account_number", &out.bank_account_number),
            ]
            .into_iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, _)| k)
            .collect();
            if let Some(first) = missing.first() {
                let at = span("bank_transfer")
                    .or_else(|| span(first))
                    .unwrap_or(0..0);
                let them = if missing.len() == 1 { "it" } else { "them" };
                self.err(
                    at,
                    format!(
                        "[{S}] bank_transfer = true needs {}, which shoppers need to pay you (fill {them} in, or set bank_transfer = false)",
                        missing.join(" and ")
                    ),
                );
            }
        }
        if !out.cod && !out.bank_transfer && fine(&["cod", "bank_transfer"]) {
            let at = span("bank_transfer")
                .or_else(|| span("cod"))
                .unwrap_or(0..0);
            self.err(
                at,
                format!("[{S}] cod and bank_transfer are both false: shoppers would have no way to pay; turn at least one of them on"),
            );
        }
        let hours = ["payment_window_hours", "reminder_after_hours"];
        if out.reminder_after_hours >= out.payment_window_hours && fine(&hours) {
            let at = span("reminder_after_hours")
                .or_else(|| span("payment_window_hours"))
                .unwrap_or(0..0);
            self.err(
                at,
                format!(
                    "[{S}] reminder_after_hours must be less than payment_window_hours (got {} and {}): the reminder has to arrive while the order can still be paid",
                    out.reminder_after_hours, out.payment_window_hours
                ),
            );
        }
    }

    /// A secret text value: like [`Checker::string`] but any message leaves the value out.
    fn secret(&mut self, section: &str, k: &Key<'_>, v: &Val<'_>) -> Option<Secret> {
        let key: &str = k.get_ref();
        match v.get_ref() {
            DeValue::String(s) if has_control(s) || s.trim().contains(' ') => {
                self.err(
                    v.span(),
                    format!("[{section}] {key} must not contain spaces or control characters"),
                );
                None
            }
            DeValue::String(s) => Some(Secret::new(s.trim())),
            _ => {
                self.err(
                    v.span(),
                    format!("[{section}] {key} must be text in double quotes"),
                );
                None
            }
        }
    }
}

/// How a wrong value reads in an error: `text "2"`, `the number 5`, `a list`.
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("text \"{s}\""),
        DeValue::Integer(i) => format!("the number {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date/time {d}"),
        DeValue::Array(_) => "a list".into(),
        DeValue::Table(_) => "a section".into(),
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn check_plain(key: &str, s: &str, max: usize) -> Result<(), String> {
    if has_control(s) {
        return Err(format!(
            "{key} must not contain control characters such as tabs or line breaks"
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(format!("{key} must be at most {max} characters (got {n})"));
    }
    Ok(())
}

fn check_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("name must not be empty".into());
    }
    check_plain("name", s, 80)
}

/// Returns the URL without trailing slashes: pages build links as `{url}/p/slug`.
fn check_url(s: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "url must be the shop's public address starting with http:// or https://, like \"https://shop.example.com\" (got \"{s}\")"
        )
    };
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty()
        || rest.starts_with('/')
        || rest.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad());
    }
    if rest.contains(['?', '#']) {
        return Err(format!("url must not contain ? or # (got \"{s}\")"));
    }
    Ok(s.trim_end_matches('/').to_string())
}

fn check_currency(s: &str) -> Result<(), String> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(" (did you mean \"{}\"?)", s.to_ascii_uppercase())
    } else {
        String::new()
    };
    Err(format!(
        "currency must be a 3-letter currency code in capitals like \"INR\", \"USD\" or \"EUR\" (got \"{s}\"){hint}"
    ))
}

fn check_symbol(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("currency_symbol must not be empty (e.g. \"₹\", \"$\" or \"Rs.\")".into());
    }
    check_plain("currency_symbol", s, 8)
}

/// A language tag as `<html lang>` accepts it: letters first, then letter/digit groups
/// joined by hyphens ("en", "en-IN", "zh-Hant-TW").
fn check_locale(s: &str) -> Result<(), String> {
    let ok = (2..=35).contains(&s.len())
        && s.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && s.split('-')
            .next()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_alphabetic()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "locale must be a language tag like \"en-IN\", \"en-US\" or \"fr\" (got \"{s}\")"
        ))
    }
}

/// `"+05:30"` → 330, `"-04:00"` → -240. Offsets on Earth run from -12:00 to +14:00.
fn parse_offset(s: &str) -> Result<i32, String> {
    let bad = || {
        format!(
            "time_zone must be a UTC offset like \"+05:30\", \"+00:00\" or \"-04:00\" (got \"{s}\")"
        )
    };
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return Err(bad());
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(bad()),
    };
    let num = |r: Range<usize>| -> Option<i32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(h), Some(m)) = (num(1..3), num(4..6)) else {
        return Err(bad());
    };
    let minutes = sign * (h * 60 + m);
    if m > 59 || !(-12 * 60..=14 * 60).contains(&minutes) {
        return Err(bad());
    }
    Ok(minutes)
}

/// A deliberately loose address check: one `@`, something on both sides, a dot in the
/// domain, no spaces or control characters. Real validation is the mail server's job; this
/// catches typos and header injection.
fn check_email_addr(s: &str) -> Result<(), String> {
    let bad = || format!("must be an email address like \"hello@example.com\" (got \"{s}\")");
    let Some((local, domain)) = s.split_once('@') else {
        return Err(bad());
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '"'))
    {
        return Err(bad());
    }
    Ok(())
}

/// `Name <address>` or a bare address.
fn check_from(s: &str) -> Result<(), String> {
    let bad = || {
        format!("must look like \"Store <shop@example.com>\" or \"shop@example.com\" (got \"{s}\")")
    };
    if has_control(s) {
        return Err(bad());
    }
    match s.rfind('<') {
        Some(open) => {
            let name = s[..open].trim();
            let addr = s[open + 1..].strip_suffix('>').ok_or_else(bad)?;
            if name.contains(['<', '>']) {
                return Err(bad());
            }
            check_email_addr(addr).map_err(|_| bad())
        }
        None => check_email_addr(s).map_err(|_| bad()),
    }
}

/// `[[name]]` sections (or an inline list of `{ ... }` tables) parse as a list of tables.
fn is_table_list(v: &DeValue<'_>) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|i| i.get_ref().is_table()))
}

/// Order numbers read `{prefix}-{n}`, so the prefix is kept to letters that cannot be
/// confused with the separator or the digits, and short enough to read out on the phone.
fn check_order_prefix(s: &str) -> Result<(), String> {
    let sized = (1..=6).contains(&s.len());
    if sized && s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if sized && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(" (did you mean \"{}\"?)", s.to_ascii_uppercase())
    } else {
        String::new()
    };
    Err(format!(
        "order_prefix must be 1 to 6 capital letters A-Z, like \"BQ\" for order numbers such as BQ-10427 (got \"{s}\"){hint}"
    ))
}

/// An amount written as text, `"99"` or `"99.50"`, as minor units. The error leaves out
/// the `[section] key` prefix, which [`Checker::money`] adds.
fn parse_amount(s: &str, digits: u8) -> Result<i64, String> {
    let shown = format!("\"{s}\"");
    if s.starts_with('-') {
        return Err(format!("must not be negative (got {shown})"));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || (s.contains('.') && !all_digits(frac)) {
        return Err(format!(
            "must be an amount like 99 or \"99.50\": digits and at most one point, without currency symbol or commas (got {shown})"
        ));
    }
    if frac.len() > usize::from(digits) {
        return Err(if digits == 0 {
            format!(
                "must be a whole amount: the currency has no decimals ([store] currency_digits = 0) (got {shown})"
            )
        } else {
            format!(
                "has too many decimals: at most {digits} after the point ([store] currency_digits = {digits}) (got {shown})"
            )
        });
    }
    // Leading zeros are harmless; more digits than u128 holds is simply too large.
    let whole = whole.trim_start_matches('0');
    let whole = if whole.len() > 30 {
        u128::MAX
    } else {
        whole.parse().unwrap_or(0)
    };
    to_minor(whole, frac, digits, &shown)
}

/// `whole` major units plus the decimals `frac` (at most `digits` of them) in minor
/// units, or the "too large" error quoting `shown`, the value as written.
fn to_minor(whole: u128, frac: &str, digits: u8, shown: &str) -> Result<i64, String> {
    let scale = 10u128.pow(u32::from(digits));
    let frac = match frac {
        "" => 0,
        f => f.parse::<u128>().unwrap_or(0) * 10u128.pow((usize::from(digits) - f.len()) as u32),
    };
    match whole.checked_mul(scale).and_then(|m| m.checked_add(frac)) {
        Some(minor) if minor <= MAX_MONEY_MINOR as u128 => Ok(minor as i64),
        _ => Err(format!(
            "is too large: at most {} (got {shown})",
            MAX_MONEY_MINOR as u128 / scale
        )),
    }
}

/// ISO 3166-1 alpha-2 codes officially assigned (as listed in the tz database's
/// iso3166.tab, 2023). A typo such as "UK" (the code is GB) would otherwise make a zone
/// silently match nobody.
const COUNTRY_CODES: &str = "\
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM \
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS \
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ \
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM \
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV \
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI \
    VN VU WF WS YE YT ZA ZM ZW";

/// A zone's country entry: an assigned code in any case → upper case, or `"*"`.
fn check_country(s: &str) -> Result<String, String> {
    if s == "*" {
        return Ok(s.into());
    }
    let code = s.to_ascii_uppercase();
    if code.len() == 2 && COUNTRY_CODES.split(' ').any(|c| c == code) {
        return Ok(code);
    }
    let hint = if code == "UK" {
        " (the United Kingdom is \"GB\")"
    } else {
        ""
    };
    Err(format!(
        "\"{s}\" is not a two-letter country code (ISO 3166-1), like \"IN\", \"US\" or \"GB\"{hint}"
    ))
}

/// Whether every address zone `b` matches is matched by `a` too, so that `b`, listed
/// after `a`, would never be used.
fn covers(a: &Zone, b: &Zone) -> bool {
    let countries =
        a.countries.iter().any(|c| c == "*") || b.countries.iter().all(|c| a.countries.contains(c));
    let regions = a.regions.is_empty()
        || (!b.regions.is_empty()
            && b.regions
                .iter()
                .all(|r| a.regions.iter().any(|x| same_region(x, r))));
    countries && regions
}

/// The closest known word within a small edit distance, for "did you mean" hints.
fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let word = word.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance with adjacent transpositions counted as one edit ("nmae" → "name").
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// What the last reload did, for the log and the admin dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReloadStatus {
    /// Unix seconds of the last successful reload (None: never reloaded since start).
    pub last_reload: Option<i64>,
    /// The error of the last reload attempt, cleared by the next successful one.
    pub last_error: Option<String>,
    /// [`RESTART_KEYS`] whose live value differs from the one the server started with.
    pub restart_pending: Vec<&'static str>,
}

/// The live config, swapped atomically on reload. Readers clone the inner `Arc` per
/// request, so a reload never changes a config under a request that is running.
#[derive(Clone)]
pub struct ConfigHandle {
    inner: Arc<RwLock<Arc<Config>>>,
    /// The config passed to [`ConfigHandle::new`]: what the server started with, so a
    /// reload can say which start-up-only keys now differ from what is in force.
    startup: Arc<Config>,
    status: Arc<Mutex<ReloadStatus>>,
}

impl ConfigHandle {
    pub fn new(cfg: Config) -> ConfigHandle {
        let cfg = Arc::new(cfg);
        ConfigHandle {
            inner: Arc::new(RwLock::new(cfg.clone())),
            startup: cfg,
            status: Arc::new(Mutex::new(ReloadStatus::default())),
        }
    }

    pub fn get(&self) -> Arc<Config> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the live config. Does not touch [`ConfigHandle::status`]; [`reload`] does.
    pub fn set(&self, cfg: Config) {
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(cfg);
    }

    /// The config the process started with. Use it for the [`RESTART_KEYS`] (socket,
    /// database, pools): [`ConfigHandle::get`] carries reloaded values for those too, but
    /// they only take effect after a restart.
    pub fn startup(&self) -> Arc<Config> {
        self.startup.clone()
    }

    pub fn status(&self) -> ReloadStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn update_status(&self, f: impl FnOnce(&mut ReloadStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Reads `path` again and, if it is valid, makes it the live config; logs the outcome to
/// stderr and records it in [`ConfigHandle::status`]. On error the last good config stays.
/// Keys in [`RESTART_KEYS`] that differ from the start-up config are logged as needing a
/// restart; their new values are stored anyway, the running server keeps using its
/// start-up values (see [`ConfigHandle::startup`]).
pub fn reload(path: &Path, handle: &ConfigHandle) -> Result<(), String> {
    match load(path) {
        Ok(cfg) => {
            let pending = handle.startup.restart_keys_changed(&cfg);
            handle.set(cfg);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            handle.update_status(|s| {
                s.last_reload = Some(now);
                s.last_error = None;
                s.restart_pending = pending.clone();
            });
            eprintln!("config reloaded from {}", path.display());
            for key in pending {
                eprintln!("config: {key} changed; restart boutique for it to take effect");
            }
            Ok(())
        }
        Err(msg) => {
            eprintln!("config reload failed, keeping the last good config: {msg}");
            handle.update_status(|s| s.last_error = Some(msg.clone()));
            Err(msg)
        }
    }
}

/// Keeps the file watch alive; dropping it stops watching.
pub struct ConfigWatcher {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    path: PathBuf,
}

impl ConfigWatcher {
    /// The config file being watched, as given to [`watch`].
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reloads `path` into `handle` whenever the file changes (see [`reload`]). Several saves
/// within ~200 ms become one reload. Watches the parent directory, because editors replace
/// the file by renaming a temp file over it; events for other files there are ignored, as
/// are reads (`Access`) and attribute-only changes (`touch`, `chmod`), which do not change
/// the content.
pub fn watch(path: PathBuf, handle: ConfigHandle) -> Result<ConfigWatcher, String> {
    let abs = std::path::absolute(&path)
        .map_err(|e| format!("{}: cannot watch the config file: {e}", path.display()))?;
    let (Some(dir), Some(name)) = (abs.parent(), abs.file_name()) else {
        return Err(format!(
            "{}: cannot watch the config file: not a file path",
            path.display()
        ));
    };
    let name = name.to_os_string();
    let target = path.clone();
    let on_events = move |res: DebounceEventResult| match res {
        Ok(events) => {
            let relevant = events.iter().any(|e| {
                !matches!(
                    e.event.kind,
                    EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
                ) && e.event.paths.iter().any(|p| p.file_name() == Some(&name))
            });
            if relevant {
                // Errors are logged and recorded by `reload` itself.
                let _ = reload(&target, &handle);
            }
        }
        Err(errors) => {
            for e in errors {
                eprintln!("config watcher error: {e}");
            }
        }
    };
    let mut debouncer = new_debouncer(Duration::from_millis(200), None, on_events)
        .map_err(|e| format!("{}: cannot watch the config file: {e}", path.display()))?;
    debouncer
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("{}: cannot watch {}: {e}", path.display(), dir.display()))?;
    Ok(ConfigWatcher {
        _debouncer: debouncer,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../store.toml");

    fn parse_err(text: &str) -> String {
        parse(text, "store.toml", Path::new("/srv/shop")).expect_err("should be rejected")
    }

    #[test]
    fn shipped_store_toml_equals_defaults() {
        let cfg = parse(SHIPPED, "store.toml", Path::new("/srv/shop")).unwrap();
        let mut want = Config::default();
        want.server.data_dir = PathBuf::from("/srv/shop/data");
        assert_eq!(cfg, want);
    }

    #[test]
    fn shipped_store_toml_mentions_every_key() {
        for section in SECTIONS {
            assert!(
                SHIPPED.contains(&format!("[{section}]")),
                "[{section}] missing"
            );
            for key in keys_of(section) {
                let line = match *key {
                    "zones" => "\n[[shipping.zones]]\n".to_string(),
                    _ => format!("\n{key} = "),
                };
                assert!(
                    SHIPPED.contains(&line),
                    "{section}.{key} missing from store.toml"
                );
            }
        }
        // The shipped zone sets every zone key but the overrides (the default zone has
        // none), which the commented-out example zone shows.
        for key in ZONE_KEYS {
            let line = match key {
                "fee" | "free_over" => format!("\n# {key} = "),
                _ => format!("\n{key} = "),
            };
            assert!(
                SHIPPED.contains(&line),
                "[[shipping.zones]] {key} missing from store.toml"
            );
        }
    }

    #[test]
    fn shipped_example_zone_works_once_uncommented() {
        let example = "# [[shipping.zones]]\n# name = \"Metro\"";
        let start = SHIPPED.find(example).expect("the Metro example");
        let end = start + SHIPPED[start..].find("\n\n").unwrap();
        let text = format!(
            "{}{}{}",
            &SHIPPED[..start],
            SHIPPED[start..end].replace("# ", ""),
            &SHIPPED[end..]
        );
        let cfg = parse(&text, "store.toml", Path::new("/srv/shop")).unwrap();
        let metro = cfg.shipping.zone_for("IN", "karnataka").unwrap();
        assert_eq!(
            (metro.name.as_str(), metro.fee, metro.free_over),
            ("Metro", Some(4900), Some(99_900))
        );
        assert_eq!(
            cfg.shipping.zone_for("IN", "Goa").unwrap().name,
            "Everywhere"
        );
    }

    #[test]
    fn empty_file_gives_defaults_and_absolute_data_dir_is_kept() {
        let cfg = parse("", "x.toml", Path::new("/a")).unwrap();
        assert_eq!(cfg.store, Config::default().store);
        assert_eq!(cfg.server.data_dir, PathBuf::from("/a/data"));
        let cfg = parse(
            "[server]\ndata_dir = \"/var/lib/b\"\n",
            "x",
            Path::new("/a"),
        )
        .unwrap();
        assert_eq!(cfg.server.data_dir, PathBuf::from("/var/lib/b"));
    }

    #[test]
    fn values_are_read_and_normalised() {
        let text = r#"
[store]
name = "Tea & Toast"
url = "https://shop.example.com//"
time_zone = "-04:30"
currency = "USD"
currency_digits = 0
[server]
synchronous = "NORMAL"
trusted_proxies = ["127.0.0.1", "::1"]
max_connections = 10
max_connections_per_client = 8
[catalog]
page_size = 200
low_stock_threshold = 0
[email]
from = "shop@example.com"
"#;
        let cfg = parse(text, "s", Path::new("/b")).unwrap();
        assert_eq!(cfg.store.name, "Tea & Toast");
        assert_eq!(cfg.store.url, "https://shop.example.com");
        assert_eq!(cfg.store.utc_offset_minutes, -270);
        assert_eq!(cfg.store.currency_digits, 0);
        assert_eq!(cfg.server.synchronous, "normal");
        assert_eq!(cfg.server.trusted_proxies.len(), 2);
        assert_eq!(cfg.server.max_connections, 10);
        assert_eq!(cfg.server.max_connections_per_client, 8);
        assert_eq!(cfg.catalog.page_size, 200);
        assert_eq!(cfg.catalog.low_stock_threshold, 0);
        assert_eq!(cfg.email.from, "shop@example.com");
    }

    #[test]
    fn unknown_key_names_file_line_and_suggestion() {
        let e = parse_err("# shop\n[store]\nnmae = \"X\"\n");
        assert_eq!(
            e,
            "store.toml:3: unknown key \"nmae\" in [store] (did you mean \"name\"?)"
        );
        let e = parse_err("[server]\npage_size = 10\n");
        assert!(
            e.starts_with("store.toml:2: unknown key \"page_size\" in [server]"),
            "{e}"
        );
        assert!(e.contains("belongs under [catalog]"), "{e}");
        let e = parse_err("[server]\nzzzz = 1\n");
        assert!(e.contains("known keys: listen"), "{e}");
    }

    #[test]
    fn unknown_section_and_top_level_key_are_rejected() {
        let e = parse_err("\n[stroe]\nname = \"x\"\n");
        assert_eq!(
            e,
            "store.toml:2: unknown section [stroe] (did you mean [store]?)"
        );
        let e = parse_err("name = \"x\"\n");
        assert_eq!(
            e,
            "store.toml:1: key \"name\" is outside any section; it belongs under [store]"
        );
        let e = parse_err("store = 5\n");
        assert!(
            e.starts_with("store.toml:1: \"store\" must be a section"),
            "{e}"
        );
        let e = parse_err("[store.extra]\nx = 1\n");
        assert!(
            e.starts_with("store.toml:1: unknown key \"extra\" in [store]"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_report_their_own_line() {
        let cases: &[(&str, &str)] = &[
            (
                "[store]\n\n\n\n\n\ncurrency_digits = 9\n",
                "store.toml:7: [store] currency_digits must be between 0 and 3 (got 9)",
            ),
            (
                "[store]\ncurrency_digits = \"2\"\n",
                "store.toml:2: [store] currency_digits must be a whole number without quotes (got text \"2\")",
            ),
            (
                "[store]\nname = \"\"\n",
                "store.toml:2: [store] name must not be empty",
            ),
            (
                "[store]\nname = 5\n",
                "store.toml:2: [store] name must be text in double quotes (got the number 5)",
            ),
            (
                "[store]\nurl = \"shop.example.com\"\n",
                "store.toml:2: [store] url must be the shop's public address",
            ),
            (
                "[store]\nurl = \"https://\"\n",
                "store.toml:2: [store] url must be",
            ),
            ("[store]\ncurrency = \"inr\"\n", "(did you mean \"INR\"?)"),
            (
                "[store]\ntime_zone = \"IST\"\n",
                "store.toml:2: [store] time_zone must be a UTC offset like \"+05:30\"",
            ),
            (
                "[store]\ntime_zone = \"+5:30\"\n",
                "store.toml:2: [store] time_zone",
            ),
            (
                "[store]\ntime_zone = \"+15:00\"\n",
                "store.toml:2: [store] time_zone",
            ),
            (
                "[store]\nlocale = \"en_IN\"\n",
                "store.toml:2: [store] locale must be a language tag",
            ),
            (
                "[store]\ncontact_email = \"nobody\"\n",
                "store.toml:2: [store] contact_email must be an email address",
            ),
            (
                "[store]\ntagline = \"a\\nb\"\n",
                "store.toml:2: [store] tagline must not contain control characters",
            ),
            (
                "[server]\nlisten = \"localhost\"\n",
                "store.toml:2: [server] listen must be an IP address and port",
            ),
            (
                "[server]\nsynchronous = \"off\"\n",
                "store.toml:2: [server] synchronous must be \"full\" or \"normal\" (got \"off\")",
            ),
            (
                "[server]\nmax_connections = 0\n",
                "store.toml:2: [server] max_connections must be between 1 and 100000 (got 0)",
            ),
            (
                "[server]\nreader_pool_size = 65\n",
                "store.toml:2: [server] reader_pool_size must be between 1 and 64 (got 65)",
            ),
            (
                "[server]\nmax_connections_per_client = 0\n",
                "store.toml:2: [server] max_connections_per_client must be between 1 and 100000 (got 0)",
            ),
            (
                "[server]\nidle_timeout_secs = 3601\n",
                "store.toml:2: [server] idle_timeout_secs must be between 1 and 3600 (got 3601)",
            ),
            (
                "[server]\nbody_timeout_secs = 1.5\n",
                "store.toml:2: [server] body_timeout_secs must be a whole number without quotes (got the number 1.5)",
            ),
            (
                "[server]\ntrusted_proxies = [\n  \"127.0.0.1\",\n  \"10.0.0.0/8\",\n]\n",
                "store.toml:4: [server] trusted_proxies: \"10.0.0.0/8\" is not an IP address",
            ),
            (
                "[server]\ntrusted_proxies = \"127.0.0.1\"\n",
                "store.toml:2: [server] trusted_proxies must be a list",
            ),
            (
                "[server]\ndata_dir = \"\"\n",
                "store.toml:2: [server] data_dir must be a folder path",
            ),
            (
                "[catalog]\npage_size = 201\n",
                "store.toml:2: [catalog] page_size must be between 1 and 200 (got 201)",
            ),
            (
                "[catalog]\nlow_stock_threshold = -1\n",
                "store.toml:2: [catalog] low_stock_threshold must be between 0 and 100000 (got -1)",
            ),
            (
                "[catalog]\npage_size = 99999999999999999999\n",
                "store.toml:2:",
            ),
            (
                "[email]\ntransport = \"smtp\"\n",
                "store.toml:2: [email] transport \"smtp\" needs smtp_host",
            ),
            (
                "[email]\ntransport = \"resend\"\n",
                "store.toml:2: [email] transport \"resend\" needs resend_api_key",
            ),
            (
                "[email]\ntransport = \"carrier-pigeon\"\n",
                "store.toml:2: [email] transport must be \"file\", \"smtp\" or \"resend\"",
            ),
            (
                "[email]\ntransport = \"smtp\"\nsmtp_host = \"mail.example.com\"\nsmtp_username = \"me\"\n",
                "store.toml:4: [email] smtp_username is set but smtp_password is empty",
            ),
            (
                "[email]\ntransport = \"smtp\"\nsmtp_host = \"h.example\"\nsmtp_tls = \"none\"\nsmtp_username = \"u\"\nsmtp_password = \"p\"\n",
                "store.toml:5: [email] smtp_username cannot be used with smtp_tls = \"none\"",
            ),
            (
                "[email]\nsmtp_tls = \"ssl\"\n",
                "store.toml:2: [email] smtp_tls must be \"starttls\"",
            ),
            (
                "[email]\nsmtp_port = 0\n",
                "store.toml:2: [email] smtp_port must be between 1 and 65535",
            ),
            (
                "[email]\nsmtp_host = \"smtp.example.com:587\"\n",
                "store.toml:2: [email] smtp_host must be a host name",
            ),
            (
                "[email]\nresend_base_url = \"api.resend.com\"\n",
                "store.toml:2: [email] resend_base_url must be",
            ),
            (
                "[email]\nfrom = \"Shop <shop@example.com>\\r\\nBcc: x@y.z\"\n",
                "store.toml:2: [email] from must look like",
            ),
            (
                "[store]\norder_prefix = \"bq\"\n",
                "store.toml:2: [store] order_prefix must be 1 to 6 capital letters A-Z, like \"BQ\" for order numbers such as BQ-10427 (got \"bq\") (did you mean \"BQ\"?)",
            ),
            (
                "[store]\norder_prefix = \"BOUTIQUE\"\n",
                "store.toml:2: [store] order_prefix must be 1 to 6 capital letters",
            ),
            (
                "[store]\norder_prefix = \"B-1\"\n",
                "store.toml:2: [store] order_prefix",
            ),
            (
                "[store]\norder_prefix = \"\"\n",
                "store.toml:2: [store] order_prefix",
            ),
            (
                "[cart]\nmax_line_quantity = 1000\n",
                "store.toml:2: [cart] max_line_quantity must be between 1 and 999 (got 1000)",
            ),
            (
                "[cart]\nmax_lines = 0\n",
                "store.toml:2: [cart] max_lines must be between 1 and 200 (got 0)",
            ),
            (
                "[cart]\nmax_lines = \"10\"\n",
                "store.toml:2: [cart] max_lines must be a whole number without quotes (got text \"10\")",
            ),
            (
                "[shipping]\nfee = 99.50\n",
                "store.toml:2: [shipping] fee must be written in double quotes when it has decimals, like \"99.50\" (got 99.50 without quotes)",
            ),
            (
                "[shipping]\nfee = 1e3\n",
                "store.toml:2: [shipping] fee must be written in double quotes when it has decimals, like \"99.50\"",
            ),
            (
                "[shipping]\nfee = -5\n",
                "store.toml:2: [shipping] fee must not be negative (got -5)",
            ),
            (
                "[shipping]\nfee = \"-5\"\n",
                "store.toml:2: [shipping] fee must not be negative (got \"-5\")",
            ),
            (
                "[shipping]\nfee = \"99.505\"\n",
                "store.toml:2: [shipping] fee has too many decimals: at most 2 after the point ([store] currency_digits = 2) (got \"99.505\")",
            ),
            (
                "[shipping]\nfree_over = \"1,499\"\n",
                "store.toml:2: [shipping] free_over must be an amount like 99 or \"99.50\"",
            ),
            (
                "[shipping]\nfree_over = \"₹99\"\n",
                "store.toml:2: [shipping] free_over must be an amount",
            ),
            (
                "[shipping]\nfree_over = \"99.\"\n",
                "store.toml:2: [shipping] free_over must be an amount",
            ),
            (
                "[shipping]\nfree_over = \".5\"\n",
                "store.toml:2: [shipping] free_over must be an amount",
            ),
            (
                "[shipping]\nfree_over = \"\"\n",
                "store.toml:2: [shipping] free_over must be an amount",
            ),
            (
                "[shipping]\nfree_over = true\n",
                "store.toml:2: [shipping] free_over must be an amount like 99 or \"99.50\" (got true)",
            ),
            (
                "[shipping]\nfee = 10000000001\n",
                "store.toml:2: [shipping] fee is too large: at most 10000000000 (got 10000000001)",
            ),
            (
                "[shipping]\nfee = \"10000000000.01\"\n",
                "store.toml:2: [shipping] fee is too large: at most 10000000000",
            ),
            ("[shipping]\nfee = 99999999999999999999\n", "store.toml:2:"),
            (
                "[shipping]\nfee = \"99999999999999999999999999999999999999999999\"\n",
                "store.toml:2: [shipping] fee is too large",
            ),
            (
                "[shipping]\nfee = 99\n[store]\ncurrency_digits = 0\n[payments]\ncod_fee = \"49.5\"\n",
                "store.toml:6: [payments] cod_fee must be a whole amount: the currency has no decimals ([store] currency_digits = 0) (got \"49.5\")",
            ),
            (
                "[payments]\ncod_max_order = 1000000001\n[store]\ncurrency_digits = 3\n",
                "store.toml:2: [payments] cod_max_order is too large: at most 1000000000 (got 1000000001)",
            ),
            (
                "[shipping]\ncountries = [\"IN\"]\n",
                "store.toml:2: unknown key \"countries\" in [shipping] (it belongs in a zone: put it under a [[shipping.zones]] line)",
            ),
            (
                "[shipping]\nname = \"India\"\n",
                "store.toml:2: unknown key \"name\" in [shipping] (it belongs in a zone",
            ),
            (
                "[shipping]\nzones = []\n",
                "store.toml:2: [shipping] zones must not be empty",
            ),
            (
                "[shipping]\nzones = \"IN\"\n",
                "store.toml:2: [shipping] zones must be one or more [[shipping.zones]] sections",
            ),
            (
                "[shipping.zones]\nname = \"A\"\ncountries = [\"IN\"]\n",
                "store.toml:1: [shipping.zones] must be written [[shipping.zones]], with two pairs",
            ),
            (
                "[[zones]]\nname = \"A\"\n",
                "store.toml:1: unknown section [[zones]] (did you mean [[shipping.zones]]?)",
            ),
            (
                "[[shipping.zones]]\ncountries = [\"IN\"]\n",
                "store.toml:1: [[shipping.zones]] this zone has no name",
            ),
            (
                "[[shipping.zones]]\nname = \"India\"\n",
                "store.toml:1: [[shipping.zones]] this zone has no countries",
            ),
            (
                "[[shipping.zones]]\nname = \"\"\ncountries = [\"IN\"]\n",
                "store.toml:2: [[shipping.zones]] name must not be empty",
            ),
            (
                "[[shipping.zones]]\nname = \"India\"\ncountries = [\"IN\"]\n\n[[shipping.zones]]\nname = \"india\"\ncountries = [\"US\"]\n",
                "store.toml:6: [[shipping.zones]] name \"india\" is already used by the zone on line 1; give each zone its own name",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\nfee = 99.5\n",
                "store.toml:4: [[shipping.zones]] fee must be written in double quotes",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\nfree_over = \"9.999\"\n",
                "store.toml:4: [[shipping.zones]] free_over has too many decimals",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\ncod = \"yes\"\n",
                "store.toml:4: [[shipping.zones]] cod must be true or false, without quotes (got text \"yes\")",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = []\n",
                "store.toml:3: [[shipping.zones]] countries must list at least one country code",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = \"IN\"\n",
                "store.toml:3: [[shipping.zones]] countries must be a list in square brackets like [\"IN\"] (got text \"IN\")",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\n  \"IN\",\n  \"UK\",\n]\n",
                "store.toml:5: [[shipping.zones]] countries: \"UK\" is not a two-letter country code (ISO 3166-1), like \"IN\", \"US\" or \"GB\" (the United Kingdom is \"GB\")",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"India\"]\n",
                "store.toml:3: [[shipping.zones]] countries: \"India\" is not a two-letter country code",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\", 5]\n",
                "store.toml:3: [[shipping.zones]] countries entries must be text in double quotes",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"*\", \"IN\"]\n",
                "store.toml:3: [[shipping.zones]] countries: \"*\" already means every country",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\nregions = [\"Goa\", \"\"]\n",
                "store.toml:4: [[shipping.zones]] regions entries must not be empty",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\nregions = \"Goa\"\n",
                "store.toml:4: [[shipping.zones]] regions must be a list",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\ncash = true\n",
                "store.toml:4: unknown key \"cash\" in [[shipping.zones]]",
            ),
            (
                "[[shipping.zones]]\nname = \"x\"\ncountries = [\"IN\"]\ncod_fee = 10\n",
                "store.toml:4: unknown key \"cod_fee\" in [[shipping.zones]] (it belongs under [payments])",
            ),
            (
                "[[shipping.zones]]\nname = \"All\"\ncountries = [\"*\"]\n\n[[shipping.zones]]\nname = \"Metro\"\ncountries = [\"IN\"]\nregions = [\"Karnataka\"]\n",
                "store.toml:5: [[shipping.zones]] zone \"Metro\" would never be used: zone \"All\" (line 1) comes first",
            ),
            (
                "[payments]\ncod = \"true\"\n",
                "store.toml:2: [payments] cod must be true or false, without quotes (got text \"true\")",
            ),
            (
                "[payments]\ncod_fee = 49.0\n",
                "store.toml:2: [payments] cod_fee must be written in double quotes when it has decimals, like \"49.0\"",
            ),
            (
                "[payments]\nbank_transfer = true\nbank_account_name = \"\"\nbank_account_number = \"\"\n",
                "store.toml:2: [payments] bank_transfer = true needs bank_account_name and bank_account_number",
            ),
            (
                "[payments]\n\nbank_account_number = \"\"\n",
                "store.toml:3: [payments] bank_transfer = true needs bank_account_number",
            ),
            (
                "[payments]\nbank_transfer = false\ncod = false\n",
                "store.toml:2: [payments] cod and bank_transfer are both false",
            ),
            (
                "[payments]\nbank_name = \"HDFC\\tBank\"\n",
                "store.toml:2: [payments] bank_name must not contain control characters",
            ),
            (
                "[payments]\nbank_iban = 5\n",
                "store.toml:2: [payments] bank_iban must be text in double quotes (got the number 5)",
            ),
            (
                "[payments]\nbank_account_name = \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"\n",
                "store.toml:2: [payments] bank_account_name must be at most 200 characters (got 201)",
            ),
            (
                "[payments]\npayment_window_hours = 721\n",
                "store.toml:2: [payments] payment_window_hours must be between 1 and 720 (got 721)",
            ),
            (
                "[payments]\nreminder_after_hours = 0\n",
                "store.toml:2: [payments] reminder_after_hours must be between 1 and 720 (got 0)",
            ),
            (
                "[payments]\nreminder_after_hours = 48\n",
                "store.toml:2: [payments] reminder_after_hours must be less than payment_window_hours (got 48 and 48)",
            ),
            (
                "[payments]\npayment_window_hours = 12\n",
                "store.toml:2: [payments] reminder_after_hours must be less than payment_window_hours (got 24 and 12)",
            ),
            (
                "[payments]\nproof_max_mb = 26\n",
                "store.toml:2: [payments] proof_max_mb must be between 1 and 25 (got 26)",
            ),
            (
                "[payments]\nproof_max_kb = 26\n",
                "store.toml:2: unknown key \"proof_max_kb\" in [payments] (did you mean \"proof_max_mb\"?)",
            ),
            (
                "[payments]\nfee = 26\n",
                "store.toml:2: unknown key \"fee\" in [payments] (it belongs under [shipping])",
            ),
            (
                "[paymnets]\ncod = true\n",
                "store.toml:1: unknown section [paymnets] (did you mean [payments]?)",
            ),
        ];
        for (text, want) in cases {
            let e = parse_err(text);
            assert!(e.contains(want), "for {text:?}\n got: {e}\nwant: {want}");
            assert!(e.starts_with("store.toml:"), "{e}");
        }
    }

    #[test]
    fn commerce_sections_are_read() {
        // [store] comes last: amounts above it still use its currency_digits.
        let text = r#"
[cart]
max_line_quantity = 999
max_lines = 1

[shipping]
fee = "40.5"
free_over = 0

[[shipping.zones]]
name = "Metro"
countries = ["in"]
regions = [" Karnataka ", "Goa"]
fee = 0
free_over = "0.999"
cod = false

[[shipping.zones]]
name = "India"
countries = ["IN", "in"]

[[shipping.zones]]
name = "Abroad"
countries = ["*"]
fee = 1_500

[payments]
cod = false
cod_fee = 0
cod_max_order = 0
bank_account_name = "A & B"
bank_account_number = "123"
bank_iban = "GB33BUKB20201555555555"
payment_window_hours = 720
reminder_after_hours = 719
proof_max_mb = 25

[store]
currency_digits = 3
order_prefix = "SHOP"
"#;
        let cfg = parse(text, "s", Path::new("/b")).unwrap();
        assert_eq!(cfg.store.order_prefix, "SHOP");
        assert_eq!(
            cfg.cart,
            CartConfig {
                max_line_quantity: 999,
                max_lines: 1
            }
        );
        let sh = &cfg.shipping;
        assert_eq!((sh.fee, sh.free_over), (40_500, 0));
        assert_eq!(
            sh.zones,
            vec![
                Zone {
                    name: "Metro".into(),
                    countries: vec!["IN".into()],
                    regions: vec!["Karnataka".into(), "Goa".into()],
                    fee: Some(0),
                    free_over: Some(999),
                    cod: false,
                },
                Zone {
                    name: "India".into(),
                    countries: vec!["IN".into()],
                    regions: vec![],
                    fee: None,
                    free_over: None,
                    cod: true,
                },
                Zone {
                    name: "Abroad".into(),
                    countries: vec!["*".into()],
                    regions: vec![],
                    fee: Some(1_500_000),
                    free_over: None,
                    cod: true,
                },
            ]
        );
        let p = &cfg.payments;
        assert!(!p.cod && p.bank_transfer);
        assert_eq!((p.cod_fee, p.cod_max_order), (0, 0));
        assert_eq!(p.bank_account_name, "A & B");
        assert_eq!(p.bank_iban, "GB33BUKB20201555555555");
        assert_eq!(p.bank_name, Config::default().payments.bank_name);
        assert_eq!((p.payment_window_hours, p.reminder_after_hours), (720, 719));
        assert_eq!(p.proof_max_bytes, 25 * 1024 * 1024);

        // Bank transfer off: the account details may be empty.
        let text = "[payments]\nbank_transfer = false\nbank_account_name = \"\"\n";
        let cfg = parse(text, "s", Path::new("/b")).unwrap();
        assert!(!cfg.payments.bank_transfer && cfg.payments.cod);
    }

    #[test]
    fn money_converts_major_units_exactly() {
        for (digits, written, minor) in [
            (2, "99", 9900),
            (2, "\"99\"", 9900),
            (2, "\"99.50\"", 9950),
            (2, "\"99.5\"", 9950),
            (2, "\"0.01\"", 1),
            (2, "\"007.10\"", 710),
            (2, "0", 0),
            (2, "1_499", 149_900),
            (2, "10000000000", 1_000_000_000_000),
            (2, "\"10000000000.00\"", 1_000_000_000_000),
            (0, "99", 99),
            (0, "\"99\"", 99),
            (3, "\"1.5\"", 1500),
            (3, "\"0.125\"", 125),
            (3, "1000000000", 1_000_000_000_000),
        ] {
            let text =
                format!("[shipping]\nfee = {written}\n[store]\ncurrency_digits = {digits}\n");
            let cfg = parse(&text, "s", Path::new("/b"))
                .unwrap_or_else(|e| panic!("{written} with {digits} digits: {e}"));
            assert_eq!(cfg.shipping.fee, minor, "{written} with {digits} digits");
        }
        // Without [store] the default 2 digits apply.
        let cfg = parse("[payments]\ncod_fee = \"12.34\"\n", "s", Path::new("/b")).unwrap();
        assert_eq!(cfg.payments.cod_fee, 1234);
    }

    #[test]
    fn zone_for_picks_the_first_matching_zone() {
        let zone = |name: &str, countries: &[&str], regions: &[&str]| Zone {
            name: name.into(),
            countries: countries.iter().map(|c| c.to_string()).collect(),
            regions: regions.iter().map(|r| r.to_string()).collect(),
            fee: None,
            free_over: None,
            cod: true,
        };
        let shipping = ShippingConfig {
            zones: vec![
                zone("Metro", &["IN"], &["Karnataka", "Tamil Nadu"]),
                zone("India", &["IN"], &[]),
                zone("Nearby", &["LK", "NP"], &[]),
                zone("Île", &["FR"], &["Île-de-France"]),
            ],
            ..Config::default().shipping
        };
        let name = |country: &str, region: &str| {
            shipping.zone_for(country, region).map(|z| z.name.as_str())
        };
        assert_eq!(name("IN", "Karnataka"), Some("Metro"));
        assert_eq!(name("in", "  karnataka "), Some("Metro"));
        assert_eq!(name(" IN ", "TAMIL NADU"), Some("Metro"));
        assert_eq!(name("IN", "Kerala"), Some("India"));
        assert_eq!(name("IN", ""), Some("India"));
        assert_eq!(name("np", "Bagmati"), Some("Nearby"));
        assert_eq!(name("FR", "île-de-france"), Some("Île"));
        assert_eq!(name("FR", "Bretagne"), None);
        assert_eq!(name("US", "CA"), None);

        // The default zone takes every address.
        let everywhere = Config::default().shipping;
        for (country, region) in [("US", "NY"), ("IN", ""), ("", "")] {
            let z = everywhere.zone_for(country, region).unwrap();
            assert_eq!(z.name, "Everywhere");
        }

        // A "*" zone with regions matches those regions in any country.
        let shipping = ShippingConfig {
            zones: vec![zone("Capitals", &["*"], &["Delhi"])],
            ..Config::default().shipping
        };
        assert!(shipping.zone_for("IN", "delhi").is_some());
        assert!(shipping.zone_for("IN", "Goa").is_none());
    }

    #[test]
    fn zones_hidden_by_an_earlier_zone_are_refused() {
        let hidden = [
            // The whole country before one of its regions.
            "[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\"]\n[[shipping.zones]]\nname = \"B\"\ncountries = [\"IN\"]\nregions = [\"Goa\"]\n",
            // Same countries again, in another order and case.
            "[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\", \"LK\"]\n[[shipping.zones]]\nname = \"B\"\ncountries = [\"lk\"]\n",
            // Regions already covered (any case).
            "[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\"]\nregions = [\"Goa\", \"Kerala\"]\n[[shipping.zones]]\nname = \"B\"\ncountries = [\"IN\"]\nregions = [\"goa\"]\n",
        ];
        for text in hidden {
            let e = parse_err(text);
            // Reported on the hidden zone's own [[shipping.zones]] line.
            let line = text[..text.rfind("[[").unwrap()].matches('\n').count() + 1;
            let want = format!(
                "store.toml:{line}: [[shipping.zones]] zone \"B\" would never be used: zone \"A\" (line 1)"
            );
            assert!(e.starts_with(&want), "{text}\n{e}");
        }
        let fine = [
            // A region before its whole country: the intended order.
            "[[shipping.zones]]\nname = \"B\"\ncountries = [\"IN\"]\nregions = [\"Goa\"]\n[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\"]\n",
            // Partly overlapping countries: the second still takes US addresses.
            "[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\"]\n[[shipping.zones]]\nname = \"B\"\ncountries = [\"IN\", \"US\"]\n",
            // Some regions before every region of the country.
            "[[shipping.zones]]\nname = \"A\"\ncountries = [\"IN\"]\nregions = [\"Goa\"]\n[[shipping.zones]]\nname = \"B\"\ncountries = [\"*\"]\n",
        ];
        for text in fine {
            parse(text, "s", Path::new("/b")).unwrap_or_else(|e| panic!("{text}\n{e}"));
        }
    }

    #[test]
    fn a_repeated_zone_name_is_reported_beside_other_mistakes() {
        let text = "[[shipping.zones]]\nname = \"Metro\"\ncountries = [\"UK\"]\n\n[[shipping.zones]]\nname = \" metro\"\ncountries = [\"IN\"]\n";
        let e = parse_err(text);
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(lines[0].starts_with("store.toml:3: [[shipping.zones]] countries: \"UK\""));
        assert_eq!(
            lines[1],
            "store.toml:6: [[shipping.zones]] name \"metro\" is already used by the zone on line 1; give each zone its own name"
        );
    }

    #[test]
    fn errors_in_several_zones_are_all_reported() {
        let text = "[[shipping.zones]]\nname = \"A\"\ncountries = [\"XX\"]\n\n[[shipping.zones]]\ncountries = [\"IN\"]\nfee = -1\n";
        let e = parse_err(text);
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(lines[0].starts_with("store.toml:3: [[shipping.zones]] countries: \"XX\""));
        assert!(lines[1].starts_with("store.toml:5: [[shipping.zones]] this zone has no name"));
        assert!(lines[2].starts_with("store.toml:7: [[shipping.zones]] fee must not be negative"));
    }

    #[test]
    fn email_transports_parse_and_secrets_stay_out_of_debug() {
        let text = r#"
[email]
transport = "smtp"
smtp_host = "smtp.resend.com"
smtp_port = 465
smtp_tls = "tls"
smtp_username = "resend"
smtp_password = "hunter2-password"
resend_api_key = "re_very_secret"
resend_base_url = "http://127.0.0.1:9/"
"#;
        let cfg = parse(text, "s", Path::new("/b")).unwrap();
        let e = &cfg.email;
        assert_eq!(e.transport, "smtp");
        assert_eq!(
            (e.smtp_host.as_str(), e.smtp_port),
            ("smtp.resend.com", 465)
        );
        assert_eq!(e.smtp_tls, "tls");
        assert_eq!(e.smtp_password.expose(), "hunter2-password");
        assert_eq!(e.resend_base_url, "http://127.0.0.1:9");
        let dbg = format!("{cfg:?}");
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("re_very"),
            "{dbg}"
        );
        assert!(dbg.contains("***"));
        // A bad secret is reported without echoing it.
        let err = parse_err("[email]\nresend_api_key = \"re_a b\"\n");
        assert!(
            err.starts_with("store.toml:2: [email] resend_api_key"),
            "{err}"
        );
        assert!(!err.contains("re_a"), "{err}");
    }

    #[test]
    fn all_errors_are_collected_in_line_order() {
        let e =
            parse_err("[store]\nname = \"\"\ncurrency = \"rupees\"\n[catalog]\npage_size = 0\n");
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(lines[0].starts_with("store.toml:2:"));
        assert!(lines[1].starts_with("store.toml:3:"));
        assert!(lines[2].starts_with("store.toml:5:"));
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let e = parse_err("[store]\nname = Saffron\n");
        assert!(
            e.starts_with("store.toml:2: this line is not valid TOML"),
            "{e}"
        );
        let e = parse_err("[store]\nname = \"a\"\nname = \"b\"\n");
        assert!(e.starts_with("store.toml:3: "), "{e}");
        assert!(e.contains("appears twice"), "{e}");
    }

    #[test]
    fn load_reports_missing_file_and_resolves_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.toml");
        let e = load(&path).unwrap_err();
        assert!(e.contains("not found") && e.contains("nope.toml"), "{e}");

        let path = dir.path().join("store.toml");
        std::fs::write(&path, "[server]\ndata_dir = \"shopdata\"\n").unwrap();
        let cfg = load(&path).unwrap();
        assert_eq!(cfg.server.data_dir, dir.path().join("shopdata"));

        std::fs::write(&path, b"[store]\nname = \"\xff\"\n").unwrap();
        let e = load(&path).unwrap_err();
        assert!(
            e.ends_with(":2: this line is not valid UTF-8 text; save the file as UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("nmae", &STORE_KEYS), Some("name"));
        assert_eq!(suggest("curency", &STORE_KEYS), Some("currency"));
        assert_eq!(suggest("Page_Size", &CATALOG_KEYS), Some("page_size"));
        assert_eq!(suggest("colour", &STORE_KEYS), None);
    }

    #[test]
    fn restart_keys_are_detected() {
        let a = Config::default();
        let mut b = a.clone();
        b.store.name = "Other".into();
        assert!(a.restart_keys_changed(&b).is_empty());
        b.server.listen = "0.0.0.0:80".into();
        b.server.reader_pool_size = 2;
        assert_eq!(
            a.restart_keys_changed(&b),
            vec!["server.listen", "server.reader_pool_size"]
        );
    }

    /// Writes like an editor does: a temp file in the same folder, renamed over the target.
    fn save(path: &Path, text: &str) {
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }

    fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
        let start = std::time::Instant::now();
        while !ok() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    #[test]
    fn watch_reloads_on_rename_save_and_keeps_last_good_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.toml");
        std::fs::write(&path, "[store]\nname = \"First\"\n").unwrap();
        let handle = ConfigHandle::new(load(&path).unwrap());
        let watcher = watch(path.clone(), handle.clone()).unwrap();
        assert_eq!(watcher.path(), path);
        assert_eq!(handle.status(), ReloadStatus::default());

        save(
            &path,
            "[store]\nname = \"Second\"\n[server]\nlisten = \"127.0.0.1:9999\"\n",
        );
        wait_for("the new name", || handle.get().store.name == "Second");
        let st = handle.status();
        assert!(st.last_reload.is_some());
        assert_eq!(st.last_error, None);
        assert_eq!(st.restart_pending, vec!["server.listen"]);
        // The new value is stored; the start-up one stays available for the server.
        assert_eq!(handle.get().server.listen, "127.0.0.1:9999");
        assert_eq!(handle.startup().server.listen, "127.0.0.1:8080");

        save(&path, "[store]\nname = \"Third\"\ncurrency_digits = 9\n");
        wait_for("the reload error", || handle.status().last_error.is_some());
        let err = handle.status().last_error.unwrap();
        assert!(
            err.contains("store.toml:3: [store] currency_digits"),
            "{err}"
        );
        assert_eq!(handle.get().store.name, "Second");

        save(&path, "[store]\nname = \"Fourth\"\n");
        wait_for("the fixed config", || handle.get().store.name == "Fourth");
        let st = handle.status();
        assert_eq!(st.last_error, None);
        assert!(st.restart_pending.is_empty());

        // Other files in the folder do not trigger reloads (the handle is not touched).
        handle.set(Config::default());
        std::fs::write(dir.path().join("other.toml"), "garbage =").unwrap();
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(handle.get().store.name, "Saffron & Loom");

        drop(watcher);
    }
}
