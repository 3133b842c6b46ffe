//! The owner's product handlers (behind the admin gate in `web::admin`): list, new, edit,
//! the inline price/stock edit, variants, status, delete and images. Each POST checks the
//! CSRF token and calls one `service::admin_catalog` function; a refused change
//! comes back to its page with the reason and a 4xx status.

use super::session::{check_csrf, form};
use super::{Outcome, html_page, with_ctx};
use crate::app::App;
use crate::error::{Error, Kind, Result};
use crate::http::multipart;
use crate::http::query::Params;
use crate::http::{Req, Resp};
use crate::money::Money;
use crate::service::admin_catalog as service;
use crate::shop::accounts::Customer;
use crate::shop::accounts::sessions::Session;
use crate::shop::audit::Actor;
use crate::shop::catalog;
use crate::shop::catalog::admin::{self as admin, Filter, Matrix, ProductFields, VariantEdit};
use crate::shop::catalog::images;
use crate::views::admin_products as views;

/// Upload cap for product images (the body limit in `web::Web` matches it).
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024;

pub fn route(app: &App, req: &Req, s: &Session, me: &Customer, seg: &[&str]) -> Outcome {
    let post = req.method() == "POST";
    match (post, seg) {
        (false, []) => list(app, req, s, None),
        (false, ["new"]) => new_form(app, req, s, &views::NewForm::default(), 200, None),
        (true, []) => create(app, req, s, me),
        (true, ["inline", vid]) => inline(app, req, s, me, vid),
        (false, [id]) => edit(app, req, s, id, 200, None),
        (true, [id, "images"]) => upload(app, req, s, me, id),
        (true, [id, rest @ ..]) => write(app, req, s, me, id, rest),
        _ => Err(Error::not_found("There is no admin page at this address.")),
    }
}

fn parse_id(id: &str) -> Result<i64> {
    id.parse()
        .map_err(|_| Error::not_found("There is no such product."))
}

fn actor(me: &Customer) -> Actor {
    Actor::staff(me.id, &me.email)
}

/// A 4xx from the service goes back to the page; anything else is the error page.
fn refused(e: &Error) -> bool {
    matches!(
        e.kind,
        Kind::BadRequest
            | Kind::Conflict
            | Kind::NotFound
            | Kind::PayloadTooLarge
            | Kind::UnsupportedMedia
    )
}

fn list(app: &App, req: &Req, s: &Session, error: Option<(u16, &str)>) -> Outcome {
    let p = Params::parse(req.query());
    let nonempty = |k: &str| p.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let f = Filter {
        q: p.get("q").unwrap_or("").chars().take(100).collect(),
        status: nonempty("status"),
        category_id: nonempty("category").and_then(|c| c.parse().ok()),
        low_stock: p.get("low") == Some("1"),
        before: p.get("before").and_then(|b| b.parse().ok()),
        limit: 25,
    };
    let threshold = app.cfg().catalog.low_stock_threshold;
    let conn = app.db.read()?;
    let rows = admin::list(&conn, &f, threshold)?;
    let cats = catalog::categories(&conn)?;
    drop(conn);
    let next = (rows.len() as i64 == f.limit).then(|| {
        let mut q: Vec<String> =
            p.0.iter()
                .filter(|(k, _)| k != "before")
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        crate::views::shop::url_encode(k),
                        crate::views::shop::url_encode(v)
                    )
                })
                .collect();
        q.push(format!(
            "before={}",
            rows.last().map(|r| r.id).unwrap_or_default()
        ));
        format!("/admin/products?{}", q.join("&"))
    });
    let (status, msg) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (200, None),
    };
    // This page's query without its notice: where an inline edit comes back to.
    let back: String = req
        .query()
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("done="))
        .collect::<Vec<_>>()
        .join("&");
    with_ctx(app, req, "", |ctx| {
        html_page(
            status,
            views::list(
                ctx,
                &views::ListPage {
                    rows: &rows,
                    filter: &f,
                    categories: &cats,
                    csrf: &s.csrf,
                    next,
                    store_threshold: threshold,
                    error: msg,
                    back: &back,
                },
            ),
        )
    })
}

