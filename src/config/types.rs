//! The validated config as the program reads it: one struct per `store.toml` section with
//! its defaults ([`Config::default`] is what an empty file means), secrets that may come
//! from the environment, and the keys that need a restart.

use super::*;

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
    pub reviews: ReviewsConfig,
    pub follow_ups: FollowUpsConfig,
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
    /// The zone dates are shown and days are cut in: `time_zone = "Asia/Kolkata"` (an
    /// IANA name, daylight saving right) or a fixed offset such as `"+05:30"`.
    pub zone: crate::zone::Zone,
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
    /// What the log writes: a level, or `level,target=level,...` (see `logging`). Live;
    /// `RUST_LOG` overrides it.
    pub log_level: String,
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
    /// The From of follow-up mail (back in stock, price drops, reminders); empty: `from`.
    pub marketing_from: String,
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

impl StoreConfig {
    /// The host of `url` ("127.0.0.1", "shop.example.in"), without scheme, port or path.
    pub fn host(&self) -> &str {
        self.url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split(['/', ':'])
            .next()
            .unwrap_or("")
    }
    /// The store answers only on this machine (localhost, 127.x, [::1]).
    pub fn on_this_machine(&self) -> bool {
        let host = self.host();
        host == "localhost" || host.starts_with("127.") || self.url.contains("[::1]")
    }
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
    /// `[shipping.shiprocket]`.
    pub shiprocket: ShiprocketConfig,
    /// `[[shipping.carriers]]`: the carriers the owner ships with by hand (the ship form
    /// offers them; their pattern checks the tracking number and their link is filled in).
    pub carriers: Vec<Carrier>,
}

/// `[shipping.shiprocket]`: the courier aggregator that books, labels and tracks parcels.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiprocketConfig {
    pub enabled: bool,
    /// "live" (the owner's Shiprocket account: real parcels) or "sandbox" (the simulated
    /// courier inside boutique; only while the store's `url` is a local address).
    pub mode: String,
    /// The API user's email (Shiprocket panel → Settings → API), not the main login.
    pub email: String,
    pub password: Secret,
    /// What Shiprocket sends in `x-api-key` with each tracking webhook.
    pub webhook_token: Secret,
    /// The pickup location's name exactly as saved in the Shiprocket panel.
    pub pickup_location: String,
    /// Empty = Shiprocket's live API (tests point it at a fake).
    pub base_url: String,
    /// Create the shipment as soon as an order is confirmed (paid, or COD accepted);
    /// false = the owner creates them from /admin/shipments.
    pub auto_create: bool,
    /// The default box, in whole centimetres.
    pub length_cm: i64,
    pub breadth_cm: i64,
    pub height_cm: i64,
    /// Used for each unit whose variant has no weight set.
    pub default_weight_grams: i64,
    /// Sandbox only: seconds between the simulated courier's tracking updates.
    pub sandbox_step_seconds: i64,
}

/// One `[[shipping.carriers]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    pub name: String,
    /// A link with `{number}` where the tracking number goes; may be empty.
    pub tracking_url: String,
    /// The tracking number's shape: `#` a digit, `A` a letter, `X` either, other
    /// characters themselves, alternatives separated by `|`; empty = anything.
    pub pattern: String,
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
pub(super) fn same_region(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// `[reviews]`: verified reviews, asked for after delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewsConfig {
    /// Mail a review link per item when an order is delivered.
    pub enabled: bool,
    /// A review link works for this many days (1..=365).
    pub link_days: i64,
    /// Publish reviews at once instead of waiting for the owner in /admin/reviews.
    pub auto_publish: bool,
    /// Days after delivery before the review mail goes out (0..=60; 0 = at once).
    pub request_after_days: i64,
}

/// `[follow_ups]`: the mails that bring shoppers back. Price drops, abandoned checkouts
/// and reorder reminders are marketing: they go only to addresses that agreed, at checkout
/// or in the account. Back-in-stock mails go to whoever asked and confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpsConfig {
    pub back_in_stock: bool,
    pub price_drop: bool,
    pub abandoned_checkout: bool,
    /// Hours after the shopper gave their email at checkout without ordering (1..=168).
    pub abandoned_after_hours: i64,
    pub reorder_reminder: bool,
    /// Days after delivery of a consumable product (1..=365).
    pub reorder_after_days: i64,
    /// At most this many follow-up mails per address in any 24 hours (1..=20); the rest
    /// wait for room.
    pub mails_per_address_per_day: i64,
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
    /// `[payments.razorpay]`.
    pub razorpay: GatewayConfig,
    /// `[payments.stripe]`.
    pub stripe: GatewayConfig,
}

