-- Migration 8: verified reviews.
--
-- When an order is delivered each of its lines gets an invitation: a random token mailed
-- to the shopper and kept here only as its SHA-256, single use, expiring. A review belongs
-- to exactly one order line (one review per line), so every review is a verified
-- purchase. It keeps the product's title as it was bought, so a product deleted later
-- leaves the review (and its order link) standing. status: pending (waits for the owner),
-- published, hidden. Publishing or hiding changes what product pages show, so it bumps
-- the catalog version like any storefront change.
CREATE TABLE review_invites (
    id            INTEGER PRIMARY KEY,
    order_line_id INTEGER NOT NULL UNIQUE REFERENCES order_lines(id) ON DELETE CASCADE,
    token_hash    BLOB NOT NULL UNIQUE,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE reviews (
    id            INTEGER PRIMARY KEY,
    order_line_id INTEGER UNIQUE REFERENCES order_lines(id) ON DELETE SET NULL,
    order_id      INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    product_id    INTEGER REFERENCES products(id) ON DELETE SET NULL,
    product_title TEXT NOT NULL,
    author        TEXT NOT NULL,
    email         TEXT NOT NULL COLLATE NOCASE,
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body          TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'published', 'hidden')),
    -- One photo, judged by its bytes and made into the WebP set like catalog images.
    image_id      INTEGER REFERENCES images(id) ON DELETE SET NULL,
    reply         TEXT NOT NULL DEFAULT '',
    replied_at    INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX reviews_product ON reviews (product_id, status, created_at);
CREATE INDEX reviews_status ON reviews (status, created_at);
CREATE INDEX reviews_email ON reviews (email, created_at);

CREATE TRIGGER reviews_bump_insert AFTER INSERT ON reviews WHEN NEW.status = 'published'
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER reviews_bump_update AFTER UPDATE ON reviews
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER reviews_bump_delete AFTER DELETE ON reviews
BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
