//! The web layer: routes requests to short handlers (parse → one service call → render),
//! turns every `Error` into a page or the JSON error envelope, caches anonymous public
//! pages, and adds the security headers every response carries.

pub mod account;
pub mod admin;
pub mod admin_audit;
pub mod admin_coupons;
pub mod admin_csv;
pub mod admin_customers;
pub mod admin_merch;
pub mod admin_orders;
pub mod admin_payments;
pub mod admin_products;
pub mod admin_reports;
pub mod admin_settings;
pub mod admin_shipments;
pub mod admin_stock;
pub mod api;
pub mod api_orders;
pub mod cache;
pub mod cart;
pub mod checkout;
pub mod follow_ups;
pub mod openapi;
pub mod orders;
pub mod pay;
pub mod reviews;
pub mod session;
pub mod storefront;
pub mod webhooks;
pub mod wishlist;

use crate::app::App;
use crate::error::{Error, Kind};
use crate::http::types::Body;
use crate::http::{Handler, Head, Req, Resp};
use crate::money::Money;
use crate::shop::payments::Gateway;
use crate::views::layout::{self, Ctx};
use std::sync::Arc;

pub struct Web {
    app: Arc<App>,
}

/// Content-Security-Policy for every HTML page: only our own scripts and styles, images
/// from us or inline data URIs (blur placeholders), no framing.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

impl Web {
    pub fn new(app: Arc<App>) -> Web {
        Web { app }
    }
}

/// The note a handler leaves on a page that shows one product (its id), so the page cache
/// keys the page on that product's changes too; taken off before the response is sent.
pub const PAGE_PRODUCT: &str = "X-Page-Product";

/// What a handler returns: a response, or an error rendered by `Web`.
pub type Outcome = Result<Resp, Error>;

/// Builds the frame context; the category tree comes from the catalog-version cache.
pub fn with_ctx<T>(
    app: &App,
    req: &Req,
    search_q: &str,
    f: impl FnOnce(&Ctx) -> T,
) -> Result<T, Error> {
    let cfg = app.cfg();
    let categories = app.categories()?;
    let mut ctx = make_ctx(app, &cfg, &categories, &req.request_id, search_q);
    ctx.done = crate::http::query::Params::parse(req.query())
        .get("done")
        .and_then(crate::views::admin::done_message);
    Ok(f(&ctx))
}

pub fn make_ctx<'a>(
    app: &App,
    cfg: &'a crate::config::Config,
    categories: &'a [crate::shop::catalog::Category],
    request_id: &'a str,
    search_q: &'a str,
) -> Ctx<'a> {
    let s = &cfg.store;
    Ctx {
        store_name: &s.name,
        tagline: &s.tagline,
        base_url: &s.url,
        locale: &s.locale,
        contact_email: &s.contact_email,
        money: Money::of(s),
        currency: &s.currency,
        css_url: app.assets.url("app.css"),
        js_url: app.assets.url("app.js"),
        icon_url: app.assets.url("icon.svg"),
        categories,
        request_id,
        search_q,
        back_in_stock: cfg.follow_ups.back_in_stock,
        done: None,
    }
}

pub fn html_page(status: u16, markup: maud::Markup) -> Resp {
    Resp::html(status, markup.into_string())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/webhooks/")
}

/// A routed request, not yet run: the router decides existence and methods without
/// side effects, so the same table answers "which methods does this path have" (405 Allow).
type Action<'a> = Box<dyn FnOnce(&App, &Req) -> Outcome + 'a>;

fn act<'a>(f: impl FnOnce(&App, &Req) -> Outcome + 'a) -> Option<Action<'a>> {
    Some(Box::new(f))
}

