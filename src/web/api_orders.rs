//! The JSON API for carts, checkout, orders and payment proofs (DESIGN §7). A cart is
//! reached by its bearer capability (the token in the path, only its hash stored); an
//! order by `Authorization: Bearer <access_token>`; the browser cookie is never enough.
//! Checkout needs an `Idempotency-Key` header: the same key returns the same order, the
//! same key with another body is a 422, short stock is a 409 naming the variants.

use super::Outcome;
use crate::app::App;
use crate::crypto;
use crate::error::{Error, Kind, Result};
use crate::http::{Req, Resp};
use crate::service::{self, cart::Bag};
use crate::shop::cart::{self, Cart, Mode, Owner};
use crate::shop::orders::checkout::{Buyer, Input};
use crate::shop::orders::{self, Order};
use serde_json::{Value, json};

/// An API cart by its token: its row, or none yet (a token we issued whose cart has had
/// no item). A token we did not issue is a 404.
enum ApiCart {
    Row(i64),
    Empty(Owner),
}

fn cart_of(app: &App, token: &str) -> Result<ApiCart> {
    let owner = Owner::Token(crypto::token_hash(token));
    match cart::find(&*app.db.read()?, &owner)? {
        Some(id) => Ok(ApiCart::Row(id)),
        None if cart::token_is_ours(&app.hmac, token) => Ok(ApiCart::Empty(owner)),
        None => Err(Error::not_found("There is no cart with this token.")),
    }
}

fn cart_json(app: &App, token: &str, c: &Cart) -> Value {
    let currency = app.cfg().store.currency.clone();
    let lines: Vec<Value> = c
        .lines
        .iter()
        .map(|l| {
            json!({
                "variant_id": l.variant_id,
                "product": l.slug,
                "title": l.title,
                "options": l.options,
                "sku": l.sku,
                "quantity": l.quantity,
                "unit_price": l.unit_price,
                "line_total": l.total(),
                "available": l.stock,
                "problem": l.issue.as_ref().map(|i| match i {
                    cart::Issue::Unavailable => json!({"code": "unavailable", "message": "No longer available; remove it."}),
                    cart::Issue::SoldOut => json!({"code": "sold_out", "message": "Sold out; remove it."}),
                    cart::Issue::Short { available } => json!({"code": "short", "available": available, "message": format!("Only {available} left.")}),
                }),
            })
        })
        .collect();
    json!({
        "token": token,
        "currency": currency,
        "lines": lines,
        "subtotal": c.subtotal(),
        "units": c.units(),
    })
}

fn body_json(req: &Req) -> Result<Value> {
    let ct = req.header("content-type").unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err(Error::new(
            Kind::UnsupportedMedia,
            "Send the body as application/json.",
        ));
    }
    let mut v: Value = serde_json::from_slice(&req.body)
        .map_err(|e| Error::bad_request(format!("The body is not valid JSON: {e}")))?;
    newlines_in(&mut v);
    if !v.is_object() {
        return Err(Error::bad_request("The body must be a JSON object."));
    }
    Ok(v)
}

/// Every string in the body gets the same line endings as a form field (CRLF, CR → LF).
fn newlines_in(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('\r') => {
            *s = crate::http::query::newlines(std::mem::take(s));
        }
        Value::Array(a) => a.iter_mut().for_each(newlines_in),
        Value::Object(o) => o.values_mut().for_each(newlines_in),
        _ => {}
    }
}

fn int_field(v: &Value, name: &str) -> Result<i64> {
    v.get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| Error::bad_request(format!("`{name}` must be an integer.")))
}

fn str_field(v: &Value, name: &str) -> Result<String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::bad_request(format!("`{name}` must be a string."))),
    }
}

fn variant_of(seg: &str) -> Result<i64> {
    seg.parse()
        .map_err(|_| Error::not_found("There is no such line in this cart."))
}

pub fn get_cart(app: &App, token: &str) -> Outcome {
    let c = match cart_of(app, token)? {
        ApiCart::Row(id) => cart::view(&*app.db.read()?, id)?,
        ApiCart::Empty(_) => Cart::default(),
    };
    Ok(Resp::json(200, &cart_json(app, token, &c)))
}

