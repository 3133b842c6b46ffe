//! One part per `store.toml` section: its keys (the table unknown-key errors and
//! suggestions are made from) and the checker that reads them into its struct. Adding a
//! key means its field and default in `types.rs`, its name in the table here and its
//! arm in the section's checker.

use super::*;

/// One `[section]` of store.toml: its name, its keys, and the checker that reads it into
/// its part of [`Config`]. The walk, the unknown-section and unknown-key errors and their
/// suggestions all come from this table, so a new section is one row here.
pub(super) struct Section {
    pub(super) name: &'static str,
    pub(super) keys: &'static [&'static str],
    pub(super) read: fn(&mut Checker<'_>, &DeTable<'_>, &mut Config),
}

/// The sections, in the order the shipped store.toml has them.
pub(super) const SECTIONS: [Section; 11] = [
    Section {
        name: "store",
        keys: &STORE_KEYS,
        read: |ck, t, c| ck.store(t, &mut c.store),
    },
    Section {
        name: "server",
        keys: &SERVER_KEYS,
        read: |ck, t, c| ck.server(t, &mut c.server),
    },
    Section {
        name: "catalog",
        keys: &CATALOG_KEYS,
        read: |ck, t, c| ck.catalog(t, &mut c.catalog),
    },
    Section {
        name: "email",
        keys: &EMAIL_KEYS,
        read: |ck, t, c| ck.email(t, &mut c.email),
    },
    Section {
        name: "cart",
        keys: &CART_KEYS,
        read: |ck, t, c| ck.cart(t, &mut c.cart),
    },
    Section {
        name: "shipping",
        keys: &SHIPPING_KEYS,
        read: |ck, t, c| ck.shipping(t, &mut c.shipping),
    },
    Section {
        name: "payments",
        keys: &PAYMENTS_KEYS,
        read: |ck, t, c| ck.payments(t, &mut c.payments),
    },
    Section {
        name: "limits",
        keys: &LIMITS_KEYS,
        read: |ck, t, c| ck.limits(t, &mut c.limits),
    },
    Section {
        name: "health",
        keys: &HEALTH_KEYS,
        read: |ck, t, c| ck.health(t, &mut c.health),
    },
    Section {
        name: "reviews",
        keys: &REVIEWS_KEYS,
        read: |ck, t, c| ck.reviews(t, &mut c.reviews),
    },
    Section {
        name: "follow_ups",
        keys: &FOLLOW_UPS_KEYS,
        read: |ck, t, c| ck.follow_ups(t, &mut c.follow_ups),
    },
];

/// The section called `name`.
pub(super) fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// The section names, for suggestions and error text.
pub(super) fn section_names() -> Vec<&'static str> {
    SECTIONS.iter().map(|s| s.name).collect()
}

pub(super) const HEALTH_KEYS: [&str; 1] = ["min_free_disk_mb"];
pub(super) const REVIEWS_KEYS: [&str; 4] =
    ["enabled", "link_days", "auto_publish", "request_after_days"];
