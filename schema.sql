-- boutique schema. Applied by db.rs through PRAGMA user_version migrations: this file is
-- migration 1; later changes are appended as new migrations in src/db.rs, never edited here
-- once released. Money is INTEGER minor units; times are UTC unix seconds.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE categories (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES categories(id) ON DELETE RESTRICT,
    slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 80),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    description TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- One level of nesting only: a category's parent must itself be top-level.
CREATE TRIGGER categories_one_level_insert BEFORE INSERT ON categories
WHEN NEW.parent_id IS NOT NULL
 AND (SELECT parent_id FROM categories WHERE id = NEW.parent_id) IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'categories nest one level only'); END;

CREATE TRIGGER categories_one_level_update BEFORE UPDATE OF parent_id ON categories
WHEN NEW.parent_id IS NOT NULL
 AND (NEW.parent_id = NEW.id
      OR (SELECT parent_id FROM categories WHERE id = NEW.parent_id) IS NOT NULL
      OR EXISTS (SELECT 1 FROM categories WHERE parent_id = NEW.id))
BEGIN SELECT RAISE(ABORT, 'categories nest one level only'); END;

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    category_id     INTEGER REFERENCES categories(id) ON DELETE SET NULL,
    slug            TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 120),
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    featured        INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    option1_name    TEXT,
    option2_name    TEXT,
    option3_name    TEXT,
    seo_title       TEXT NOT NULL DEFAULT '',
    seo_description TEXT NOT NULL DEFAULT '',
    -- Denormalised for listing sorts and filters; kept in step by the triggers below.
    min_price       INTEGER NOT NULL DEFAULT 0,
    in_stock        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX products_listing ON products (status, category_id, created_at DESC, id DESC);
CREATE INDEX products_newest ON products (status, created_at DESC, id DESC);
CREATE INDEX products_price ON products (status, category_id, min_price, id);
CREATE INDEX products_featured ON products (status, featured, created_at DESC, id DESC);

CREATE TABLE variants (
    id               INTEGER PRIMARY KEY,
    product_id       INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    sku              TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
    option1          TEXT,
    option2          TEXT,
    option3          TEXT,
    price            INTEGER NOT NULL CHECK (price >= 0),
    compare_at_price INTEGER CHECK (compare_at_price IS NULL OR compare_at_price >= 0),
    stock            INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    -- NULL: use the store-wide [catalog] low_stock_threshold.
    low_stock_threshold INTEGER CHECK (low_stock_threshold IS NULL OR low_stock_threshold >= 0),
    weight_grams     INTEGER NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    position         INTEGER NOT NULL DEFAULT 0,
    archived         INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX variants_product ON variants (product_id, position);

-- Every change of stock is a row here; for every variant stock = sum(delta).
CREATE TABLE stock_ledger (
    id          INTEGER PRIMARY KEY,
    variant_id  INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    delta       INTEGER NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('initial', 'received', 'sale', 'cancel', 'return', 'damaged', 'correction', 'count', 'import')),
    stock_after INTEGER NOT NULL CHECK (stock_after >= 0),
    actor       TEXT NOT NULL DEFAULT 'system',
    note        TEXT NOT NULL DEFAULT '',
    ref         TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX stock_ledger_variant ON stock_ledger (variant_id, id);

-- Keep products.min_price / in_stock in step with their live variants.
CREATE TRIGGER variants_summary_insert AFTER INSERT ON variants BEGIN
    UPDATE products SET
        min_price = COALESCE((SELECT min(price) FROM variants WHERE product_id = NEW.product_id AND archived = 0), 0),
        in_stock  = EXISTS (SELECT 1 FROM variants WHERE product_id = NEW.product_id AND archived = 0 AND stock > 0)
    WHERE id = NEW.product_id;
END;
-- Only when the summary can change (a price, archiving, or stock crossing zero): a sale
-- that leaves the variant in stock does not rewrite the product row.
CREATE TRIGGER variants_summary_update AFTER UPDATE OF price, stock, archived ON variants
WHEN OLD.price IS NOT NEW.price OR OLD.archived IS NOT NEW.archived
     OR (OLD.stock > 0) IS NOT (NEW.stock > 0) BEGIN
    UPDATE products SET
        min_price = COALESCE((SELECT min(price) FROM variants WHERE product_id = NEW.product_id AND archived = 0), 0),
        in_stock  = EXISTS (SELECT 1 FROM variants WHERE product_id = NEW.product_id AND archived = 0 AND stock > 0)
    WHERE id = NEW.product_id;
END;
CREATE TRIGGER variants_summary_delete AFTER DELETE ON variants BEGIN
    UPDATE products SET
        min_price = COALESCE((SELECT min(price) FROM variants WHERE product_id = OLD.product_id AND archived = 0), 0),
        in_stock  = EXISTS (SELECT 1 FROM variants WHERE product_id = OLD.product_id AND archived = 0 AND stock > 0)
    WHERE id = OLD.product_id;
END;

-- Images live inside the database as WebP variants; `hash` (hex of the full WebP's SHA-256
-- prefix) makes their URLs content-addressed and immutable.
-- Column order matters: SQLite reaches a column by walking past the ones before it, and
-- large BLOBs spill into overflow pages. Small columns (incl. the ~200-byte placeholder
-- that every product card inlines) come first, the big encodings last, smallest first.
CREATE TABLE images (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    alt         TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    placeholder BLOB NOT NULL,
    w160        BLOB NOT NULL,
    w600        BLOB NOT NULL,
    full        BLOB NOT NULL
) STRICT;

CREATE TABLE product_images (
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, image_id)
) STRICT;