/// Methods a path may be asked with, in the order `Allow` lists them.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// The route table: the one place that says which (method, path) pairs exist.
fn resolve<'a>(method: &str, seg: &[&'a str]) -> Option<Action<'a>> {
    let get = matches!(method, "GET" | "HEAD");
    // The admin area has its own table behind its gate (it only takes GET and POST forms).
    if seg.first() == Some(&"admin") {
        return (get || method == "POST").then(|| -> Action<'a> {
            let seg = seg.to_vec();
            Box::new(move |app, req| admin::route(app, req, &seg))
        });
    }
    if !get && seg.starts_with(&["api", "v1"]) {
        let writes = matches!(
            (method, &seg[2..]),
            ("POST", ["carts"])
                | ("POST", ["carts", _, "items"])
                | ("PATCH" | "DELETE", ["carts", _, "items", _])
                | ("POST", ["carts", _, "checkout"])
                | ("POST", ["orders", _, "payment-proof"])
        );
        return writes.then(|| -> Action<'a> {
            let seg = seg.to_vec();
            Box::new(move |app, req| api_orders::route_write(app, req, &seg[2..]))
        });
    }
    if method == "POST" {
        return match *seg {
            ["account", "sign-in"] => act(account::sign_in_submit),
            ["account", "sign-in", "code"] => act(account::code_submit),
            ["account", "sign-out"] => act(account::sign_out),
            ["account", "profile"] => act(account::profile),
            ["account", "email"] => act(account::change_email),
            ["account", "addresses"] => {
                act(|app, req| account::address_action(app, req, None, None))
            }
            ["account", "addresses", id] => {
                act(move |app, req| account::address_action(app, req, Some(id), None))
            }
            ["account", "addresses", id, action] => {
                act(move |app, req| account::address_action(app, req, Some(id), Some(action)))
            }
            ["account", "sign-out-everywhere"] => act(account::sign_out_everywhere),
            ["cart", what @ ("add" | "update" | "remove")] => {
                act(move |app, req| cart::change(app, req, what))
            }
            ["checkout"] => act(checkout::submit),
            ["webhooks", "razorpay"] => {
                act(|app, req| webhooks::receive(app, req, Gateway::Razorpay))
            }
            ["webhooks", "stripe"] => act(|app, req| webhooks::receive(app, req, Gateway::Stripe)),
            // Shiprocket refuses webhook addresses containing its own name (and "sr",
            // "kr"): /webhooks/courier is the one to register; both work.
            ["webhooks", "shiprocket" | "courier"] => act(webhooks::courier),
            ["reviews", token] => act(move |app, req| reviews::submit(app, req, token)),
            ["alerts"] => act(follow_ups::ask),
            ["alerts", "confirm", token] => {
                act(move |app, req| follow_ups::confirm(app, req, token))
            }
            ["unsubscribe", token] => act(move |app, req| follow_ups::unsubscribe(app, req, token)),
            ["go", token] => act(move |app, req| follow_ups::restore(app, req, token)),
            ["checkout", "contact"] => act(follow_ups::contact),
            ["account", "mail"] => act(account::mail_save),
            ["wishlist", what @ ("add" | "remove")] => {
                act(move |app, req| wishlist::change(app, req, what == "add"))
            }
            ["orders", number, "proof"] => {
                act(move |app, req| orders::upload_proof(app, req, number))
            }
            ["orders", number, "paid", g] => {
                let g = Gateway::parse(g)?;
                act(move |app, req| pay::paid(app, req, number, g))
            }
            ["sandbox", g, id] => act(move |app, req| pay::sandbox_submit(app, req, g, id)),
            _ => None,
        };
    }
    if !get {
        return None;
    }
    match *seg {
        [""] => act(storefront::home),
        ["c", slug] => act(move |app, req| storefront::category(app, req, slug)),
        ["p", slug] => act(move |app, req| storefront::product(app, req, slug)),
        ["search"] => act(storefront::search),
        ["cart"] => act(cart::page),
        ["cart", "token"] => act(cart::token),
        ["checkout"] => act(checkout::page),
        ["orders", number] => act(move |app, req| orders::page(app, req, number)),
        ["orders", number, "pay"] => act(move |app, req| pay::pay(app, req, number)),
        ["orders", number, "paid", g] => {
            let g = Gateway::parse(g)?;
            act(move |app, req| pay::paid(app, req, number, g))
        }
        ["sandbox", g, id] => act(move |app, req| pay::sandbox_page(app, req, g, id)),
        // Shiprocket's panel probes the address when it is saved.
        ["webhooks", "shiprocket" | "courier"] => act(|_, _| Ok(Resp::text(200, "ok"))),
        ["orders", number, "tracking"] => act(move |app, req| orders::tracking(app, req, number)),
        ["reviews", token] => act(move |app, req| reviews::page(app, req, token)),
        ["wishlist"] => act(wishlist::page),
        ["alerts"] => act(follow_ups::page),
        ["alerts", "confirm", token] => act(move |app, req| follow_ups::confirm(app, req, token)),
        ["unsubscribe", token] => act(move |app, req| follow_ups::unsubscribe(app, req, token)),
        ["go", token] => act(move |app, req| follow_ups::open(app, req, token)),
        ["account", "mail"] => act(account::mail),
        ["account", "coupons"] => act(account::coupons),
        ["orders", number, "proofs", proof] => {
            act(move |app, req| orders::proof_file(app, req, number, proof))
        }
        ["account", "orders", number] => act(move |app, req| orders::page(app, req, number)),
        ["account", "orders", number, "tracking"] => {
            act(move |app, req| orders::tracking(app, req, number))
        }
        ["img", file] => act(move |app, req| storefront::image(app, req, file)),
        ["assets", name] => act(move |app, req| {
            app.assets
                .respond(name, req.header("if-none-match"))
                .ok_or_else(|| Error::not_found("No such file."))
        }),
        ["account"] => act(account::overview),
        ["account", "orders"] => act(account::orders),
        ["account", "reviews"] => act(account::reviews),
        ["account", "addresses"] => act(account::address_book),
        ["account", "addresses", id] => {
            act(move |app, req| account::address_edit_form(app, req, id))
        }
        ["account", "sign-in"] => act(account::sign_in_form),
        ["account", "sign-in", "link"] => act(account::link),
        ["healthz"] => act(|app, _| storefront::healthz(app)),
        ["robots.txt"] => act(|app, _| storefront::robots(app)),
        ["sitemap.xml"] => act(|app, _| storefront::sitemap(app)),
        ["api", "v1", "products"] => act(api::products),
        ["api", "v1", "products", slug] => act(move |app, _| api::product(app, slug)),
        ["api", "v1", "categories"] => act(|app, _| api::categories(app)),
        ["api", "v1", "openapi.json"] => act(|app, _| api::openapi(app)),
        ["api", "v1", "carts", token] => act(move |app, _| api_orders::get_cart(app, token)),
        ["api", "v1", "orders", number] => {
            act(move |app, req| api_orders::get_order(app, req, number))
        }
        _ => None,
    }
}