/// A card gateway: `[payments.razorpay]` or `[payments.stripe]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayConfig {
    pub enabled: bool,
    /// "live" (real money), "test" (the gateway's test keys) or "sandbox" (the simulator
    /// built into boutique: no account, no money; offered only while the store's `url` is
    /// a local address, so a public store never takes pretend payments).
    pub mode: String,
    /// What the shopper reads at checkout.
    pub display_name: String,
    /// Razorpay's key id (`rzp_test_…` / `rzp_live_…`); Stripe has none.
    pub key_id: String,
    /// Razorpay's key secret or Stripe's secret key (`sk_…`).
    pub api_secret: Secret,
    /// The secret webhooks are signed with.
    pub webhook_secret: Secret,
    /// The gateway's API address; empty = its real one (tests point it at a fake).
    pub base_url: String,
    /// An unpaid card order gives its stock back after this many minutes (5..=1440).
    pub payment_window_minutes: i64,
}

impl GatewayConfig {
    fn sandbox(name: &str) -> GatewayConfig {
        GatewayConfig {
            enabled: true,
            mode: "sandbox".into(),
            display_name: name.into(),
            key_id: String::new(),
            api_secret: Secret::default(),
            webhook_secret: Secret::default(),
            base_url: String::new(),
            payment_window_minutes: 30,
        }
    }
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
    (
        "payments.razorpay",
        "key_secret",
        "BOUTIQUE_RAZORPAY_KEY_SECRET",
    ),
    (
        "payments.razorpay",
        "webhook_secret",
        "BOUTIQUE_RAZORPAY_WEBHOOK_SECRET",
    ),
    (
        "payments.stripe",
        "secret_key",
        "BOUTIQUE_STRIPE_SECRET_KEY",
    ),
    (
        "payments.stripe",
        "webhook_secret",
        "BOUTIQUE_STRIPE_WEBHOOK_SECRET",
    ),
    (
        "shipping.shiprocket",
        "password",
        "BOUTIQUE_SHIPROCKET_PASSWORD",
    ),
    (
        "shipping.shiprocket",
        "webhook_token",
        "BOUTIQUE_SHIPROCKET_WEBHOOK_TOKEN",
    ),
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
pub(super) fn secret_from_env(section: &str, key: &str, from_file: Secret) -> Secret {
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
                zone: crate::zone::Zone::parse("Asia/Kolkata")
                    .unwrap_or_else(|_| crate::zone::Zone::fixed_minutes(330)),
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
                log_level: "info".into(),
            },
            catalog: CatalogConfig {
                low_stock_threshold: 5,
                page_size: 24,
            },
            email: EmailConfig {
                transport: "file".into(),
                from: "Store <shop@example.com>".into(),
                marketing_from: String::new(),
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
                shiprocket: ShiprocketConfig {
                    enabled: true,
                    mode: "sandbox".into(),
                    email: String::new(),
                    password: Secret::default(),
                    webhook_token: Secret::default(),
                    pickup_location: "Primary".into(),
                    base_url: String::new(),
                    auto_create: true,
                    length_cm: 20,
                    breadth_cm: 15,
                    height_cm: 5,
                    default_weight_grams: 500,
                    sandbox_step_seconds: 60,
                },
                carriers: vec![
                    Carrier {
                        name: "India Post".into(),
                        tracking_url: String::new(),
                        // UPU S10: two letters, nine digits, the country's two letters.
                        pattern: "AA#########AA".into(),
                    },
                    Carrier {
                        name: "Blue Dart".into(),
                        tracking_url: String::new(),
                        pattern: "###########".into(),
                    },
                ],
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
                bank_instructions: "We confirm your order as soon as the money reaches us, usually within one working day.".into(),
                payment_window_hours: 48,
                reminder_after_hours: 24,
                proof_max_bytes: 8 * 1024 * 1024,
                razorpay: GatewayConfig::sandbox("Card, UPI or netbanking (Razorpay)"),
                stripe: GatewayConfig::sandbox("Card (Stripe)"),
            },
            health: HealthConfig {
                min_free_disk_mb: 256,
            },
            reviews: ReviewsConfig {
                enabled: true,
                link_days: 60,
                auto_publish: false,
                request_after_days: 0,
            },
            follow_ups: FollowUpsConfig {
                back_in_stock: true,
                price_drop: true,
                abandoned_checkout: true,
                abandoned_after_hours: 4,
                reorder_reminder: true,
                reorder_after_days: 30,
                mails_per_address_per_day: 2,
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