fn new_form(
    app: &App,
    req: &Req,
    s: &Session,
    f: &views::NewForm,
    status: u16,
    error: Option<&str>,
) -> Outcome {
    let cats = catalog::categories(&*app.db.read()?)?;
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::new_product(ctx, &s.csrf, &cats, f, error))
    })
}

fn edit(app: &App, req: &Req, s: &Session, id: &str, status: u16, error: Option<&str>) -> Outcome {
    let id = parse_id(id)?;
    let conn = app.db.read()?;
    let p =
        admin::editable(&conn, id)?.ok_or_else(|| Error::not_found("There is no such product."))?;
    let cats = catalog::categories(&conn)?;
    drop(conn);
    with_ctx(app, req, "", |ctx| {
        html_page(status, views::edit(ctx, &s.csrf, &cats, &p, error))
    })
}

fn money(m: &Money, s: &str, what: &str) -> Result<i64> {
    m.parse(s).ok_or_else(|| {
        Error::bad_request(format!(
            "Please enter the {what} as an amount, like 499 or 499.50."
        ))
    })
}

fn opt_money(m: &Money, s: &str, what: &str) -> Result<Option<i64>> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        money(m, s, what).map(Some)
    }
}

fn count(s: &str, what: &str) -> Result<i64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::bad_request(format!("Please enter the {what} as a whole number.")))
}

fn opt_count(s: &str, what: &str) -> Result<Option<i64>> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        count(s, what).map(Some)
    }
}

fn fields_of(f: &Params, slug_fallback: bool) -> ProductFields {
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    let mut slug = g("slug").trim().to_string();
    if slug.is_empty() && slug_fallback {
        slug = catalog::slugify(&g("title"));
    }
    ProductFields {
        title: g("title"),
        slug,
        description: g("description"),
        status: g("status"),
        category_id: f.get("category").and_then(|c| c.parse().ok()),
        featured: f.get("featured") == Some("1"),
        consumable: f.get("consumable") == Some("1"),
        seo_title: g("seo_title"),
        seo_description: g("seo_description"),
    }
}

fn new_form_of(f: &Params) -> views::NewForm {
    let g = |k: &str| f.get(k).unwrap_or("").to_string();
    views::NewForm {
        title: g("title"),
        slug: g("slug"),
        description: g("description"),
        status: g("status"),
        category_id: f.get("category").and_then(|c| c.parse().ok()),
        option_names: [g("option1_name"), g("option2_name"), g("option3_name")],
        option_values: [
            g("option1_values"),
            g("option2_values"),
            g("option3_values"),
        ],
        sku_prefix: g("sku_prefix"),
        price: g("price"),
        compare_at: g("compare_at"),
        stock: g("stock"),
        threshold: g("threshold"),
        weight: g("weight"),
        seo_title: g("seo_title"),
        seo_description: g("seo_description"),
    }
}

fn matrix_of(m: &Money, f: &Params) -> Result<Matrix> {
    let g = |k: &str| f.get(k).unwrap_or("");
    let mut options = Vec::new();
    for i in 1..=3 {
        let name = g(&format!("option{i}_name")).trim().to_string();
        if !name.is_empty() {
            options.push((name, admin::split_values(g(&format!("option{i}_values")))));
        }
    }
    let stock = g("stock");
    let weight = g("weight");
    Ok(Matrix {
        options,
        sku_prefix: g("sku_prefix").to_string(),
        price: money(m, g("price"), "price")?,
        compare_at: opt_money(m, g("compare_at"), "compare-at price")?,
        stock: if stock.trim().is_empty() {
            0
        } else {
            count(stock, "stock")?
        },
        low_stock_threshold: opt_count(g("threshold"), "low-stock threshold")?,
        weight_grams: if weight.trim().is_empty() {
            0
        } else {
            count(weight, "weight")?
        },
    })
}