/// The methods the route table has for this path (empty: no such address).
fn allowed(seg: &[&str]) -> Vec<&'static str> {
    METHODS
        .into_iter()
        .filter(|m| resolve(m, seg).is_some())
        .collect()
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

impl Web {
    fn route(&self, req: &Req) -> Outcome {
        let app = &*self.app;
        let path = req.path();
        let get = matches!(req.method(), "GET" | "HEAD");
        let seg = segments(path);
        if get && path.len() > 1 && path.ends_with('/') && !path.starts_with("/api/") {
            // One canonical address per page; the target is our own path, still encoded.
            // `//evil.example/` must not become `Location: //evil.example` (off-site):
            // a target that is not plainly local is no page of ours.
            let target = path.trim_end_matches('/');
            let target = if target.is_empty() { "/" } else { target };
            if !crate::http::types::local_target(target) {
                return Err(Error::not_found("There is no page at this address."));
            }
            let q = if req.query().is_empty() {
                String::new()
            } else {
                format!("?{}", req.query())
            };
            return Ok(Resp::redirect_with(308, &format!("{target}{q}")));
        }
        match resolve(req.method(), &seg) {
            Some(action) => action(app, req),
            None if !allowed(&seg).is_empty() => Err(Error::new(
                Kind::MethodNotAllowed,
                "This address does not answer this kind of request.",
            )),
            None if is_api(path) => Err(Error::not_found(
                "There is no API endpoint at this address.",
            )),
            None => Err(Error::not_found("There is no page at this address.")),
        }
    }

    fn error_resp(&self, err: &Error, req: &Req) -> Resp {
        if err.kind == Kind::Internal || err.detail.is_some() {
            // The logger adds the request id, which the error page shows the visitor.
            let level = if err.kind == Kind::Internal {
                log::Level::Error
            } else {
                log::Level::Warn
            };
            log::log!(
                level,
                "{} {}: {}",
                req.method(),
                crate::http::server::redact(req.path()),
                err
            );
        }
        let status = err.status();
        let mut resp = if is_api(req.path()) {
            api::error_json(status, err, &req.request_id)
        } else {
            // A handler's error (404, 400…) keeps the full frame with its navigation when
            // the catalog can be read; otherwise the bare frame of `error_page`.
            match with_ctx(&self.app, req, "", |ctx| {
                html_page(status, layout::error_page(ctx, status, &err.public))
            }) {
                Ok(page) => page,
                Err(_) => self.error_page(status, &err.public, &req.request_id, None),
            }
        };
        if status == 405 {
            // From the route table; a handler that refused this very method (an admin page
            // that takes no form) has told us it is not among them.
            let methods: Vec<&str> = allowed(&segments(req.path()))
                .into_iter()
                .filter(|m| *m != req.method())
                .collect();
            let methods = if methods.is_empty() {
                vec!["GET", "HEAD"]
            } else {
                methods
            };
            resp.set_header("Allow", methods.join(", "));
        }
        if status == 401 {
            resp.set_header("WWW-Authenticate", "Bearer");
        }
        if let Some(wait) = err.retry_after {
            resp.set_header("Retry-After", wait.to_string());
        }
        resp
    }
}

/// Adds the headers every response carries.
fn finish(mut resp: Resp, html: bool) -> Resp {
    // A handler may have set a stricter value already (proof files, order pages).
    let mut default = |name: &str, value: &str| {
        if !resp
            .headers()
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            resp.set_header(name, value);
        }
    };
    default("X-Content-Type-Options", "nosniff");
    default("Referrer-Policy", "strict-origin-when-cross-origin");
    if html {
        default("Content-Security-Policy", CSP);
        default("X-Frame-Options", "DENY");
    }
    resp
}

