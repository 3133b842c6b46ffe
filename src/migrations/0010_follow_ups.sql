-- Migration 10: the mails that bring shoppers back, and what each address agreed to.
--
-- mail_prefs: one row per address the store may write to beyond its orders. marketing = 1
-- only after the shopper ticked the box at checkout or in the account; a one-click
-- unsubscribe (RFC 8058) sets unsubscribed_at, which also stops back-in-stock alerts.
-- Transactional mail (orders, sign-in, shipping) never looks here.
CREATE TABLE mail_prefs (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    marketing       INTEGER NOT NULL DEFAULT 0 CHECK (marketing IN (0, 1)),
    -- Where the last choice was made: checkout, account, unsubscribe, alert.
    source          TEXT NOT NULL DEFAULT '',
    unsubscribed_at INTEGER,
    updated_at      INTEGER NOT NULL
) STRICT;

-- "Email me when it is back": asked for a sold-out variant, confirmed by the link mailed
-- to the address (only the token's hash is kept), told once when stock returns.
CREATE TABLE stock_alerts (
    id           INTEGER PRIMARY KEY,
    variant_id   INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    email        TEXT NOT NULL COLLATE NOCASE,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    notified_at  INTEGER,
    UNIQUE (variant_id, email)
) STRICT;
CREATE INDEX stock_alerts_waiting ON stock_alerts (variant_id)
    WHERE confirmed_at IS NOT NULL AND notified_at IS NULL;
CREATE INDEX stock_alerts_email ON stock_alerts (email);

-- The lowest price a wisher has seen for the product (when saving it, or in the last
-- price-drop mail): a drop below it is news, a rise and fall back is not.
ALTER TABLE wishlist_items ADD COLUMN price_seen INTEGER;

-- Products shoppers run out of (food, skincare): a reorder reminder after delivery.
ALTER TABLE products ADD COLUMN consumable INTEGER NOT NULL DEFAULT 0 CHECK (consumable IN (0, 1));

-- The link a follow-up mail carried that filled this bag: an order placed from the bag is
-- counted as brought back by that mail.
ALTER TABLE carts ADD COLUMN came_from INTEGER;

-- Follow-ups waiting for their time: an abandoned checkout (ref cart/<id>, pushed back
-- while the shopper is still typing, removed when the order is placed) and a reorder
-- reminder (ref order/<id>, due N days after delivery).
CREATE TABLE follow_ups (
    id         INTEGER PRIMARY KEY,
    flow       TEXT NOT NULL CHECK (flow IN ('abandoned_checkout', 'reorder')),
    ref        TEXT NOT NULL,
    email      TEXT NOT NULL COLLATE NOCASE,
    created_at INTEGER NOT NULL,
    due_at     INTEGER NOT NULL,
    UNIQUE (flow, ref)
) STRICT;
CREATE INDEX follow_ups_due ON follow_ups (due_at);

-- Every follow-up mail sent or passed over, once per (flow, what it is about, address):
-- the admin's record of what each flow sent and brought back. token_hash is the hash of
-- the mail's link; lines are the (variant, quantity) pairs the link puts in the bag.
CREATE TABLE flow_sends (
    id         INTEGER PRIMARY KEY,
    flow       TEXT NOT NULL CHECK (flow IN ('back_in_stock', 'price_drop', 'abandoned_checkout', 'reorder')),
    ref        TEXT NOT NULL,
    email      TEXT NOT NULL COLLATE NOCASE,
    status     TEXT NOT NULL CHECK (status IN ('sent', 'skipped')),
    reason     TEXT NOT NULL DEFAULT '',
    token_hash BLOB UNIQUE,
    lines      TEXT NOT NULL DEFAULT '[]',
    target     TEXT NOT NULL DEFAULT '/',
    at         INTEGER NOT NULL,
    clicked_at INTEGER,
    order_id   INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    UNIQUE (flow, ref, email)
) STRICT;
CREATE INDEX flow_sends_email ON flow_sends (email, at);
CREATE INDEX flow_sends_flow ON flow_sends (flow, at);

-- Products whose wishlist rows must be re-derived (price, stock, title or picture
-- changed); the sweep refreshes wishlist_view from them. Only products someone saved.
CREATE TABLE wishlist_dirty (product_id INTEGER PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TRIGGER wishlist_dirty_variant AFTER UPDATE OF price, compare_at_price, stock, archived ON variants
WHEN EXISTS (SELECT 1 FROM wishlist_items WHERE product_id = NEW.product_id)
BEGIN INSERT OR IGNORE INTO wishlist_dirty (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER wishlist_dirty_product AFTER UPDATE OF title, slug, status ON products
WHEN EXISTS (SELECT 1 FROM wishlist_items WHERE product_id = NEW.id)
BEGIN INSERT OR IGNORE INTO wishlist_dirty (product_id) VALUES (NEW.id); END;
CREATE TRIGGER wishlist_dirty_image AFTER INSERT ON product_images
WHEN EXISTS (SELECT 1 FROM wishlist_items WHERE product_id = NEW.product_id)
BEGIN INSERT OR IGNORE INTO wishlist_dirty (product_id) VALUES (NEW.product_id); END;