fn create(app: &App, req: &Req, s: &Session, me: &Customer) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let m = Money::of(&app.cfg().store);
    let result = matrix_of(&m, &f).and_then(|matrix| {
        let fields = fields_of(&f, true);
        service::create_product(app, &actor(me), &fields, &matrix)
    });
    match result {
        Ok(id) => Ok(Resp::redirect(&format!(
            "/admin/products/{id}?done=created"
        ))),
        Err(e) if refused(&e) => {
            new_form(app, req, s, &new_form_of(&f), e.status(), Some(&e.public))
        }
        Err(e) => Err(e),
    }
}

/// The list's query string an inline edit came from (its hidden `back` field), kept to
/// the characters a query of ours uses and ending in `&` so more can follow; anything
/// else is dropped, so the field cannot take the redirect elsewhere.
fn back_query(back: &str) -> String {
    let ok = !back.is_empty()
        && back.len() <= 512
        && back
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=&%+._-".contains(&b));
    if ok {
        format!("{}&", back.trim_end_matches('&'))
    } else {
        String::new()
    }
}

fn inline(app: &App, req: &Req, s: &Session, me: &Customer, vid: &str) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let vid: i64 = vid
        .parse()
        .map_err(|_| Error::not_found("There is no such variant."))?;
    let m = Money::of(&app.cfg().store);
    let result = money(&m, f.get("price").unwrap_or(""), "price").and_then(|price| {
        let stock = count(f.get("stock").unwrap_or(""), "stock")?;
        service::quick_edit(app, &actor(me), vid, price, stock)
    });
    match result {
        // Back to the list as it was (search, filters, page), saying so.
        Ok(()) => Ok(Resp::redirect(&format!(
            "/admin/products?{}done=saved",
            back_query(f.get("back").unwrap_or(""))
        ))),
        Err(e) if refused(&e) => list(app, req, s, Some((e.status(), &e.public))),
        Err(e) => Err(e),
    }
}

fn variant_edits(m: &Money, f: &Params) -> Result<Vec<VariantEdit>> {
    let mut out = Vec::new();
    for v in f.all("variant") {
        let id: i64 = v
            .parse()
            .map_err(|_| Error::bad_request("Unknown variant."))?;
        let g = |k: &str| f.get(&format!("{k}_{id}")).unwrap_or("");
        let weight = g("weight");
        out.push(VariantEdit {
            id,
            sku: g("sku").to_string(),
            price: money(m, g("price"), "price")?,
            compare_at: opt_money(m, g("compare"), "compare-at price")?,
            stock: count(g("stock"), "stock")?,
            low_stock_threshold: opt_count(g("threshold"), "low-stock threshold")?,
            weight_grams: if weight.trim().is_empty() {
                0
            } else {
                count(weight, "weight")?
            },
        });
    }
    Ok(out)
}

fn new_variant(m: &Money, f: &Params) -> Result<admin::NewVariantFields> {
    let g = |k: &str| f.get(k).unwrap_or("");
    let weight = g("weight");
    let stock = g("stock");
    Ok(admin::NewVariantFields {
        options: f.all("option").map(str::to_string).collect(),
        sku: g("sku").to_string(),
        price: money(m, g("price"), "price")?,
        compare_at: opt_money(m, g("compare_at"), "compare-at price")?,
        stock: if stock.trim().is_empty() {
            0
        } else {
            count(stock, "stock")?
        },
        low_stock_threshold: opt_count(g("threshold"), "low-stock threshold")?,
        weight_grams: if weight.trim().is_empty() {
            0
        } else {
            count(weight, "weight")?
        },
    })
}

