//! Test harness: starts the real store in-process on 127.0.0.1:0 with a temp data dir and
//! a real SQLite file, and talks HTTP to it with ureq.
#![allow(dead_code)]

use boutique::app::{self, Options, Running};
use std::path::PathBuf;
use std::sync::OnceLock;

pub mod fake_gateway;
pub mod fake_http;
pub mod fake_shiprocket;

pub struct Store {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub running: Option<Running>,
}

pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

pub const BASE_CONFIG: &str = r#"
[store]
name = "Test Boutique"
url = "http://shop.test"

[server]
listen = "127.0.0.1:0"
data_dir = "data"
synchronous = "normal"
# Every test client is 127.0.0.1; the race tests open 200 connections at once.
max_connections_per_client = 1024

# Tests place many orders from 127.0.0.1, often for one email: the abuse limits are
# tested on their own (tests/abuse_limits.rs, with its own config).
[limits]
orders_per_address_per_hour = 100000
orders_per_email_per_hour = 100000
unpaid_units_per_address = 1000000
mails_per_unproven_address_per_hour = 100000
"#;

impl Store {
    /// A fresh store with the demo catalog.
    pub fn demo() -> Store {
        Store::with_config(BASE_CONFIG, true)
    }

    pub fn empty() -> Store {
        Store::with_config(BASE_CONFIG, false)
    }

    pub fn with_config(toml: &str, demo: bool) -> Store {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("store.toml");
        std::fs::write(&config, toml).expect("write config");
        let running = app::start(Options {
            config_path: Some(config.clone()),
            listen: Some("127.0.0.1:0".into()),
            demo,
            server: None,
            access_log: false,
            mail_tick: None,
        })
        .expect("store starts");
        Store {
            url: running.url.clone(),
            dir,
            config,
            running: Some(running),
        }
    }

    pub fn app(&self) -> &boutique::app::App {
        &self.running.as_ref().expect("running").app
    }

    pub fn get(&self, path: &str) -> Page {
        request("GET", &format!("{}{}", self.url, path), &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        request("GET", &format!("{}{}", self.url, path), headers)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown();
        }
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(20)))
        .build()
        .into()
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Page {
    send(method, url, headers, None)
}

pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Page {
    let agent = agent();
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = match body {
        Some(b) => agent.run(req.body(b).expect("request")),
        None => agent.run(req.body(ureq::SendBody::none()).expect("request")),
    }
    .expect("response");
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    Page {
        status,
        headers,
        body,
    }
}

/// One demo store shared by the read-only tests of a test binary (the demo images take a
/// moment to draw; tests that write start their own store).
pub fn shared() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(Store::demo)
}

/// The first `href="/p/..."` on a page.
pub fn first_product_link(html: &str) -> Option<String> {
    let i = html.find("href=\"/p/")?;
    let rest = &html[i + 6..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string())
}

