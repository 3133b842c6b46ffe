//! `store.toml` → one validated [`Config`], and live reloading of it. This file owns the
//! config file's layout (sections `[store]`, `[server]`, `[catalog]`, `[email]`; every key
//! optional, defaults = [`Config::default`]), every rule a value must pass, the wording of
//! the errors a shop owner sees (`store.toml:7: [store] currency_digits must be between 0
//! and 3 (got 9)`), and the [`ConfigHandle`] the rest of the program reads the live config
//! through. The file is read into toml's spanned document tree ([`toml::de::DeTable`]) and
//! walked by hand rather than through serde: that way every error carries the line of the
//! key or value it is about, ALL mistakes in a file are reported at once instead of the
//! first, and unknown keys can come with a "did you mean" hint.
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

/// A password or API key. Debug prints `***` so a logged or panicked config never leaks
/// it; the value is only reachable through [`Secret::expose`].
#[derive(Clone, PartialEq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
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
        }
    }
}

/// Keys the running server reads only once at start-up (the socket, the database and its
/// pools, the connection cap). A reload still stores their new values in the config, but
/// they take effect only after a restart.
pub const RESTART_KEYS: [&str; 5] = [
    "server.listen",
    "server.data_dir",
    "server.max_connections",
    "server.synchronous",
    "server.reader_pool_size",
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

const SECTIONS: [&str; 4] = ["store", "server", "catalog", "email"];
const STORE_KEYS: [&str; 9] = [
    "name",
    "tagline",
    "url",
    "currency",
    "currency_digits",
    "currency_symbol",
    "locale",
    "time_zone",
    "contact_email",
];
const SERVER_KEYS: [&str; 9] = [
    "listen",
    "data_dir",
    "max_connections",
    "synchronous",
    "reader_pool_size",
    "idle_timeout_secs",
    "head_timeout_secs",
    "body_timeout_secs",
    "trusted_proxies",
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

fn keys_of(section: &str) -> &'static [&'static str] {
    match section {
        "store" => &STORE_KEYS,
        "server" => &SERVER_KEYS,
        "catalog" => &CATALOG_KEYS,
        _ => &EMAIL_KEYS,
    }
}

type Key<'i> = Spanned<DeString<'i>>;
type Val<'i> = Spanned<DeValue<'i>>;

/// Walks the document, collecting `(line, message)` pairs.
struct Checker<'a> {
    text: &'a str,
    errors: Vec<(usize, String)>,
}

impl Checker<'_> {
    fn err(&mut self, span: Range<usize>, msg: String) {
        self.errors
            .push((line_of(self.text.as_bytes(), span.start), msg));
    }

    fn document(&mut self, root: &DeTable<'_>, cfg: &mut Config) {
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
                    _ => self.email(table, &mut cfg.email),
                }
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
                assert!(
                    SHIPPED.contains(&format!("\n{key} = ")),
                    "{section}.{key} missing from store.toml"
                );
            }
        }
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
        ];
        for (text, want) in cases {
            let e = parse_err(text);
            assert!(e.contains(want), "for {text:?}\n got: {e}\nwant: {want}");
            assert!(e.starts_with("store.toml:"), "{e}");
        }
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