CREATE TABLE banners (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    subtitle   TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '/',
    link_label TEXT NOT NULL DEFAULT 'Shop now',
    image_id   INTEGER REFERENCES images(id) ON DELETE SET NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    starts_at  INTEGER,
    ends_at    INTEGER,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;

-- Full-text search over title, description and SKUs of active products, kept in step by
-- the triggers below (rowid = product id).
CREATE VIRTUAL TABLE product_search USING fts5 (
    title, description, skus,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Only active products are in the index, so a search needs no status filter and FTS5 can
-- rank and limit on its own (half the cost of ranking then joining to filter).
CREATE TRIGGER products_fts_insert AFTER INSERT ON products WHEN NEW.status = 'active' BEGIN
    INSERT INTO product_search (rowid, title, description, skus) VALUES (NEW.id, NEW.title, NEW.description, '');
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF title, description, status ON products BEGIN
    DELETE FROM product_search WHERE rowid = OLD.id;
    INSERT INTO product_search (rowid, title, description, skus)
    SELECT NEW.id, NEW.title, NEW.description,
           COALESCE((SELECT group_concat(sku, ' ') FROM variants WHERE product_id = NEW.id), '')
    WHERE NEW.status = 'active';
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    DELETE FROM product_search WHERE rowid = OLD.id;
END;
CREATE TRIGGER variants_fts_insert AFTER INSERT ON variants BEGIN
    UPDATE product_search SET skus = (SELECT group_concat(sku, ' ') FROM variants WHERE product_id = NEW.product_id)
    WHERE rowid = NEW.product_id;
END;
CREATE TRIGGER variants_fts_update AFTER UPDATE OF sku ON variants BEGIN
    UPDATE product_search SET skus = (SELECT group_concat(sku, ' ') FROM variants WHERE product_id = NEW.product_id)
    WHERE rowid = NEW.product_id;
END;
CREATE TRIGGER variants_fts_delete AFTER DELETE ON variants BEGIN
    UPDATE product_search SET skus = (SELECT group_concat(sku, ' ') FROM variants WHERE product_id = OLD.product_id)
    WHERE rowid = OLD.product_id;
END;

-- One counter that moves whenever anything the storefront shows changes (catalog, stock,
-- images, banners). The server caches rendered pages and catalog reads against it, so a
-- sale or an edit is visible at once while unrelated writes (sessions, mail) keep caches.
CREATE TABLE catalog_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO catalog_version (id, version) VALUES (1, 1);
CREATE TRIGGER categories_bump_insert AFTER INSERT ON categories BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER categories_bump_update AFTER UPDATE ON categories BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER categories_bump_delete AFTER DELETE ON categories BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_bump_insert AFTER INSERT ON products BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_bump_update AFTER UPDATE ON products BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_bump_delete AFTER DELETE ON products BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER variants_bump_insert AFTER INSERT ON variants BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER variants_bump_update AFTER UPDATE ON variants BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER variants_bump_delete AFTER DELETE ON variants BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER images_bump_insert AFTER INSERT ON images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER images_bump_update AFTER UPDATE ON images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER images_bump_delete AFTER DELETE ON images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_images_bump_insert AFTER INSERT ON product_images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_images_bump_update AFTER UPDATE ON product_images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_images_bump_delete AFTER DELETE ON product_images BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER banners_bump_insert AFTER INSERT ON banners BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER banners_bump_update AFTER UPDATE ON banners BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER banners_bump_delete AFTER DELETE ON banners BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;

-- People: shoppers and the store's staff. An email is proven before it signs in.
CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    name       TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff', 'owner')),
    created_at INTEGER NOT NULL
) STRICT;

-- Browser sessions. Only the SHA-256 of the cookie value is stored; `id` is the stable
-- handle other rows (carts, later) point at, so a sign-in can rotate the token while the
-- visitor keeps what the session holds.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    customer_id  INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    admin        INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_customer ON sessions (customer_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Passwordless sign-in: one row per request. The link token is stored as its SHA-256, the
-- 6-digit code as an HMAC with the server key (a bare hash of 6 digits is brute-forced at
-- once). The code only works in the session (device) that asked for it.
-- purpose 'change_email': a signed-in customer (customer_id) proving a new address; using
-- it moves the account to that address instead of signing in. purpose 'order': the link
-- in a guest's order confirmation (lives longer: the mail may be read days later).
CREATE TABLE sign_in_requests (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL COLLATE NOCASE,
    purpose         TEXT NOT NULL DEFAULT 'sign_in' CHECK (purpose IN ('sign_in', 'change_email', 'order')),
    customer_id     INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    link_hash       BLOB NOT NULL UNIQUE,
    code_tag        BLOB NOT NULL,
    session_id      INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    next_path       TEXT NOT NULL DEFAULT '/account',
    ip              TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    link_expires_at INTEGER NOT NULL,
    code_expires_at INTEGER NOT NULL,
    used_at         INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_requests_email ON sign_in_requests (email, created_at);
CREATE INDEX sign_in_requests_ip ON sign_in_requests (ip, created_at);
CREATE INDEX sign_in_requests_session ON sign_in_requests (session_id, created_at);

-- The outbox: side effects written in the same transaction as the change
-- that causes them, delivered afterwards by the worker thread with retries. It doubles as
-- the email log the admin reads (recipient, subject, template, status, attempts, error).
-- status: pending (due at next_attempt_at) → sending (claimed at claimed_at) → sent;
-- a retryable failure goes back to pending with a later next_attempt_at until the backoff
-- schedule runs out (→ dead); a permanent refusal by the provider → failed.
-- idempotency_key is unique so a replayed business write never queues a second mail; it
-- is also sent to the provider (Resend Idempotency-Key, the Message-ID) so a duplicate
-- delivery after a crash is detectable. resends counts admin re-sends: each one gets a
-- fresh wire key, because the provider would otherwise swallow it as a duplicate.
-- Migration 4 (src/migrations/0004_general_outbox.sql) makes it general: any kind, with a
-- JSON payload in place of the two body columns.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL DEFAULT 'email' CHECK (kind IN ('email')),
    idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    template        TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    resends         INTEGER NOT NULL DEFAULT 0 CHECK (resends >= 0),
    next_attempt_at INTEGER NOT NULL,
    claimed_at      INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    provider_id     TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- A customer's saved addresses; at most one default each.
CREATE TABLE addresses (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    line1       TEXT NOT NULL,
    line2       TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL,
    country     TEXT NOT NULL CHECK (length(country) = 2),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX addresses_customer ON addresses (customer_id);
CREATE UNIQUE INDEX addresses_one_default ON addresses (customer_id) WHERE is_default = 1;

-- Orders. Everything the order shows is a snapshot taken inside the transaction that
-- placed it (lines, prices, address, fees), so later catalog or config edits never change
-- it. `customer_id` is set when a signed-in customer orders, or later when the guest proves
-- the order's email (sign-in link or code): a guest order is never visible in an account
-- before that. The access token (the secret order link) is stored as its SHA-256.
-- status / payment_status follow the state machine in src/shop/orders.rs.
-- idempotency_key + request_hash: a replay with the same key returns the same order; the
-- same key with a different request is refused.
CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    access_hash       BLOB NOT NULL UNIQUE,
    idempotency_key   TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash      BLOB NOT NULL,
    customer_id       INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    email             TEXT NOT NULL COLLATE NOCASE,
    name              TEXT NOT NULL,
    phone             TEXT NOT NULL,
    ship_line1        TEXT NOT NULL,
    ship_line2        TEXT NOT NULL DEFAULT '',
    ship_city         TEXT NOT NULL,
    ship_region       TEXT NOT NULL DEFAULT '',
    ship_postal_code  TEXT NOT NULL,
    ship_country      TEXT NOT NULL CHECK (length(ship_country) = 2),
    shipping_zone     TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('pending_payment', 'awaiting_verification',
                      'confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'returned')),
    payment_status    TEXT NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'paid',
                      'partially_refunded', 'refunded')),
    payment_method    TEXT NOT NULL CHECK (payment_method IN ('cod', 'bank_transfer', 'razorpay', 'stripe')),
    currency          TEXT NOT NULL,
    subtotal          INTEGER NOT NULL CHECK (subtotal >= 0),
    discount          INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0),
    shipping_fee      INTEGER NOT NULL DEFAULT 0 CHECK (shipping_fee >= 0),
    cod_fee           INTEGER NOT NULL DEFAULT 0 CHECK (cod_fee >= 0),
    total             INTEGER NOT NULL CHECK (total >= 0),
    refunded          INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= total),
    coupon_code       TEXT,
    note              TEXT NOT NULL DEFAULT '',
    carrier           TEXT NOT NULL DEFAULT '',
    tracking_number   TEXT NOT NULL DEFAULT '',
    tracking_url      TEXT NOT NULL DEFAULT '',
    pay_by            INTEGER,
    reminded_at       INTEGER,
    paid_at           INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_email ON orders (email, created_at);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE INDEX orders_created ON orders (created_at);
CREATE INDEX orders_pay_by ON orders (pay_by) WHERE pay_by IS NOT NULL;

-- One row per line, with the snapshot the shopper saw. `returned` counts units taken back.
CREATE TABLE order_lines (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    variant_id INTEGER REFERENCES variants(id) ON DELETE SET NULL,
    product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,
    title      TEXT NOT NULL,
    options    TEXT NOT NULL DEFAULT '',
    sku        TEXT NOT NULL,
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    returned   INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= quantity)
) STRICT;
CREATE INDEX order_lines_order ON order_lines (order_id);
CREATE INDEX order_lines_variant ON order_lines (variant_id);
CREATE INDEX order_lines_product ON order_lines (product_id);