impl Handler for Web {
    fn body_limit(&self, head: &Head) -> u64 {
        // Forms are small; only the payment-proof uploads may be large, up to the
        // configured cap plus room for the multipart framing.
        let upload = head.method == "POST"
            && (head.path.ends_with("/proof") || head.path.ends_with("/payment-proof"));
        // Product images, several per upload.
        let images = head.method == "POST"
            && ((head.path.starts_with("/admin/products/") && head.path.ends_with("/images"))
                || head.path.starts_with("/admin/banners"));
        if upload {
            self.app.cfg().payments.proof_max_bytes + 64 * 1024
        } else if head.method == "POST" && head.path == "/admin/imports/products" {
            admin_csv::MAX_IMPORT + 64 * 1024
        } else if images {
            admin_products::MAX_UPLOAD + 64 * 1024
        } else {
            64 * 1024
        }
    }

    fn handle(&self, req: Req) -> Resp {
        let cacheable = matches!(req.method(), "GET" | "HEAD") && storefront::cacheable(req.path());
        // Pages depend on the catalog, the banner schedule and the config only (not on
        // sessions or mail). If the schedule cannot be read, the cache is left alone.
        let (generation, key) = match cacheable.then(|| self.app.page_generation()) {
            Some(Ok(g)) => (g, Some(format!("{}?{}", req.path(), req.query()))),
            _ => (0, None),
        };
        // Read before rendering: a product change committed after this makes the entry
        // stale (cache.rs).
        let seq = self.app.db.product_seq();
        let cfg = self.app.cfg();
        // Says which answers came from the cache (tests and benchmarks read it).
        let hit = || {
            key.as_ref()
                .and_then(|k| self.app.cache.get(k, generation, &cfg, &self.app.db))
                .map(|hit| (*hit).clone().header("X-Cache", "hit"))
        };
        if let Some(hit) = hit() {
            return hit;
        }
        // A miss: one render per page at a time. While another request renders it, a page
        // stale only by its product (a sale) is served as it was (cache.rs); otherwise
        // this one waits, and finds the page the other one rendered if it is still fresh
        // (an entry rendered from a sequence read before a change this request could know
        // of is not).
        let _rendering = match key.as_ref() {
            None => None,
            Some(k) => match self.app.cache.try_render_lock(k) {
                Some(g) => Some(g),
                None => {
                    if let Some(old) = self.app.cache.get_stale(k, generation, &cfg) {
                        return (*old).clone().header("X-Cache", "stale");
                    }
                    Some(self.app.cache.render_lock(k))
                }
            },
        };
        if let Some(hit) = hit() {
            return hit;
        }
        let resp = match self.route(&req) {
            Ok(r) => r,
            Err(e) => self.error_resp(&e, &req),
        };
        let html = resp
            .get_header("Content-Type")
            .is_some_and(|t| t.starts_with("text/html"));
        let mut resp = finish(resp, html);
        let product = resp
            .take_header(PAGE_PRODUCT)
            .and_then(|v| v.parse::<i64>().ok());
        if let Some(k) = key
            && resp.status == 200
        {
            resp.body = std::mem::replace(&mut resp.body, Body::Static(b"")).into_shared();
            self.app
                .cache
                .put(k, (generation, seq, product), &cfg, Arc::new(resp.clone()));
            resp.set_header("X-Cache", "miss");
        }
        resp
    }

    fn error_page(&self, status: u16, message: &str, request_id: &str, path: Option<&str>) -> Resp {
        // API callers get the JSON envelope for server-made errors too (413, 431, 408…).
        if path.is_some_and(is_api) {
            let body = serde_json::json!({"error": {
                "code": server_error_code(status),
                "message": message,
                "request_id": request_id,
            }});
            return finish(Resp::json(status, &body), false);
        }
        // Server-made errors (and panics) must not depend on the database being healthy:
        // render the frame without category navigation.
        let cfg = self.app.cfg();
        let ctx = make_ctx(&self.app, &cfg, &[], request_id, "");
        let resp = html_page(status, layout::error_page(&ctx, status, message));
        finish(resp, true)
    }
}

/// The envelope's `code` for errors the HTTP layer raises itself (same words as
/// `Kind::code` where a kind exists).
fn server_error_code(status: u16) -> &'static str {
    match status {
        400 => Kind::BadRequest.code(),
        408 => "request_timeout",
        413 => Kind::PayloadTooLarge.code(),
        429 => Kind::TooManyRequests.code(),
        431 => "header_fields_too_large",
        503 => Kind::Unavailable.code(),
        _ => Kind::Internal.code(),
    }
}
