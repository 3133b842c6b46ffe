//! The public JSON API (`/api/v1/…`, DESIGN §7): products, one product, categories and the
//! OpenAPI description. Money is integer minor units next to the currency code; errors use
//! the envelope `{"error": {"code", "message", "request_id"}}`.

use super::Outcome;
use super::storefront::list_query;
use crate::app::App;
use crate::error::Error;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::shop::catalog::{self, ImageRef, Product, ProductCard};
use crate::views::layout::image_url;
use serde_json::{Value, json};

pub fn error_json(status: u16, err: &Error, request_id: &str) -> Resp {
    let mut body =
        json!({"code": err.kind.code(), "message": err.public, "request_id": request_id});
    if let Some(details) = &err.details {
        body["details"] = (**details).clone();
    }
    Resp::json(status, &json!({ "error": body }))
}

fn image_json(base: &str, i: &ImageRef) -> Value {
    json!({
        "width": i.width,
        "height": i.height,
        "alt": i.alt,
        "url": format!("{base}{}", image_url(&i.hash, "full")),
        "url_600": format!("{base}{}", image_url(&i.hash, "600")),
        "url_160": format!("{base}{}", image_url(&i.hash, "160")),
    })
}

fn card_json(base: &str, currency: &str, p: &ProductCard) -> Value {
    json!({
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "price": p.price,
        "compare_at_price": p.compare_at,
        "currency": currency,
        "in_stock": p.in_stock,
        "url": format!("{base}/p/{}", p.slug),
        "image": p.image.as_ref().map(|i| image_json(base, i)),
    })
}

fn product_json(base: &str, currency: &str, p: &Product) -> Value {
    let variants: Vec<Value> = p
        .variants
        .iter()
        .map(|v| {
            let options: serde_json::Map<String, Value> = p
                .option_names
                .iter()
                .zip(v.options.iter())
                .map(|(n, val)| (n.clone(), Value::String(val.clone())))
                .collect();
            json!({
                "id": v.id,
                "sku": v.sku,
                "options": options,
                "price": v.price,
                "compare_at_price": v.compare_at,
                "currency": currency,
                "available": v.stock.max(0),
                "weight_grams": v.weight_grams,
            })
        })
        .collect();
    json!({
        "id": p.id,
        "slug": p.slug,
        "title": p.title,
        "description": p.description,
        "url": format!("{base}/p/{}", p.slug),
        "category": p.category.as_ref().map(|c| json!({"slug": c.slug, "name": c.name})),
        "option_names": p.option_names,
        "price": p.min_price(),
        "currency": currency,
        "in_stock": p.in_stock(),
        "images": p.images.iter().map(|i| image_json(base, i)).collect::<Vec<_>>(),
        "variants": variants,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    })
}

/// The longest search the API takes (written as `maxLength` of `q` in the OpenAPI).
pub const SEARCH_MAX_CHARS: usize = 100;

pub fn products(app: &App, req: &Req) -> Outcome {
    let cfg = app.cfg();
    let params = Params::parse(req.query());
    let limit = match params.get("limit") {
        None => cfg.catalog.page_size,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| Error::bad_request("limit must be a number from 1 to 100."))?,
    };
    let (base, cur) = (&cfg.store.url, &cfg.store.currency);
    let conn = app.db.read()?;
    let q = params.get("q").unwrap_or("");
    // Judged before trimming, as the schema's maxLength is.
    if q.chars().count() > SEARCH_MAX_CHARS {
        return Err(Error::bad_request(format!(
            "q is longer than {SEARCH_MAX_CHARS} characters."
        )));
    }
    let q = q.trim();
    if !q.is_empty() {
        // Search is ranked by relevance over the whole catalog; the listing's filters are
        // still checked so a bad one is a 400, as on the listing.
        crate::web::storefront::filters(&params)?;
        // Search results are ranked, so their cursor is an offset into the ranking.
        let offset = match params.get("cursor") {
            None | Some("") => 0,
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|o| *o <= 10_000)
                .ok_or_else(|| Error::bad_request("cursor is not valid for this search."))?,
        };
        let (items, more) = catalog::search(&conn, q, offset, limit)?;
        let list: Vec<Value> = items.iter().map(|p| card_json(base, cur, p)).collect();
        let next = more.then(|| (offset + limit).to_string());
        return Ok(Resp::json(
            200,
            &json!({"products": list, "next_cursor": next}),
        ));
    }
    let mut lq = list_query(&params, limit)?;
    if let Some(slug) = params.get("category").filter(|s| !s.is_empty()) {
        let c = catalog::category_by_slug(&conn, slug)?
            .ok_or_else(|| Error::not_found(format!("There is no category \"{slug}\".")))?;
        lq.category_id = Some(c.id);
    }
    let page = catalog::list(&conn, &lq)?;
    let list: Vec<Value> = page.items.iter().map(|p| card_json(base, cur, p)).collect();
    Ok(Resp::json(
        200,
        &json!({"products": list, "next_cursor": page.next.map(|c| c.encode())}),
    ))
}

pub fn product(app: &App, slug: &str) -> Outcome {
    let cfg = app.cfg();
    let conn = app.db.read()?;
    let p = catalog::product_by_slug(&conn, slug, false)?
        .ok_or_else(|| Error::not_found(format!("There is no product \"{slug}\".")))?;
    Ok(Resp::json(
        200,
        &json!({"product": product_json(&cfg.store.url, &cfg.store.currency, &p)}),
    )
    .header(super::PAGE_PRODUCT, p.id.to_string()))
}

pub fn categories(app: &App) -> Outcome {
    let cfg = app.cfg();
    let cats = app.categories()?;
    let parent_slug = |id: Option<i64>| {
        id.and_then(|pid| cats.iter().find(|c| c.id == pid).map(|c| c.slug.clone()))
    };
    let list: Vec<Value> = cats
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "parent": parent_slug(c.parent_id),
                "position": c.position,
                "product_count": c.product_count,
                "url": format!("{}/c/{}", cfg.store.url, c.slug),
            })
        })
        .collect();
    Ok(Resp::json(200, &json!({"categories": list})))
}

pub fn openapi(app: &App) -> Outcome {
    let cfg = app.cfg();
    Ok(Resp::new(200)
        .header("Content-Type", "application/json")
        .body(crate::web::openapi::document(
            &cfg.store.url,
            &cfg.store.name,
            cfg.cart.max_line_quantity,
        )))
}