pub(super) const FOLLOW_UPS_KEYS: [&str; 7] = [
    "back_in_stock",
    "price_drop",
    "abandoned_checkout",
    "abandoned_after_hours",
    "reorder_reminder",
    "reorder_after_days",
    "mails_per_address_per_day",
];
pub(super) const STORE_KEYS: [&str; 10] = [
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
pub(super) const SERVER_KEYS: [&str; 11] = [
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
    "log_level",
];
pub(super) const CATALOG_KEYS: [&str; 2] = ["low_stock_threshold", "page_size"];
pub(super) const EMAIL_KEYS: [&str; 10] = [
    "transport",
    "from",
    "marketing_from",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "resend_api_key",
    "resend_base_url",
];

pub(super) const CART_KEYS: [&str; 2] = ["max_line_quantity", "max_lines"];
pub(super) const LIMITS_KEYS: [&str; 4] = [
    "orders_per_address_per_hour",
    "orders_per_email_per_hour",
    "unpaid_units_per_address",
    "mails_per_unproven_address_per_hour",
];
pub(super) const SHIPPING_KEYS: [&str; 5] = ["fee", "free_over", "zones", "shiprocket", "carriers"];
pub(super) const SHIPROCKET: &str = "shipping.shiprocket";
pub(super) const SHIPROCKET_KEYS: [&str; 13] = [
    "enabled",
    "mode",
    "email",
    "password",
    "webhook_token",
    "pickup_location",
    "base_url",
    "auto_create",
    "length_cm",
    "breadth_cm",
    "height_cm",
    "default_weight_grams",
    "sandbox_step_seconds",
];
/// `[[shipping.carriers]] key`.
pub(super) const CARRIER: &str = "[shipping.carriers]";
pub(super) const CARRIER_KEYS: [&str; 3] = ["name", "tracking_url", "pattern"];
/// The keys of one `[[shipping.zones]]` entry.
pub(super) const ZONE_KEYS: [&str; 6] = ["name", "countries", "regions", "fee", "free_over", "cod"];
/// How errors name the gateway sections (the helpers print `[{section}] key`).
pub(super) const RAZORPAY: &str = "payments.razorpay";
pub(super) const STRIPE: &str = "payments.stripe";
pub(super) const RAZORPAY_KEYS: [&str; 8] = [
    "enabled",
    "mode",
    "display_name",
    "key_id",
    "key_secret",
    "webhook_secret",
    "base_url",
    "payment_window_minutes",
];
pub(super) const STRIPE_KEYS: [&str; 7] = [
    "enabled",
    "mode",
    "display_name",
    "secret_key",
    "webhook_secret",
    "base_url",
    "payment_window_minutes",
];
pub(super) const PAYMENTS_KEYS: [&str; 13] = [
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
pub(super) const ZONE: &str = "[shipping.zones]";

/// The keys of a section, or of a zone ([`ZONE`]).
pub(super) fn keys_of(name: &str) -> &'static [&'static str] {
    match name {
        ZONE => &ZONE_KEYS,
        RAZORPAY => &RAZORPAY_KEYS,
        STRIPE => &STRIPE_KEYS,
        SHIPROCKET => &SHIPROCKET_KEYS,
        CARRIER => &CARRIER_KEYS,
        _ => section(name).map_or(&[], |s| s.keys),
    }
}

impl Checker<'_> {
    pub(super) fn store(&mut self, t: &DeTable<'_>, out: &mut StoreConfig) {
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
                "time_zone" => crate::zone::Zone::parse(&s).map(|z| out.zone = z),
                "order_prefix" => check_order_prefix(&s).map(|()| out.order_prefix = s),
                _ => check_email_addr(&s)
                    .map(|()| out.contact_email = s)
                    .map_err(|e| format!("contact_email {e}")),
            };
            self.check(v, r.map_err(|e| format!("[{S}] {e}")));
        }
    }

    pub(super) fn server(&mut self, t: &DeTable<'_>, out: &mut ServerSection) {
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
                "log_level" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = crate::logging::Filter::parse(&s)
                            .map(|_| out.log_level = s.to_lowercase())
                            .map_err(|e| format!("[{S}] log_level: {e}"));
                        self.check(v, r);
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

    pub(super) fn catalog(&mut self, t: &DeTable<'_>, out: &mut CatalogConfig) {
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

    pub(super) fn email(&mut self, t: &DeTable<'_>, out: &mut EmailConfig) {
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
                "marketing_from" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = if s.trim().is_empty() {
                            Ok(())
                        } else {
                            check_from(&s).map_err(|e| format!("[{S}] marketing_from {e}"))
                        };
                        if self.check(v, r).is_some() {
                            out.marketing_from = s;
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

    pub(super) fn health(&mut self, t: &DeTable<'_>, out: &mut HealthConfig) {
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

    pub(super) fn reviews(&mut self, t: &DeTable<'_>, out: &mut ReviewsConfig) {
        const S: &str = "reviews";
        for (k, v) in t {
            match k.get_ref().as_ref() {
                "enabled" => {
                    if let Some(b) = self.boolean(S, k, v) {
                        out.enabled = b;
                    }
                }
                "auto_publish" => {
                    if let Some(b) = self.boolean(S, k, v) {
                        out.auto_publish = b;
                    }
                }
                "link_days" => {
                    if let Some(n) = self.int(S, k, v, 1, 365) {
                        out.link_days = n;
                    }
                }
                "request_after_days" => {
                    if let Some(n) = self.int(S, k, v, 0, 60) {
                        out.request_after_days = n;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    pub(super) fn follow_ups(&mut self, t: &DeTable<'_>, out: &mut FollowUpsConfig) {
        const S: &str = "follow_ups";
        for (k, v) in t {
            let flag = match k.get_ref().as_ref() {
                "back_in_stock" => Some(&mut out.back_in_stock),
                "price_drop" => Some(&mut out.price_drop),
                "abandoned_checkout" => Some(&mut out.abandoned_checkout),
                "reorder_reminder" => Some(&mut out.reorder_reminder),
                _ => None,
            };
            if let Some(flag) = flag {
                if let Some(b) = self.boolean(S, k, v) {
                    *flag = b;
                }
                continue;
            }
            let (num, lo, hi) = match k.get_ref().as_ref() {
                "abandoned_after_hours" => (&mut out.abandoned_after_hours, 1, 168),
                "reorder_after_days" => (&mut out.reorder_after_days, 1, 365),
                "mails_per_address_per_day" => (&mut out.mails_per_address_per_day, 1, 20),
                _ => {
                    self.unknown_key(S, k);
                    continue;
                }
            };
            if let Some(n) = self.int(S, k, v, lo, hi) {
                *num = n;
            }
        }
    }

    pub(super) fn cart(&mut self, t: &DeTable<'_>, out: &mut CartConfig) {
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

    pub(super) fn limits(&mut self, t: &DeTable<'_>, out: &mut LimitsConfig) {
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

    pub(super) fn shipping(&mut self, t: &DeTable<'_>, out: &mut ShippingConfig) {
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
                "shiprocket" => match v.get_ref().as_table() {
                    Some(table) => self.shiprocket(table, &mut out.shiprocket),
                    None => self.err(
                        k.span(),
                        "\"shiprocket\" must be a section: a line [shipping.shiprocket] followed by its keys".into(),
                    ),
                },
                "carriers" => {
                    if let Some(c) = self.carriers(v) {
                        out.carriers = c;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
        let sr = &mut out.shiprocket;
        sr.password = secret_from_env(SHIPROCKET, "password", std::mem::take(&mut sr.password));
        sr.webhook_token = secret_from_env(
            SHIPROCKET,
            "webhook_token",
            std::mem::take(&mut sr.webhook_token),
        );
    }

    /// `[shipping.shiprocket]`.
    pub(super) fn shiprocket(&mut self, t: &DeTable<'_>, out: &mut ShiprocketConfig) {
        const S: &str = SHIPROCKET;
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "enabled" | "auto_create" => {
                    if let Some(b) = self.boolean(S, k, v) {
                        *if key == "enabled" {
                            &mut out.enabled
                        } else {
                            &mut out.auto_create
                        } = b;
                    }
                }
                "mode" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = match s.as_str() {
                            "live" | "sandbox" => Ok(s.clone()),
                            _ => Err(format!(
                                "[{S}] mode must be \"live\" or \"sandbox\" (got \"{s}\"); Shiprocket has no test mode"
                            )),
                        };
                        if let Some(m) = self.check(v, r) {
                            out.mode = m;
                        }
                    }
                }
                "email" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = if s.is_empty()
                            || (s.contains('@')
                                && s.len() <= 200
                                && !s.contains(char::is_whitespace))
                        {
                            Ok(s.clone())
                        } else {
                            Err(format!(
                                "[{S}] email must be the API user's email address (got \"{s}\")"
                            ))
                        };
                        if let Some(e) = self.check(v, r) {
                            out.email = e;
                        }
                    }
                }
                "password" | "webhook_token" => {
                    if let Some(s) = self.secret(S, k, v) {
                        *if key == "password" {
                            &mut out.password
                        } else {
                            &mut out.webhook_token
                        } = s;
                    }
                }
                "pickup_location" => {
                    if let Some(s) = self.string(S, k, v) {
                        let r = check_plain(key, &s, 80).map_err(|e| format!("[{S}] {e}"));
                        if self.check(v, r).is_some() {
                            out.pickup_location = s;
                        }
                    }
                }
                "base_url" => {
                    if let Some(s) = self.string(S, k, v) {
                        let ok = s.is_empty()
                            || ((s.starts_with("https://") || s.starts_with("http://"))
                                && s.len() <= 200
                                && !s.chars().any(|c| c.is_whitespace() || c.is_control()));
                        let r = if ok {
                            Ok(s.trim_end_matches('/').to_string())
                        } else {
                            Err(format!(
                                "[{S}] base_url must be a web address starting with https:// (got \"{s}\"); leave it out to use Shiprocket's own"
                            ))
                        };
                        if let Some(u) = self.check(v, r) {
                            out.base_url = u;
                        }
                    }
                }
                "length_cm" | "breadth_cm" | "height_cm" => {
                    if let Some(n) = self.int(S, k, v, 1, 300) {
                        *match key {
                            "length_cm" => &mut out.length_cm,
                            "breadth_cm" => &mut out.breadth_cm,
                            _ => &mut out.height_cm,
                        } = n;
                    }
                }
                "default_weight_grams" => {
                    if let Some(n) = self.int(S, k, v, 1, 100_000) {
                        out.default_weight_grams = n;
                    }
                }
                "sandbox_step_seconds" => {
                    if let Some(n) = self.int(S, k, v, 1, 3600) {
                        out.sandbox_step_seconds = n;
                    }
                }
                _ => self.unknown_key(S, k),
            }
        }
    }

    /// The `[[shipping.carriers]]` list.
    pub(super) fn carriers(&mut self, v: &Val<'_>) -> Option<Vec<Carrier>> {
        let Some(items) = v
            .get_ref()
            .as_array()
            .filter(|_| is_table_list(v.get_ref()))
        else {
            self.err(
                v.span(),
                "[shipping.carriers] must be written [[shipping.carriers]], once above each carrier, with a name".into(),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(t) = item.get_ref().as_table() else {
                continue;
            };
            let mut c = Carrier {
                name: String::new(),
                tracking_url: String::new(),
                pattern: String::new(),
            };
            for (k, v) in t {
                let key: &str = k.get_ref();
                let Some(s) = (if CARRIER_KEYS.contains(&key) {
                    self.string(CARRIER, k, v)
                } else {
                    self.unknown_key(CARRIER, k);
                    ok = false;
                    None
                }) else {
                    continue;
                };
                let r = match key {
                    "name" if s.trim().is_empty() => Err("name must not be empty".to_string()),
                    "name" => check_plain(key, &s, 60),
                    "tracking_url" => {
                        if s.is_empty()
                            || ((s.starts_with("https://") || s.starts_with("http://"))
                                && s.contains("{number}")
                                && s.len() <= 300
                                && !s.chars().any(|c| c.is_whitespace() || c.is_control()))
                        {
                            Ok(())
                        } else {
                            Err(format!(
                                "tracking_url must be a web address with {{number}} where the tracking number goes (got \"{s}\")"
                            ))
                        }
                    }
                    _ => {
                        if s.len() <= 100 && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                        {
                            Ok(())
                        } else {
                            Err(format!(
                                "pattern must be like \"AA#########IN\" (# a digit, A a letter, X either, | between alternatives; got \"{s}\")"
                            ))
                        }
                    }
                };
                if self
                    .check(v, r.map_err(|e| format!("[{CARRIER}] {e}")))
                    .is_none()
                {
                    ok = false;
                    continue;
                }
                match key {
                    "name" => c.name = s.trim().to_string(),
                    "tracking_url" => c.tracking_url = s,
                    _ => c.pattern = s,
                }
            }
            if c.name.is_empty() {
                self.err(item.span(), format!("[{CARRIER}] needs a name"));
                ok = false;
                continue;
            }
            out.push(c);
        }
        ok.then_some(out)
    }

    /// The `[[shipping.zones]]` list: each zone on its own, then across zones (unique
    /// names; no zone hidden behind an earlier one, since the first match wins).
    pub(super) fn zones(&mut self, v: &Val<'_>) -> Option<Vec<Zone>> {
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
    pub(super) fn zone(&mut self, t: &DeTable<'_>, header: Range<usize>) -> Option<Zone> {
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
    pub(super) fn countries(
        &mut self,
        v: &Val<'_>,
        list: Vec<(String, Range<usize>)>,
    ) -> Option<Vec<String>> {
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

    pub(super) fn payments(&mut self, t: &DeTable<'_>, out: &mut PaymentsConfig) {
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
                "razorpay" | "stripe" => {
                    let Some(table) = v.get_ref().as_table() else {
                        self.err(
                            k.span(),
                            format!("\"{key}\" must be a section: a line [payments.{key}] followed by its keys"),
                        );
                        continue;
                    };
                    let (name, gw) = if key == "razorpay" {
                        (RAZORPAY, &mut out.razorpay)
                    } else {
                        (STRIPE, &mut out.stripe)
                    };
                    self.gateway(name, table, gw);
                    continue;
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
        // Secrets given by environment win even when the gateway's section is absent.
        for (name, gw, secret_key) in [
            (RAZORPAY, &mut out.razorpay, "key_secret"),
            (STRIPE, &mut out.stripe, "secret_key"),
        ] {
            gw.api_secret = secret_from_env(name, secret_key, std::mem::take(&mut gw.api_secret));
            gw.webhook_secret = secret_from_env(
                name,
                "webhook_secret",
                std::mem::take(&mut gw.webhook_secret),
            );
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

    /// `[payments.razorpay]` / `[payments.stripe]` (`section` names which).
    pub(super) fn gateway(
        &mut self,
        section: &'static str,
        t: &DeTable<'_>,
        out: &mut GatewayConfig,
    ) {
        for (k, v) in t {
            let key: &str = k.get_ref();
            match key {
                "enabled" => {
                    if let Some(b) = self.boolean(section, k, v) {
                        out.enabled = b;
                    }
                }
                "mode" => {
                    if let Some(s) = self.string(section, k, v) {
                        let r = match s.as_str() {
                            "live" | "test" | "sandbox" => Ok(s.clone()),
                            _ => Err(format!(
                                "[{section}] mode must be \"live\", \"test\" or \"sandbox\" (got \"{s}\")"
                            )),
                        };
                        if let Some(m) = self.check(v, r) {
                            out.mode = m;
                        }
                    }
                }
                "display_name" => {
                    if let Some(s) = self.string(section, k, v) {
                        let r = check_plain(key, &s, 80).map_err(|e| format!("[{section}] {e}"));
                        if self.check(v, r).is_some() {
                            out.display_name = s;
                        }
                    }
                }
                "key_id" => {
                    if let Some(s) = self.string(section, k, v) {
                        let r = if s.is_empty()
                            || (s.len() <= 100
                                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                        {
                            Ok(s.clone())
                        } else {
                            Err(format!(
                                "[{section}] key_id must be the key id from the Razorpay dashboard, like \"rzp_test_1DP5mmOlF5G5ag\" (got \"{s}\")"
                            ))
                        };
                        if let Some(id) = self.check(v, r) {
                            out.key_id = id;
                        }
                    }
                }
                "key_secret" | "secret_key" => {
                    if let Some(s) = self.secret(section, k, v) {
                        out.api_secret = s;
                    }
                }
                "webhook_secret" => {
                    if let Some(s) = self.secret(section, k, v) {
                        out.webhook_secret = s;
                    }
                }
                "base_url" => {
                    if let Some(s) = self.string(section, k, v) {
                        if s.is_empty() {
                            out.base_url = s;
                        } else {
                            let ok = (s.starts_with("https://") || s.starts_with("http://"))
                                && s.len() <= 200
                                && !s.chars().any(|c| c.is_whitespace() || c.is_control());
                            let r = if ok {
                                Ok(s.trim_end_matches('/').to_string())
                            } else {
                                Err(format!(
                                    "[{section}] base_url must be a web address starting with https:// (got \"{s}\"); leave it out to use the gateway's own"
                                ))
                            };
                            if let Some(u) = self.check(v, r) {
                                out.base_url = u;
                            }
                        }
                    }
                }
                "payment_window_minutes" => {
                    if let Some(n) = self.int(section, k, v, 5, 1440) {
                        out.payment_window_minutes = n;
                    }
                }
                _ => {
                    self.unknown_key(section, k);
                    continue;
                }
            }
            if !keys_of(section).contains(&key) {
                self.unknown_key(section, k);
            }
        }
    }
}
