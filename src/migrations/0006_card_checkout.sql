-- Migration 6: paying for an order by card.
--
-- A card order keeps the shopper's bag until its payment is captured (an abandoned or
-- failed payment leaves the bag as it was), so orders remember the bag they came from
-- and what was in it: a shopper who comes back to checkout with the same bag while the
-- order waits for its payment gets that order again, not a second one; a changed bag or
-- another method replaces it (the old one is cancelled and its stock goes back).
ALTER TABLE orders ADD COLUMN cart_id INTEGER REFERENCES carts(id) ON DELETE SET NULL;
ALTER TABLE orders ADD COLUMN bag_hash TEXT;
CREATE INDEX orders_cart ON orders (cart_id) WHERE cart_id IS NOT NULL;

-- Refunds of card payments: the owner asks (or a late capture needs one), the outbox
-- sends it to the gateway with `idempotency_key` (a retry can never refund twice), and
-- the gateway's refund event — or its answer, whichever comes first — confirms it; only
-- then does the order's payment status change. `remote_id` is the gateway's refund id
-- (`rfnd_…` / `re_…`) once known.
CREATE TABLE gateway_refunds (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    gateway         TEXT NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
    payment_id      TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL DEFAULT '',
    -- 1: the order's refund is recorded when confirmed; 0: a late payment sent back (the
    -- order was never paid, nothing of it changes).
    applies         INTEGER NOT NULL DEFAULT 1 CHECK (applies IN (0, 1)),
    idempotency_key TEXT NOT NULL UNIQUE,
    remote_id       TEXT UNIQUE,
    status          TEXT NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'sent', 'confirmed', 'failed')),
    last_error      TEXT,
    requested_by    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX gateway_refunds_order ON gateway_refunds (order_id);
CREATE INDEX gateway_refunds_payment ON gateway_refunds (gateway, payment_id);

-- The built-in sandbox gateway's own records (mode = "sandbox"): what a real gateway
-- keeps on its side — the order/session made for an attempt, whether the pretend
-- shopper paid, failed or left, and pretend refunds. Nothing else reads them.
CREATE TABLE sandbox_objects (
    remote_id   TEXT PRIMARY KEY,
    gateway     TEXT NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    amount      INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'expired')),
    payment_id  TEXT,
    refunded    INTEGER NOT NULL DEFAULT 0,
    return_url  TEXT NOT NULL,
    cancel_url  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

-- A refund event can overtake the capture it refunds (events are not ordered). It is
-- then logged as deferred — not the event's first handling — and answered 409, so the
-- gateway delivers it again once the capture is recorded.
DROP INDEX gateway_events_once;
ALTER TABLE gateway_events ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0 CHECK (deferred IN (0, 1));
CREATE UNIQUE INDEX gateway_events_once ON gateway_events (gateway, event_id)
    WHERE signature_ok = 1 AND duplicate = 0 AND deferred = 0;