-- The order timeline: every transition and every notable act (proof uploaded, refund,
-- shipment), with who did it. actor: 'shopper', 'system' or the staff member's email.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX order_events_order ON order_events (order_id, at);

-- Carts. A browser cart belongs to a session (guest) or to a customer (signed in: the same
-- cart on every device); an API cart is reached by a bearer token stored as its SHA-256.
-- Exactly one owner per cart.
CREATE TABLE carts (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
    customer_id INTEGER UNIQUE REFERENCES customers(id) ON DELETE CASCADE,
    token_hash  BLOB UNIQUE,
    -- What a sign-in merge changed, shown once on the next cart or checkout page.
    notice      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK ((session_id IS NOT NULL) + (customer_id IS NOT NULL) + (token_hash IS NOT NULL) = 1)
) STRICT;
CREATE INDEX carts_updated ON carts (updated_at);

-- The caps of store.toml [cart], copied here at start and on every reload so that the
-- database itself refuses a line or a cart over them (the triggers below), whatever path
-- the write came by.
CREATE TABLE cart_limits (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    max_line_quantity INTEGER NOT NULL CHECK (max_line_quantity > 0),
    max_lines         INTEGER NOT NULL CHECK (max_lines > 0)
) STRICT;
INSERT INTO cart_limits (id, max_line_quantity, max_lines) VALUES (1, 10, 10);