fn image_edits(f: &Params) -> Result<Vec<(i64, i64, String)>> {
    let mut out = Vec::new();
    for v in f.all("image") {
        let id: i64 = v
            .parse()
            .map_err(|_| Error::bad_request("Unknown image."))?;
        let pos: i64 = f
            .get(&format!("position_{id}"))
            .unwrap_or("0")
            .trim()
            .parse()
            .map_err(|_| Error::bad_request("Please enter each position as a whole number."))?;
        let alt = f.get(&format!("alt_{id}")).unwrap_or("").to_string();
        out.push((id, pos, alt));
    }
    Ok(out)
}

/// The edit page's forms: details, variants, status, delete, image order/alt, image removal.
fn write(app: &App, req: &Req, s: &Session, me: &Customer, id: &str, rest: &[&str]) -> Outcome {
    let f = form(req)?;
    check_csrf(Some(s), &f)?;
    let pid = parse_id(id)?;
    let m = Money::of(&app.cfg().store);
    let who = actor(me);
    let result = match rest {
        [] => service::update_product(app, &who, pid, &fields_of(&f, false)),
        ["variants"] => {
            variant_edits(&m, &f).and_then(|e| service::update_variants(app, &who, pid, &e))
        }
        ["variants", "add"] => {
            new_variant(&m, &f).and_then(|v| service::add_variant(app, &who, pid, &v).map(|_| ()))
        }
        ["variants", vid, "archive"] => {
            let vid: i64 = vid
                .parse()
                .map_err(|_| Error::not_found("There is no such variant."))?;
            service::archive_variant(app, &who, pid, vid)
        }
        ["status"] => {
            let status = f.get("status").unwrap_or("");
            service::set_status(app, &who, pid, status)
        }
        ["delete"] => match service::delete_product(app, &who, pid) {
            Ok(()) => return Ok(Resp::redirect("/admin/products?done=deleted")),
            Err(e) => Err(e),
        },
        ["images", "update"] => {
            image_edits(&f).and_then(|e| service::update_images(app, &who, pid, &e))
        }
        ["images", image, "delete"] => {
            let image: i64 = image
                .parse()
                .map_err(|_| Error::not_found("There is no such image."))?;
            service::remove_image(app, &who, pid, image)
        }
        _ => return Err(Error::not_found("There is no admin page at this address.")),
    };
    match result {
        Ok(()) => Ok(Resp::redirect(&format!("/admin/products/{pid}?done=saved"))),
        Err(e) if refused(&e) && e.kind != Kind::NotFound => {
            edit(app, req, s, id, e.status(), Some(&e.public))
        }
        Err(e) => Err(e),
    }
}

/// Image upload: every file is checked and converted before anything is written, so one
/// bad file refuses the whole upload and the product is unchanged.
fn upload(app: &App, req: &Req, s: &Session, me: &Customer, id: &str) -> Outcome {
    let pid = parse_id(id)?;
    let ct = req.header("content-type").unwrap_or("");
    let parts = multipart::parse(
        ct,
        req.body.clone(),
        &["csrf_token", "image", "alt"],
        MAX_UPLOAD,
    )?;
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .unwrap_or_default()
    };
    check_csrf(
        Some(s),
        &Params(vec![("csrf_token".into(), field("csrf_token"))]),
    )?;
    let alt: String = field("alt").chars().take(300).collect();
    let files: Vec<&multipart::Part> = parts
        .iter()
        .filter(|p| p.name == "image" && !p.data.is_empty())
        .collect();
    let result = if files.is_empty() {
        Err(Error::bad_request(
            "Please choose at least one image to upload.",
        ))
    } else {
        files
            .iter()
            .map(|p| images::process(&p.data))
            .collect::<Result<Vec<_>>>()
            .and_then(|sets| service::add_images(app, &actor(me), pid, &sets, &alt))
    };
    match result {
        Ok(()) => Ok(Resp::redirect(&format!("/admin/products/{pid}?done=saved"))),
        Err(e) if refused(&e) && e.kind != Kind::NotFound => {
            edit(app, req, s, id, e.status(), Some(&e.public))
        }
        Err(e) => Err(e),
    }
}
