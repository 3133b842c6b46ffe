//! Storefront handlers: home, category, product, search, the interim cart page, images,
//! health, robots.txt and sitemap.xml. Each parses its input, asks the catalog once, and
//! renders; bad input is a 400 page, never a 500.

use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::Error;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::catalog::{self, Cursor, ImageSize, ListQuery, Sort};
use crate::views::shop as views;

/// Pages whose anonymous GET responses may be cached (see cache.rs).
pub fn cacheable(path: &str) -> bool {
    // BOUTIQUE_NO_PAGE_CACHE=1 turns the cache off, so benchmarks can report both ways.
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    !*OFF.get_or_init(|| std::env::var_os("BOUTIQUE_NO_PAGE_CACHE").is_some())
        && (path == "/"
            || path.starts_with("/c/")
            || path.starts_with("/p/")
            || path == "/search"
            || path.starts_with("/api/v1/products")
            || path == "/api/v1/categories")
}

pub fn home(app: &App, req: &Req) -> Outcome {
    let conn = app.db.read()?;
    let banners = catalog::live_banners(&conn, crate::db::now())?;
    let featured = catalog::featured(&conn, 8)?;
    let newest = catalog::newest(&conn, 8)?;
    drop(conn);
    with_ctx(app, req, "", |ctx| {
        html_page(
            200,
            views::home(ctx, &banners, &featured, &newest, ctx.categories),
        )
    })
}

/// Parses listing parameters shared by the category page and the API.
pub fn list_query(p: &Params, page_size: usize) -> Result<ListQuery, Error> {
    let (sort, in_stock_only, options) = filters(p)?;
    let after = match p.get("after").or_else(|| p.get("cursor")) {
        None | Some("") => None,
        Some(s) => Some(
            Cursor::parse(s).ok_or_else(|| Error::bad_request("That page link is not valid."))?,
        ),
    };
    Ok(ListQuery {
        category_id: None,
        sort,
        in_stock_only,
        options,
        after,
        limit: page_size,
    })
}

/// Option filters: each option name with the values any of which a variant may have.
type OptionFilters = Vec<(String, Vec<String>)>;

/// The sort order, the in-stock switch and the option filters of a listing, each refused
/// (400) when it is not one the listing knows. The API's search checks them too, so a
/// bad value is never silently taken for "no filter".
pub fn filters(p: &Params) -> Result<(Sort, bool, OptionFilters), Error> {
    let in_stock_only = match p.get("in_stock") {
        Some("1" | "true" | "on") => true,
        None | Some("" | "0" | "false") => false,
        Some(_) => {
            return Err(Error::bad_request(
                "in_stock is 1 (only what is in stock) or 0.",
            ));
        }
    };
    let sort = Sort::parse(p.get("sort").unwrap_or("")).ok_or_else(|| {
        Error::bad_request("Unknown sort order. Use newest, price_asc or price_desc.")
    })?;
    let mut options: OptionFilters = Vec::new();
    for raw in p.all("opt").take(catalog::MAX_FILTER_VALUES) {
        let (name, value) = raw
            .split_once(':')
            .ok_or_else(|| Error::bad_request("A filter must look like Size:M."))?;
        let (name, value) = (name.trim().to_string(), value.trim().to_string());
        match options.iter_mut().find(|(n, _)| *n == name) {
            Some((_, vals)) => vals.push(value),
            None => options.push((name, vec![value])),
        }
    }
    Ok((sort, in_stock_only, options))
}

pub fn category(app: &App, req: &Req, slug: &str) -> Outcome {
    let params = Params::parse(req.query());
    let mut q = list_query(&params, app.cfg().catalog.page_size)?;
    let conn = app.db.read()?;
    let cat = catalog::category_by_slug(&conn, slug)?
        .ok_or_else(|| Error::not_found("We couldn't find that category."))?;
    q.category_id = Some(cat.id);
    let page = catalog::list(&conn, &q)?;
    drop(conn);
    let facets = app.facets(Some(cat.id))?;
    with_ctx(app, req, "", |ctx| {
        let parent = cat
            .parent_id
            .and_then(|pid| ctx.categories.iter().find(|c| c.id == pid));
        let children = ctx
            .categories
            .iter()
            .filter(|c| c.parent_id == Some(cat.id))
            .collect();
        let view = views::CategoryView {
            category: &cat,
            parent,
            children,
            query: &q,
            page: &page,
            facets: &facets,
            paged: q.after.is_some(),
        };
        html_page(200, views::category(ctx, &view))
    })
}

