-- Migration 5: card payments through a gateway (Razorpay, Stripe).
--
-- gateway_payments: one row per attempt to take an order's money through a gateway — a
-- Razorpay order (`order_…`) or a Stripe Checkout Session (`cs_…`), `remote_id`. It is
-- written `creating` in the checkout's transaction (with the order and its held stock),
-- and the gateway call that makes the remote object runs afterwards from the outbox, so a
-- gateway outage never loses or blocks an order. Whoever learns of a capture first — the
-- webhook, the shopper's browser coming back, the owner's re-check — moves it to
-- `captured` through the same service function; a second one finds it captured and
-- changes nothing. `mismatch`: the gateway captured an amount or currency other than the
-- order's (the order is flagged, not marked paid). `late`: captured for an order that was
-- already cancelled or expired, and the stock was gone (refunded through the gateway).
CREATE TABLE gateway_payments (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    gateway         TEXT NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    remote_id       TEXT UNIQUE,
    checkout_url    TEXT,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'creating'
                    CHECK (status IN ('creating', 'open', 'captured', 'failed', 'expired', 'mismatch', 'late')),
    payment_id      TEXT,
    captured_amount INTEGER,
    captured_currency TEXT,
    captured_by     TEXT,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (order_id, attempt)
) STRICT;
CREATE INDEX gateway_payments_order ON gateway_payments (order_id);
CREATE INDEX gateway_payments_status ON gateway_payments (status, updated_at);

-- Every webhook delivery as it arrived, for the owner's /admin/payments: when, which
-- gateway, the event id and type, whether the signature held, whether it was a repeat of
-- an event already handled, what it did, the order it touched and the raw body (cut at
-- 64 KiB). The first delivery of an event id with a valid signature is the one that acts
-- (the partial unique index makes a second one impossible even under concurrency); later
-- ones are logged with duplicate = 1 and change nothing. Deliveries with a bad signature
-- are logged too (nothing else is written for them) and the oldest are pruned so a flood
-- cannot fill the disk.
CREATE TABLE gateway_events (
    id           INTEGER PRIMARY KEY,
    gateway      TEXT NOT NULL CHECK (gateway IN ('razorpay', 'stripe')),
    event_id     TEXT,
    event_type   TEXT NOT NULL DEFAULT '',
    received_at  INTEGER NOT NULL,
    signature_ok INTEGER NOT NULL CHECK (signature_ok IN (0, 1)),
    duplicate    INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    outcome      TEXT NOT NULL,
    order_id     INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    payload      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX gateway_events_once ON gateway_events (gateway, event_id)
    WHERE signature_ok = 1 AND duplicate = 0;
CREATE INDEX gateway_events_received ON gateway_events (received_at);
CREATE INDEX gateway_events_order ON gateway_events (order_id);