fn change(app: &App, token: &str, variant: i64, qty: i64, mode: Mode) -> Outcome {
    match cart_of(app, token)? {
        ApiCart::Row(id) => service::cart::put_line(app, Bag::Id(id), variant, qty, mode)?,
        // The first item makes the row, in the same write.
        ApiCart::Empty(owner) => service::cart::put_line(app, Bag::Of(&owner), variant, qty, mode)?,
    };
    get_cart(app, token)
}

/// GET /api/v1/orders/{number} with the bearer access token.
pub fn get_order(app: &App, req: &Req, number: &str) -> Outcome {
    let id = order_by_bearer(app, req, number)?;
    let o = orders::get(&*app.db.read()?, id)?.ok_or_else(not_found)?;
    Ok(Resp::json(
        200,
        &json!({ "order": order_json(app, &o, None) }),
    ))
}

fn not_found() -> Error {
    Error::not_found("There is no such order, or the access token does not match.")
}

fn order_by_bearer(app: &App, req: &Req, number: &str) -> Result<i64> {
    // The scheme is case-insensitive (RFC 9110 §11.1): "bearer <token>" is as good.
    let token = req
        .header("authorization")
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::new(
                Kind::Unauthorized,
                "Send the order's access token as `Authorization: Bearer <token>`.",
            )
        })?;
    orders::id_by_token(&*app.db.read()?, number, token)?.ok_or_else(not_found)
}

pub fn order_json(app: &App, o: &Order, access_token: Option<&str>) -> Value {
    let cfg = app.cfg();
    // The parcel, once there is one (a read failure leaves it out rather than failing).
    let shipment = app
        .db
        .read()
        .ok()
        .and_then(|c| crate::shop::shipping::by_order(&c, o.id).ok().flatten());
    let mut v = json!({
        "number": o.number,
        "status": o.status.as_str(),
        "payment_status": o.payment.as_str(),
        "payment_method": o.method.as_str(),
        "currency": o.currency,
        "email": o.email,
        "name": o.name,
        "phone": o.phone,
        "address": {
            "line1": o.line1, "line2": o.line2, "city": o.city, "region": o.region,
            "postal_code": o.postal_code, "country": o.country,
        },
        "lines": o.lines.iter().map(|l| json!({
            "variant_id": l.variant_id, "title": l.title, "options": l.options, "sku": l.sku,
            "unit_price": l.unit_price, "quantity": l.quantity, "line_total": l.unit_price * l.quantity,
            "returned": l.returned,
        })).collect::<Vec<_>>(),
        "totals": {
            "subtotal": o.subtotal, "discount": o.discount, "shipping": o.shipping_fee,
            "cod_fee": o.cod_fee, "total": o.total, "refunded": o.refunded,
        },
        "coupon": o.coupon_code,
        "pay_by": o.pay_by,
        "tracking": if o.carrier.is_empty() { Value::Null } else { json!({"carrier": o.carrier, "number": o.tracking_number, "url": o.tracking_url}) },
        // A proof closed by the order's cancellation was never judged: "closed", not "rejected".
        "proofs": o.proofs.iter().map(|p| json!({
            "id": p.id,
            "status": if p.closed_with_cancellation() { "closed" } else { p.status.as_str() },
            "reason": p.reason, "uploaded_at": p.uploaded_at,
        })).collect::<Vec<_>>(),
        "shipment": shipment.map(|sh| json!({
            "state": sh.state.as_str(), "carrier": sh.carrier, "awb": sh.awb,
            "expected_delivery": if sh.edd.is_empty() { Value::Null } else { json!(sh.edd) },
            "tracking_page": format!("{}/orders/{}/tracking", cfg.store.url, o.number),
        })),
        // Steps for the owner's eyes (a gateway's or the courier's refusal) stay out.
        "events": o.events.iter().filter(|e| !crate::views::order::OWNER_ONLY.contains(&e.kind.as_str())).map(|e| json!({"at": e.at, "kind": e.kind, "from": e.from_status, "to": e.to_status, "note": e.note})).collect::<Vec<_>>(),
        "created_at": o.created_at,
        "url": format!("{}/orders/{}", cfg.store.url, o.number),
    });
    if let Some(t) = access_token {
        v["access_token"] = json!(t);
        v["url"] = json!(format!("{}/orders/{}?token={t}", cfg.store.url, o.number));
        // A card order is paid on its pay page (the gateway's window or hosted page).
        if crate::shop::payments::Gateway::of(o.method).is_some() {
            v["pay_url"] = json!(format!(
                "{}/orders/{}/pay?token={t}",
                cfg.store.url, o.number
            ));
        }
    }
    if o.method == crate::shop::orders::lifecycle::Method::BankTransfer {
        v["bank_transfer"] = json!(crate::shop::orders::bank_instructions(&cfg, o));
    }
    v
}