CREATE TABLE cart_lines (
    cart_id    INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (cart_id, variant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX cart_lines_variant ON cart_lines (variant_id);
CREATE TRIGGER cart_line_cap_insert BEFORE INSERT ON cart_lines
WHEN NEW.quantity > (SELECT max_line_quantity FROM cart_limits WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'cart_line_quantity_cap'); END;
CREATE TRIGGER cart_line_cap_update BEFORE UPDATE OF quantity ON cart_lines
WHEN NEW.quantity > (SELECT max_line_quantity FROM cart_limits WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'cart_line_quantity_cap'); END;
CREATE TRIGGER cart_lines_cap BEFORE INSERT ON cart_lines
WHEN (SELECT count(*) FROM cart_lines WHERE cart_id = NEW.cart_id)
     >= (SELECT max_lines FROM cart_limits WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'cart_lines_cap'); END;

-- Coupons. `redeemed` counts live redemptions; the CHECK makes going over the total limit
-- impossible even if two checkouts race (the second UPDATE fails inside its transaction).
CREATE TABLE coupons (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(code) BETWEEN 2 AND 40),
    kind            TEXT NOT NULL CHECK (kind IN ('percent', 'fixed', 'free_shipping')),
    value           INTEGER NOT NULL DEFAULT 0 CHECK (value >= 0),
    min_subtotal    INTEGER NOT NULL DEFAULT 0 CHECK (min_subtotal >= 0),
    starts_at       INTEGER,
    ends_at         INTEGER,
    max_redemptions INTEGER CHECK (max_redemptions IS NULL OR max_redemptions >= 0),
    per_customer    INTEGER CHECK (per_customer IS NULL OR per_customer >= 1),
    redeemed        INTEGER NOT NULL DEFAULT 0 CHECK (redeemed >= 0),
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      INTEGER NOT NULL,
    CHECK (max_redemptions IS NULL OR redeemed <= max_redemptions),
    CHECK (kind <> 'percent' OR value BETWEEN 1 AND 100)
) STRICT;

-- One row per order that used a coupon; released (restored) when the order is cancelled
-- or expires, so the per-email count and the total stay true.
CREATE TABLE coupon_redemptions (
    id          INTEGER PRIMARY KEY,
    coupon_id   INTEGER NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
    order_id    INTEGER NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
    email       TEXT NOT NULL COLLATE NOCASE,
    discount    INTEGER NOT NULL CHECK (discount >= 0),
    released_at INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX coupon_redemptions_email ON coupon_redemptions (coupon_id, email) WHERE released_at IS NULL;

-- Bank-transfer proofs: the file lives under data/proofs/ with the server-made `file`
-- name; the row keeps what the shopper sent and what the owner decided. Every upload is
-- kept (history); status: pending → accepted | rejected, or superseded by a newer upload.
CREATE TABLE payment_proofs (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    file         TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       BLOB NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
    reason       TEXT NOT NULL DEFAULT '',
    uploaded_at  INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   TEXT
) STRICT;
CREATE INDEX payment_proofs_order ON payment_proofs (order_id, uploaded_at);

-- Manual refunds the owner records (money already sent back outside the store).
CREATE TABLE refunds (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    note       TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX refunds_order ON refunds (order_id);

-- Every admin write: who, what, on what, a short before → after summary.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_target ON audit_log (target_type, at);

-- The checkout funnel: started → placed → paid, and guest sign-in links sent → used.
CREATE TABLE funnel_events (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('checkout_started', 'order_placed', 'order_paid',
             'signin_link_sent', 'signin_link_used')),
    subject  TEXT NOT NULL DEFAULT '',
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX funnel_events_kind ON funnel_events (kind, at);
CREATE INDEX funnel_events_subject ON funnel_events (subject, kind);

-- The admin dashboard (src/shop/reports.rs): covering indexes, so each figure reads one
-- index range and never the table rows.
CREATE INDEX orders_report ON orders (created_at, status, payment_status, total, refunded);
CREATE INDEX orders_cod_due ON orders (payment_method, payment_status, status, total);
CREATE INDEX order_lines_report ON order_lines (order_id, product_id, unit_price, quantity, returned);
CREATE INDEX funnel_events_report ON funnel_events (kind, at, subject);

-- The audit log page (src/shop/audit_list.rs): filter by who or by what, newest (id) first.
CREATE INDEX audit_log_actor_id ON audit_log (actor, id);
CREATE INDEX audit_log_target_id ON audit_log (target_type, id);
