//! The OpenAPI 3.1 description of the JSON API, built as data so it always parses and can
//! be checked by tests against the routes that really answer.

use serde_json::json;

pub fn document(base_url: &str, store_name: &str) -> String {
    let err = json!({"$ref": "#/components/responses/Error"});
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{store_name} API"),
            "version": "1",
            "description": "Catalog API of a boutique store. Money is an integer in minor units of `currency` (e.g. paise for INR)."
        },
        "servers": [{"url": format!("{base_url}/api/v1")}],
        "paths": {
            "/products": {"get": {
                "operationId": "listProducts",
                "summary": "Active products, newest first, or search results when q is given",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}, "description": "Full-text search over title, description and SKU (prefix matching)."},
                    {"name": "category", "in": "query", "schema": {"type": "string"}, "description": "Category slug; includes its subcategories."},
                    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["newest", "price_asc", "price_desc"]}},
                    {"name": "in_stock", "in": "query", "schema": {"type": "string", "enum": ["1"]}},
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
                        "code": {"type": "string"}, "message": {"type": "string"}, "request_id": {"type": "string"}}}}}
            },
            "responses": {
                "Error": {"description": "Error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        }
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