fn checkout(app: &App, req: &Req, token: &str) -> Outcome {
    let key = req
        .header("idempotency-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| Error::bad_request("Send an `Idempotency-Key` header with checkout."))?;
    let b = body_json(req)?;
    let empty = json!({});
    let addr = match b.get("address") {
        None | Some(Value::Null) => &empty,
        Some(a) if a.is_object() => a,
        Some(_) => return Err(Error::bad_request("`address` must be an object.")),
    };
    let input = Input {
        email: str_field(&b, "email")?,
        name: str_field(&b, "name")?,
        phone: str_field(&b, "phone")?,
        line1: str_field(addr, "line1")?,
        line2: str_field(addr, "line2")?,
        city: str_field(addr, "city")?,
        region: str_field(addr, "region")?,
        postal_code: str_field(addr, "postal_code")?,
        country: str_field(addr, "country")?,
        method: str_field(&b, "payment_method")?,
        coupon: str_field(&b, "coupon")?,
        note: str_field(&b, "note")?,
        idempotency_key: key.to_string(),
    };
    let ApiCart::Row(id) = cart_of(app, token)? else {
        return Err(Error::bad_request("Your bag is empty."));
    };
    let ip = super::session::client_ip(app, req).to_string();
    let placed = service::checkout::place_order(
        app,
        Bag::Id(id),
        &format!("c{id}"),
        Buyer::Guest,
        &input,
        None,
        &ip,
    )?;
    let o = orders::get(&*app.db.read()?, placed.id)?.ok_or_else(not_found)?;
    let mut resp = Resp::json(
        201,
        &json!({ "order": order_json(app, &o, Some(&placed.access_token)) }),
    );
    if placed.replay {
        resp.set_header("Idempotent-Replayed", "true");
    }
    Ok(resp)
}

fn upload(app: &App, req: &Req, number: &str) -> Outcome {
    let id = order_by_bearer(app, req, number)?;
    let max = app.cfg().payments.proof_max_bytes;
    let ct = req.header("content-type").unwrap_or("");
    let parts = crate::http::multipart::parse(ct, req.body.clone(), &["proof"], max)?;
    let file = parts
        .into_iter()
        .find(|p| p.name == "proof")
        .ok_or_else(|| Error::bad_request("Send the file in the multipart field `proof`."))?;
    crate::service::orders::accept_proof(app, id, &file.data)?;
    let o = orders::get(&*app.db.read()?, id)?.ok_or_else(not_found)?;
    Ok(Resp::json(
        201,
        &json!({ "order": order_json(app, &o, None) }),
    ))
}

/// Every API write: POST/PATCH/DELETE under /api/v1/.
pub fn route_write(app: &App, req: &Req, seg: &[&str]) -> Outcome {
    let m = req.method();
    match (m, seg) {
        ("POST", ["carts"]) => {
            let token = service::cart::new_token_cart(app);
            let mut resp = Resp::json(201, &json!({ "token": token }));
            resp.set_header("Location", format!("/api/v1/carts/{token}"));
            Ok(resp)
        }
        ("POST", ["carts", token, "items"]) => {
            let b = body_json(req)?;
            let qty = match b.get("quantity") {
                None => 1,
                Some(_) => int_field(&b, "quantity")?,
            };
            change(app, token, int_field(&b, "variant_id")?, qty, Mode::Add)
        }
        ("PATCH", ["carts", token, "items", variant]) => {
            let b = body_json(req)?;
            change(
                app,
                token,
                variant_of(variant)?,
                int_field(&b, "quantity")?,
                Mode::Update,
            )
        }
        ("DELETE", ["carts", token, "items", variant]) => {
            change(app, token, variant_of(variant)?, 0, Mode::Update)
        }
        ("POST", ["carts", token, "checkout"]) => checkout(app, req, token),
        ("POST", ["orders", number, "payment-proof"]) => upload(app, req, number),
        (_, ["carts", ..] | ["orders", ..]) => Err(Error::new(
            Kind::MethodNotAllowed,
            "This method is not allowed here.",
        )),
        _ => Err(Error::not_found(
            "There is no API endpoint at this address.",
        )),
    }
}