/// Waits for the n-th mail file under data/mail and returns (the 6-digit code from its
/// subject, the sign-in link path, the raw message).
pub fn mail(s: &Store, n: usize) -> (String, String, String) {
    let dir = s.data_dir().join("mail");
    let start = std::time::Instant::now();
    loop {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        // Names are `{unix}-{outbox id}-{tag}.eml`: order by time, then id, as numbers.
        files.sort_by_key(|p| {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let mut parts = name.split('-').map(|x| x.parse::<i64>().unwrap_or(0));
            (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
        });
        if files.len() >= n {
            let raw = std::fs::read_to_string(&files[n - 1]).unwrap();
            let flat = raw
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
            let subject = flat
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap()
                .to_string();
            let code: String = subject
                .chars()
                .filter(|c| c.is_ascii_digit())
                .take(6)
                .collect();
            let i = flat
                .find("/account/sign-in/link?token=")
                .expect("link in mail");
            let link: String = flat[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/-_?=.".contains(*c))
                .collect();
            return (code, link, raw);
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "no mail #{n} in {}",
            dir.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The session cookie ("bq_sid=…") a response sets, if any.
pub fn session_cookie(p: &Page) -> Option<String> {
    p.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.clone())
        .find(|v| v.starts_with("bq_sid=") && !v.starts_with("bq_sid=;"))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

/// The CSRF token of the first form on a page.
pub fn csrf(html: &str) -> String {
    let i = html
        .find("name=\"csrf_token\" value=\"")
        .expect("csrf field")
        + 25;
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// GET `path`, signed in as `cookie` if given.
pub fn get_as(s: &Store, path: &str, cookie: Option<&str>) -> Page {
    match cookie {
        Some(c) => s.get_with(path, &[("Cookie", c)]),
        None => s.get(path),
    }
}

/// GET `path` signed in as `cookie`.
pub fn get_signed_in(s: &Store, path: &str, cookie: &str) -> Page {
    s.get_with(path, &[("Cookie", cookie)])
}

/// Submits the form at `action` the way a browser does from `page`: GETs the page (which
/// must answer 200), takes its CSRF token and posts it with `fields`.
pub fn post_from(
    s: &Store,
    cookie: &str,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let p = get_as(s, page, Some(cookie));
    assert_eq!(p.status, 200, "{}", p.text());
    let token = csrf(&p.text());
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    post_form(s, action, Some(cookie), &form(&all))
}

/// A variant's stock as the database has it.
pub fn stock(s: &Store, variant: i64) -> i64 {
    count(
        s,
        &format!("SELECT stock FROM variants WHERE id = {variant}"),
    )
}

pub fn post_form(s: &Store, path: &str, cookie: Option<&str>, form: &str) -> Page {
    let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(c) = cookie {
        h.push(("Cookie", c));
    }
    send(
        "POST",
        &format!("{}{path}", s.url),
        &h,
        Some(form.as_bytes().to_vec()),
    )
}

pub fn mail_count(s: &Store) -> usize {
    std::fs::read_dir(s.data_dir().join("mail"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0)
}

/// Signs `email` in through the real pages and the emailed code; returns the cookie.
pub fn sign_in(s: &Store, email: &str) -> String {
    let before = mail_count(s);
    let p = s.get("/account/sign-in");
    let guest = session_cookie(&p).expect("guest session");
    let r = post_form(
        s,
        "/account/sign-in",
        Some(&guest),
        &format!("csrf_token={}&email={email}", csrf(&p.text())),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let (code, _, _) = mail(s, before + 1);
    let r = post_form(
        s,
        "/account/sign-in/code",
        Some(&guest),
        &format!("csrf_token={}&code={code}", csrf(&r.text())),
    );
    assert_eq!(r.status, 303, "{}", r.text());
    session_cookie(&r).expect("signed-in cookie")
}

/// Percent-encodes one form value.
pub fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A url-encoded form body from pairs.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One integer from a query on the store's database.
pub fn count(s: &Store, sql: &str) -> i64 {
    s.app()
        .db
        .read()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Gives `email` the role `role` ("owner" or "staff") and signs them in through the real
/// sign-in flow (the admin flag is set at sign-in); returns their session cookie.
pub fn staff(s: &Store, email: &str, role: &str) -> String {
    s.app()
        .db
        .write_tx(|tx| {
            let c = boutique::shop::accounts::find_or_create(tx, email, boutique::db::now())?;
            boutique::shop::accounts::set_role(tx, c.id, role)
        })
        .unwrap();
    sign_in(s, &email.replace('@', "%40"))
}

/// The store's owner, owner@example.com, signed in; returns the session cookie.
pub fn owner(s: &Store) -> String {
    staff(s, "owner@example.com", "owner")
}

/// A real PNG of `w` × `h` whose pixels depend on `red`, so two calls with different
/// `red` are different pictures.
pub fn png(w: u32, h: u32, red: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([red, (x % 256) as u8, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Every variant's stock equals the sum of its ledger rows.
pub fn ledger_balanced(s: &Store) {
    let off = boutique::shop::catalog::ledger_mismatches(&s.app().db.read().unwrap()).unwrap();
    assert!(off.is_empty(), "stock ledger out of step: {off:?}");
}
