-- Migration 9: the wishlist, as a canonical write and a projection.
--
-- wishlist_items is the truth: who saved which product (a signed-in customer, or a guest's
-- session until they sign in and it moves to their account). Every add or remove also
-- queues a projection event in the same transaction; the projector keeps wishlist_view —
-- what the wishlist page reads: title, link, picture, price, availability — and records
-- each event id it applied in projected_events, so a replayed event changes nothing.
-- `boutique rebuild wishlist` rebuilds the view from the canonical rows and says what
-- differed. owner is 'c:<customer id>' or 's:<session id>'.
CREATE TABLE wishlist_items (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    CHECK ((customer_id IS NULL) <> (session_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX wishlist_customer ON wishlist_items (customer_id, product_id) WHERE customer_id IS NOT NULL;
CREATE UNIQUE INDEX wishlist_session ON wishlist_items (session_id, product_id) WHERE session_id IS NOT NULL;
CREATE INDEX wishlist_product ON wishlist_items (product_id);

CREATE TABLE wishlist_view (
    owner      TEXT NOT NULL,
    product_id INTEGER NOT NULL,
    slug       TEXT NOT NULL,
    title      TEXT NOT NULL,
    image_hash TEXT,
    price      INTEGER NOT NULL,
    compare_at INTEGER,
    in_stock   INTEGER NOT NULL CHECK (in_stock IN (0, 1)),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (owner, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE projected_events (
    event_id   TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
