//! The config reader's unit tests: the shipped store.toml, every rule's error text, reload.

use super::*;

const SHIPPED: &str = include_str!("../../store.toml");

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
    for section in section_names() {
        assert!(
            SHIPPED.contains(&format!("[{section}]")),
            "[{section}] missing"
        );
        for key in keys_of(section) {
            let line = match *key {
                "zones" => "\n[[shipping.zones]]\n".to_string(),
                "shiprocket" => "\n[shipping.shiprocket]\n".to_string(),
                "carriers" => "\n[[shipping.carriers]]\n".to_string(),
                _ => format!("\n{key} = "),
            };
            assert!(
                SHIPPED.contains(&line),
                "{section}.{key} missing from store.toml"
            );
        }
    }
    for section in [RAZORPAY, STRIPE, SHIPROCKET] {
        assert!(
            SHIPPED.contains(&format!("\n[{section}]\n")),
            "[{section}] missing"
        );
        for key in keys_of(section) {
            let line = match *key {
                "base_url" => format!("\n# {key} = "),
                _ => format!("\n{key} = "),
            };
            assert!(
                SHIPPED.contains(&line),
                "{section}.{key} missing from store.toml"
            );
        }
    }
    for key in CARRIER_KEYS {
        assert!(
            SHIPPED.contains(&format!("\n{key} = ")),
            "[[shipping.carriers]] {key} missing from store.toml"
        );
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
    assert_eq!(cfg.store.zone.offset_secs(0), -270 * 60);
    let paris = parse(
        "[store]\ntime_zone = \"Europe/Paris\"\n",
        "s",
        Path::new("/b"),
    )
    .unwrap();
    assert_eq!(paris.store.zone.name(), "Europe/Paris");
    assert_eq!(
        parse_err("[store]\ntime_zone = \"Europe/Pariss\"\n"),
        "store.toml:2: [store] time_zone must be a UTC offset like \"+05:30\", \"+00:00\" or \"-04:00\", or a time zone name like \"Asia/Kolkata\" or \"Europe/Paris\" (got \"Europe/Pariss\")"
    );
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
        let text = format!("[shipping]\nfee = {written}\n[store]\ncurrency_digits = {digits}\n");
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
    let name =
        |country: &str, region: &str| shipping.zone_for(country, region).map(|z| z.name.as_str());
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
    let e = parse_err("[store]\nname = \"\"\ncurrency = \"rupees\"\n[catalog]\npage_size = 0\n");
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

#[test]
fn gateway_sections_are_read_and_checked() {
    let cfg = parse(
        "[payments.razorpay]\nmode = \"test\"\nkey_id = \"rzp_test_abc\"\nkey_secret = \"s3cret\"\nwebhook_secret = \"wh\"\npayment_window_minutes = 15\n\n[payments.stripe]\nenabled = false\n",
        "s",
        Path::new("/b"),
    )
    .unwrap();
    let r = &cfg.payments.razorpay;
    assert_eq!(
        (r.mode.as_str(), r.key_id.as_str(), r.payment_window_minutes),
        ("test", "rzp_test_abc", 15)
    );
    assert_eq!(r.api_secret.expose(), "s3cret");
    assert!(!format!("{cfg:?}").contains("s3cret"));
    assert!(!cfg.payments.stripe.enabled);
    let e = parse_err(
        "[payments.razorpay]\nmode = \"real\"\nwebhok_secret = \"x\"\n\n[payments.stripe]\nkey_id = \"rzp_x\"\n",
    );
    assert!(e.contains("store.toml:2: [payments.razorpay] mode must be \"live\", \"test\" or \"sandbox\" (got \"real\")"), "{e}");
    assert!(e.contains("store.toml:3: unknown key \"webhok_secret\" in [payments.razorpay] (did you mean \"webhook_secret\"?)"), "{e}");
    assert!(
        e.contains("store.toml:6: unknown key \"key_id\" in [payments.stripe]"),
        "{e}"
    );
}