pub fn product(app: &App, req: &Req, slug: &str) -> Outcome {
    let params = Params::parse(req.query());
    let wanted = match params.get("variant") {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| Error::bad_request("That variant link is not valid."))?,
        ),
    };
    let conn = app.db.read()?;
    let p = catalog::product_by_slug(&conn, slug, false)?.ok_or_else(|| {
        Error::not_found("We couldn't find that product. It may have sold out for good.")
    })?;
    let related = catalog::related(&conn, &p, 4)?;
    let sort = crate::shop::reviews::Sort::parse(params.get("reviews").unwrap_or(""))
        .ok_or_else(|| Error::bad_request("Reviews can be sorted newest, highest or lowest."))?;
    let (reviews, next) = crate::shop::reviews::page(&conn, p.id, sort, params.get("after"))?;
    let stars = crate::shop::reviews::stars(&conn, p.id)?;
    drop(conn);
    let zone = app.cfg().store.zone.clone();
    let selected = wanted
        .and_then(|id| p.variants.iter().find(|v| v.id == id))
        .or_else(|| p.variants.iter().find(|v| v.stock > 0))
        .or_else(|| p.variants.first());
    let threshold = app.cfg().catalog.low_stock_threshold;
    with_ctx(app, req, "", |ctx| {
        let view = views::ProductView {
            product: &p,
            selected,
            related: &related,
            low_stock_threshold: threshold,
            reviews: &reviews,
            review_sort: sort,
            more_reviews: next.as_deref(),
            stars,
            zone: &zone,
        };
        html_page(200, views::product(ctx, &view))
    })
    .map(|r| r.header(super::PAGE_PRODUCT, p.id.to_string()))
}

pub fn search(app: &App, req: &Req) -> Outcome {
    let params = Params::parse(req.query());
    let q: String = params
        .get("q")
        .unwrap_or("")
        .trim()
        .chars()
        .take(100)
        .collect();
    let offset = match params.get("offset") {
        None | Some("") => 0,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|o| *o <= 10_000)
            .ok_or_else(|| Error::bad_request("That results page is not valid."))?,
    };
    let limit = app.cfg().catalog.page_size;
    let conn = app.db.read()?;
    let (results, more) = catalog::search(&conn, &q, offset, limit)?;
    drop(conn);
    with_ctx(app, req, &q, |ctx| {
        let next = more.then_some(offset + limit);
        html_page(200, views::search(ctx, &q, &results, next, ctx.categories))
    })
}

/// The bag, until the cart issue lands: shows what was picked and how to order.
/// `/img/{hash}-{size}.webp`: content-addressed, so cached for a year.
pub fn image(app: &App, req: &Req, file: &str) -> Outcome {
    let not_found = || Error::not_found("No such image.");
    let stem = file.strip_suffix(".webp").ok_or_else(not_found)?;
    let (hash, size) = stem.rsplit_once('-').ok_or_else(not_found)?;
    let size = ImageSize::parse(size).ok_or_else(not_found)?;
    if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let etag = format!("\"{stem}\"");
    let cache = "public, max-age=31536000, immutable";
    if req
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok(Resp::new(304)
            .header("ETag", etag)
            .header("Cache-Control", cache));
    }
    let conn = app.db.read()?;
    let bytes = catalog::image_bytes(&conn, hash, size)?.ok_or_else(not_found)?;
    Ok(Resp::new(200)
        .header("Content-Type", "image/webp")
        .header("Cache-Control", cache)
        .header("ETag", etag)
        .body(bytes))
}

pub fn healthz(app: &App) -> Outcome {
    // First line for machines (`ok`, or what is wrong), then one line per check.
    let h = crate::ops::health(
        &app.db,
        &app.data_dir,
        app.cfg().health.min_free_disk_mb,
        crate::db::now(),
    );
    let first = if h.ok {
        "ok".to_string()
    } else {
        format!("unhealthy: {}", h.problems.join(", "))
    };
    let body = format!("{first}\n{}\n", h.lines.join("\n"));
    Ok(Resp::text(if h.ok { 200 } else { 503 }, body).header("Cache-Control", "no-store"))
}

pub fn robots(app: &App) -> Outcome {
    let url = app.cfg().store.url.clone();
    Ok(Resp::text(
        200,
        format!(
            "User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /account\nDisallow: /cart\nDisallow: /checkout\nDisallow: /orders\nDisallow: /search\nDisallow: /api/\n\nSitemap: {url}/sitemap.xml\n"
        ),
    ))
}

pub fn sitemap(app: &App) -> Outcome {
    let cfg = app.cfg();
    let base = &cfg.store.url;
    let conn = app.db.read()?;
    let cats = app.categories()?;
    let products = catalog::sitemap_entries(&conn)?;
    drop(conn);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut push = |loc: String, lastmod: Option<i64>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&loc));
        xml.push_str("</loc>");
        if let Some(t) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(&crate::views::format::iso_date(
                t,
                &crate::zone::Zone::utc(),
            ));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    push(format!("{base}/"), None);
    for c in cats.iter() {
        push(format!("{base}/c/{}", c.slug), None);
    }
    for (slug, updated) in &products {
        push(format!("{base}/p/{slug}"), Some(*updated));
    }
    xml.push_str("</urlset>\n");
    Ok(Resp::new(200)
        .header("Content-Type", "application/xml; charset=utf-8")
        .body(xml))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
