//! The OpenAPI 3.1 description of the JSON API, built as data so it always parses and can
//! be checked by tests against the routes that really answer: the catalog (read-only), API
//! carts behind their bearer token (the token in the path), checkout with an
//! `Idempotency-Key`, and orders reached with `Authorization: Bearer <access_token>`.

use serde_json::{Value, json};

/// A required text field: at least one character that is not a space.
const NOT_BLANK: &str = "\\S";

/// `max_quantity` is `[cart] max_line_quantity`, written as the quantity fields' maximum.
pub fn document(base_url: &str, store_name: &str, max_quantity: i64) -> String {
    let err = json!({"$ref": "#/components/responses/Error"});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{store_name} API"),
            "version": "1",
            "description": "API of a boutique store: catalog, carts, checkout and orders. Money is an integer in minor units of `currency` (e.g. paise for INR); every price and total is computed by the server, and money fields sent by a client are ignored. Errors are `{\"error\": {\"code\", \"message\", \"request_id\", \"details\"?}}` with a 4xx/5xx status. Any request may be answered 429 (with `Retry-After`) when one client address holds more than its share of connections, 413 when its body is over the size limit, 431 when its headers are, and 405 (with `Allow`) for a method the path does not take."
        },
        "servers": [{"url": format!("{base_url}/api/v1")}],
        "paths": {
            "/products": {"get": {
                "operationId": "listProducts",
                "summary": "Active products, newest first, or search results when q is given",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": super::api::SEARCH_MAX_CHARS}, "description": "Full-text search over title, description and SKU (prefix matching). Results are ranked by relevance: sort, in_stock and opt are checked but not applied, category is not used, and cursor is the offset from the previous page."},
                    {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "Category slug; includes its subcategories."},
                    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["newest", "price_asc", "price_desc", ""]}, "description": "Empty is newest."},
                    {"name": "in_stock", "in": "query", "schema": {"type": "string", "enum": ["1", "true", "on", "0", "false", ""]}, "description": "1, true or on: only products with stock."},
                    {"name": "opt", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true, "description": "Option filter like Size:M (repeatable)."},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the previous page."},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                ],
                "responses": {
                    "200": {"description": "A page of products", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["products", "next_cursor"],
                        "properties": {
                            "products": {"type": "array", "items": {"$ref": "#/components/schemas/ProductCard"}},
                            "next_cursor": {"type": ["string", "null"]}
                        }}}}},
                    "400": err, "404": err
                }
            }},
            "/products/{slug}": {"get": {
                "operationId": "getProduct",
                "parameters": [{"name": "slug", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "One product with its variants", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["product"],
                        "properties": {"product": {"$ref": "#/components/schemas/Product"}}}}}},
                    "404": err
                }
            }},
            "/categories": {"get": {
                "operationId": "listCategories",
                "responses": {"200": {"description": "All categories, parents first", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["categories"],
                    "properties": {"categories": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}}}}}}}}
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "responses": {"200": {"description": "This document"}}
            }}
        },
        "components": {
            "schemas": {
                "Money": {"type": "integer", "description": "Amount in minor units of the currency."},
                "Image": {"type": "object", "properties": {
                    "width": {"type": "integer"}, "height": {"type": "integer"}, "alt": {"type": "string"},
                    "url": {"type": "string"}, "url_600": {"type": "string"}, "url_160": {"type": "string"}}},
                "ProductCard": {"type": "object", "required": ["id", "slug", "title", "price", "currency", "in_stock"], "properties": {
                    "id": {"type": "integer"}, "slug": {"type": "string"}, "title": {"type": "string"},
                    "price": {"$ref": "#/components/schemas/Money"},
                    "compare_at_price": {"type": ["integer", "null"]},
                    "currency": {"type": "string"}, "in_stock": {"type": "boolean"}, "url": {"type": "string"},
                    "image": {"oneOf": [{"$ref": "#/components/schemas/Image"}, {"type": "null"}]}}},
                "Variant": {"type": "object", "required": ["id", "sku", "options", "price", "available"], "properties": {
                    "id": {"type": "integer"}, "sku": {"type": "string"},
                    "options": {"type": "object", "additionalProperties": {"type": "string"}},
                    "price": {"$ref": "#/components/schemas/Money"},
                    "compare_at_price": {"type": ["integer", "null"]},
                    "currency": {"type": "string"},
                    "available": {"type": "integer", "description": "Units that can be bought now."},
                    "weight_grams": {"type": "integer"}}},
                "Product": {"type": "object", "required": ["id", "slug", "title", "variants"], "properties": {
                    "id": {"type": "integer"}, "slug": {"type": "string"}, "title": {"type": "string"},
                    "description": {"type": "string"}, "url": {"type": "string"},
                    "category": {"type": ["object", "null"]},
                    "option_names": {"type": "array", "items": {"type": "string"}},
                    "price": {"$ref": "#/components/schemas/Money"}, "currency": {"type": "string"},
                    "in_stock": {"type": "boolean"},
                    "images": {"type": "array", "items": {"$ref": "#/components/schemas/Image"}},
                    "variants": {"type": "array", "items": {"$ref": "#/components/schemas/Variant"}},
                    "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}},
                "Category": {"type": "object", "required": ["id", "slug", "name"], "properties": {
                    "id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
                    "description": {"type": "string"}, "parent": {"type": ["string", "null"]},
                    "position": {"type": "integer"}, "product_count": {"type": "integer"}, "url": {"type": "string"}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "request_id"], "properties": {
                        "code": {"type": "string", "description": "bad_request, unauthorized, not_found, conflict, idempotency_key_reused, payload_too_large, unsupported_media_type, ..."},
                        "message": {"type": "string", "description": "A sentence safe to show the shopper."},
                        "request_id": {"type": "string"},
                        "details": {"type": "object", "description": "Structured facts, e.g. `short` on a 409 at checkout."}}}}}
            },
            "securitySchemes": {
                "orderToken": {"type": "http", "scheme": "bearer", "description": "The order's `access_token` from the checkout response."}
            },
            "responses": {
                "Error": {"description": "Error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        }
    });
    // The cart and order parts are built apart (one json! of it all is past the macro's
    // recursion limit) and merged in.
    if let Some(p) = doc["paths"].as_object_mut() {
        p.extend(cart_and_order_paths(&err, max_quantity));
    }
    if let Some(c) = doc["components"]["schemas"].as_object_mut() {
        c.extend(cart_and_order_schemas());
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The paths of API carts, checkout and orders (DESIGN §7).
fn cart_and_order_paths(err: &Value, max_quantity: i64) -> Vec<(String, Value)> {
    let cart_ok = |what: &str| {
        json!({"description": what, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Cart"}}}})
    };
    let token = json!({"name": "token", "in": "path", "required": true, "schema": {"type": "string"},
        "description": "The cart token from `POST /carts`: a bearer capability, keep it secret."});
    let variant = json!({"name": "variant_id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let number = json!({"name": "number", "in": "path", "required": true, "schema": {"type": "string"},
        "description": "The order number, e.g. BQ-10001."});
    let order_ok = |what: &str| {
        json!({"description": what, "content": {"application/json": {"schema": {
            "type": "object", "required": ["order"],
            "properties": {"order": {"$ref": "#/components/schemas/Order"}}}}}})
    };
    // An error response whose cause is worth spelling out for this operation.
    let because = |why: &str| {
        json!({"description": why, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Error"}}}})
    };
    let paths = vec![
        (
            "/carts",
            json!({"post": {
                "operationId": "createCart",
                "summary": "A new empty cart; its token is the only way to reach it",
                "responses": {
                    "201": {"description": "The cart was made",
                        "headers": {"Location": {"schema": {"type": "string"}, "description": "/api/v1/carts/{token}"}},
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["token"],
                            "properties": {"token": {"type": "string"}}}}}}
                }
            }}),
        ),
        (
            "/carts/{token}",
            json!({"get": {
                "operationId": "getCart",
                "summary": "The cart, re-priced from today's catalog; lines that cannot be bought as they are carry a problem",
                "parameters": [token],
                "responses": {"200": cart_ok("The cart"), "404": err}
            }}),
        ),
        (
            "/carts/{token}/items",
            json!({"post": {
                "operationId": "addCartItem",
                "summary": "Adds units of a variant (to what the cart already holds)",
                "parameters": [token],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["variant_id"],
                    "properties": {
                        "variant_id": {"type": "integer"},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": max_quantity, "default": 1,
                            "description": "At most `maximum` of one item per cart, counting what it already holds."}}}}}},
                "responses": {
                    "200": cart_ok("The cart after the change"),
                    "400": because("Not a JSON object, wrong types, a quantity over the per-line cap, or more distinct lines than a cart holds"),
                    "404": because("No cart with this token, or no such variant"),
                    "409": because("More than the stock (details: variant_id, available), or the item is no longer sold"),
                    "413": err,
                    "415": err
                }
            }}),
        ),
        (
            "/carts/{token}/items/{variant_id}",
            json!({
                "patch": {
                    "operationId": "setCartItem",
                    "summary": "Sets a line the cart holds to exactly this quantity; 0 removes it",
                    "parameters": [token, variant],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["quantity"],
                        "properties": {"quantity": {"type": "integer", "minimum": 0, "maximum": max_quantity}}}}}},
                    "responses": {"200": cart_ok("The cart after the change"), "400": err,
                        "404": because("No cart with this token, or the cart holds no line of this variant"),
                        "409": err, "413": err, "415": err}
                },
                "delete": {
                    "operationId": "removeCartItem",
                    "summary": "Removes the line",
                    "parameters": [token, variant],
                    "responses": {"200": cart_ok("The cart after the change"),
                        "404": because("No cart with this token, or the cart holds no line of this variant")}
                }
            }),
        ),
        (
            "/carts/{token}/checkout",
            json!({"post": {
                "operationId": "checkout",
                "summary": "Places the cart as an order, in one transaction: prices, stock, coupon, order",
                "description": "The same Idempotency-Key with the same body returns the same order (with `Idempotent-Replayed: true`), never a second one; with a different body it is refused (422). Any short line rolls the whole order back.",
                "parameters": [token, {"name": "Idempotency-Key", "in": "header", "required": true,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x20-\\x7e]*[\\x21-\\x7e][\\x20-\\x7e]*$"},
                    "description": "A fresh random value per order attempt (printable ASCII); resend it on retry."}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/CheckoutRequest"}}}},
                "responses": {
                    "201": {
                        "description": "The order (or, on replay, the order this key placed); `access_token` is returned only here",
                        "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                            "description": "Present when this is a replay of an earlier request."}},
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["order"],
                            "properties": {"order": {"$ref": "#/components/schemas/Order"}}}}}},
                    "400": because("Missing Idempotency-Key, invalid fields, empty cart, an address no zone ships to, a coupon that does not apply, a payment method not open for this order (with the reason)"),
                    "404": err,
                    "409": {"description": "Not enough stock (`error.details.short` names every short variant), an item no longer sold, or the coupon was just used up", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShortStockError"}}}},
                    "413": err,
                    "415": err,
                    "422": because("This Idempotency-Key was already used with a different body"),
                    // The [limits] of store.toml (orders per address and per email in an
                    // hour, unpaid units per address) and the per-cart attempt limit.
                    "429": {
                        "description": "Too many orders from this client address or for this email in the last hour, too many unpaid units held by this address, or too many checkout attempts on this cart; nothing was written. Retry after the `Retry-After` seconds.",
                        "headers": {"Retry-After": {"required": true, "schema": {"type": "integer", "minimum": 1},
                            "description": "Seconds to wait before trying again."}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
            }}),
        ),
        (
            "/orders/{number}",
            json!({"get": {
                "operationId": "getOrder",
                "summary": "The order with its lines, totals, payment instructions and timeline",
                "security": [{"orderToken": []}],
                "parameters": [number],
                "responses": {
                    "200": order_ok("The order"),
                    "401": because("No `Authorization: Bearer` header"),
                    "404": because("No such order, or the token is not this order's")
                }
            }}),
        ),
        (
            "/orders/{number}/payment-proof",
            json!({"post": {
                "operationId": "uploadPaymentProof",
                "summary": "Uploads the proof of a bank transfer; the order then awaits verification",
                "description": "The file's type is decided by its bytes (JPEG, PNG, WebP or PDF); markup, scripts or data hidden after the picture are refused. The file is stored under a name the server makes.",
                "security": [{"orderToken": []}],
                "parameters": [number],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["proof"],
                    "properties": {"proof": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}},
                "responses": {
                    "201": order_ok("The order, now awaiting verification"),
                    "400": because("No `proof` field, an empty or damaged file"),
                    "401": err,
                    "404": err,
                    "409": because("The order takes no proof in its state (e.g. cash on delivery, already paid)"),
                    "413": because("Larger than [payments] proof_max_mb, or a picture of more pixels than a proof may have"),
                    "415": because("Not a JPEG, PNG, WebP or PDF by its bytes, or carrying markup, scripts or a second payload"),
                    "503": {
                        "description": "Too many pictures are being checked at this moment; nothing was written. Retry after the `Retry-After` seconds.",
                        "headers": {"Retry-After": {"required": true, "schema": {"type": "integer", "minimum": 1}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
            }}),
        ),
    ];
    paths.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The schemas of carts, checkout requests, orders and the 409 of short stock.
fn cart_and_order_schemas() -> Vec<(String, Value)> {
    let schemas = vec![
        (
            "ShortVariant",
            json!({"type": "object", "required": ["variant_id", "sku", "requested", "available"], "properties": {
            "variant_id": {"type": "integer"}, "sku": {"type": "string"},
            "requested": {"type": "integer"}, "available": {"type": "integer"}}}),
        ),
        (
            "ShortStockError",
            json!({"allOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "properties": {"error": {
            "type": "object", "properties": {"details": {"type": "object", "properties": {
                "short": {"type": "array", "items": {"$ref": "#/components/schemas/ShortVariant"}}}}}}}}]}),
        ),
        (
            "CartLine",
            json!({"type": "object", "required": ["variant_id", "sku", "quantity", "unit_price", "line_total", "available"], "properties": {
            "variant_id": {"type": "integer"}, "product": {"type": "string", "description": "Product slug."},
            "title": {"type": "string"}, "options": {"type": "array", "items": {"type": "string"}},
            "sku": {"type": "string"}, "quantity": {"type": "integer"},
            "unit_price": {"$ref": "#/components/schemas/Money"},
            "line_total": {"$ref": "#/components/schemas/Money"},
            "available": {"type": "integer"},
            "problem": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": ["unavailable", "sold_out", "short"]},
                "available": {"type": "integer"}, "message": {"type": "string"}}}]}}}),
        ),
        (
            "Cart",
            json!({"type": "object", "required": ["token", "currency", "lines", "subtotal", "units"], "properties": {
            "token": {"type": "string"}, "currency": {"type": "string"},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/CartLine"}},
            "subtotal": {"$ref": "#/components/schemas/Money"}, "units": {"type": "integer"}}}),
        ),
        (
            "Address",
            json!({"type": "object", "required": ["line1", "city", "postal_code", "country"], "properties": {
            "line1": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NOT_BLANK},
            "line2": {"type": "string", "maxLength": 120},
            "city": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": NOT_BLANK},
            "region": {"type": "string", "maxLength": 80},
            "postal_code": {"type": "string", "minLength": 1, "maxLength": 12, "pattern": "^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2, "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2, e.g. IN."}},
            "description": "Single-line fields: line breaks, tabs and other control characters are refused."}),
        ),
        (
            "CheckoutRequest",
            json!({"type": "object", "required": ["email", "name", "phone", "address", "payment_method"], "properties": {
            "email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254},
            "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": NOT_BLANK},
            "phone": {"type": "string", "minLength": 1, "maxLength": 24, "pattern": NOT_BLANK},
            "address": {"$ref": "#/components/schemas/Address"},
            "payment_method": {"type": "string", "enum": ["cod", "bank_transfer", "razorpay", "stripe"]},
            "coupon": {"type": "string"},
            "note": {"type": "string", "maxLength": 500, "description": "May span lines."}},
            "description": "Nothing about money is read: prices, totals and discounts are computed by the server."}),
        ),
        (
            "OrderLine",
            json!({"type": "object", "required": ["title", "sku", "unit_price", "quantity", "line_total"], "properties": {
            "variant_id": {"type": ["integer", "null"]}, "title": {"type": "string"}, "options": {"type": "string"},
            "sku": {"type": "string"}, "unit_price": {"$ref": "#/components/schemas/Money"},
            "quantity": {"type": "integer"}, "line_total": {"$ref": "#/components/schemas/Money"},
            "returned": {"type": "integer"}}}),
        ),
        (
            "Totals",
            json!({"type": "object", "required": ["subtotal", "discount", "shipping", "cod_fee", "total", "refunded"], "properties": {
            "subtotal": {"$ref": "#/components/schemas/Money"}, "discount": {"$ref": "#/components/schemas/Money"},
            "shipping": {"$ref": "#/components/schemas/Money"}, "cod_fee": {"$ref": "#/components/schemas/Money"},
            "total": {"$ref": "#/components/schemas/Money"}, "refunded": {"$ref": "#/components/schemas/Money"}}}),
        ),
        (
            "Order",
            json!({"type": "object", "required": ["number", "status", "payment_status", "payment_method", "currency", "lines", "totals"], "properties": {
            "number": {"type": "string"},
            "status": {"type": "string", "enum": ["pending_payment", "awaiting_verification", "confirmed", "processing", "shipped", "delivered", "cancelled", "returned"]},
            "payment_status": {"type": "string", "enum": ["unpaid", "paid", "partially_refunded", "refunded"]},
            "payment_method": {"type": "string", "enum": ["cod", "bank_transfer", "razorpay", "stripe"]},
            "currency": {"type": "string"}, "email": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string"},
            "address": {"$ref": "#/components/schemas/Address"},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/OrderLine"}},
            "totals": {"$ref": "#/components/schemas/Totals"},
            "coupon": {"type": ["string", "null"]},
            "pay_by": {"type": ["integer", "null"], "description": "Unix time after which an unpaid order expires."},
            "tracking": {"type": ["object", "null"], "properties": {
                "carrier": {"type": "string"}, "number": {"type": "string"}, "url": {"type": "string"}}},
            "shipment": {"type": ["object", "null"], "description": "The parcel, once the order has a shipment.", "properties": {
                "state": {"type": "string", "enum": ["creating", "awaiting_pickup", "in_transit", "out_for_delivery", "delivery_failed", "delivered", "returning", "returned", "cancelled", "lost"]},
                "carrier": {"type": "string"}, "awb": {"type": "string"},
                "expected_delivery": {"type": ["string", "null"], "description": "The courier's date, India time, as it wrote it."},
                "tracking_page": {"type": "string", "description": "The shopper's tracking page (add the order's ?token=)."}}},
            "proofs": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": ["pending", "accepted", "rejected", "superseded", "closed"],
                    "description": "closed: the order was cancelled before the proof was checked."},
                "reason": {"type": "string"}, "uploaded_at": {"type": "integer"}}}},
            "events": {"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "integer"}, "kind": {"type": "string"}, "from": {"type": ["string", "null"]},
                "to": {"type": ["string", "null"]}, "note": {"type": "string"}}}},
            "created_at": {"type": "integer"},
            "url": {"type": "string", "description": "The order page; with the token only in the checkout response."},
            "access_token": {"type": "string", "description": "Only in the checkout response: the bearer token for this order."},
            "pay_url": {"type": "string", "description": "Only in the checkout response of a card order (payment_method razorpay or stripe): the page where the shopper pays; the order waits for its payment until pay_by."},
            "bank_transfer": {"type": "array", "items": {"type": "string"}, "description": "Bank-transfer orders: where and how to pay."}}}),
        ),
    ];
    schemas
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}
