-- Migration 7: shipments.
--
-- An order has at most one shipment: sent with Shiprocket (the outbox job creates the
-- courier order, assigns the AWB, makes the label, books the pickup and the manifest, one
-- recorded step at a time, so a retry resumes where the last attempt stopped), or shipped
-- by hand with a carrier and a tracking number. `state` is ours, mapped from the courier's
-- status codes and moved forward only (a late or repeated update never takes a parcel
-- back); the order follows it in the same write (shipped, delivered, returned).
-- `attention` is why the owner must look (a courier refusal in words, or the retries ran
-- out); empty when nothing is wrong. The orders table keeps carrier / tracking_number /
-- tracking_url as the shopper-facing summary, written with the shipment.
CREATE TABLE shipments (
    id                 INTEGER PRIMARY KEY,
    order_id           INTEGER NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
    provider           TEXT NOT NULL CHECK (provider IN ('shiprocket', 'manual')),
    state              TEXT NOT NULL CHECK (state IN ('creating', 'awaiting_pickup',
                       'in_transit', 'out_for_delivery', 'delivery_failed', 'delivered',
                       'returning', 'returned', 'cancelled', 'lost')),
    -- Shiprocket: the next step to run ('create', 'awb', 'label', 'pickup', 'manifest')
    -- or 'done'. Manual shipments are always 'done'.
    step               TEXT NOT NULL DEFAULT 'done' CHECK (step IN ('create', 'awb',
                       'label', 'pickup', 'manifest', 'done')),
    carrier            TEXT NOT NULL DEFAULT '',
    awb                TEXT NOT NULL DEFAULT '',
    tracking_url       TEXT NOT NULL DEFAULT '',
    remote_order_id    INTEGER,
    remote_shipment_id INTEGER,
    label_url          TEXT NOT NULL DEFAULT '',
    manifest_url       TEXT NOT NULL DEFAULT '',
    pickup_date        TEXT NOT NULL DEFAULT '',
    -- Expected delivery date as the courier wrote it (IST, no offset).
    edd                TEXT NOT NULL DEFAULT '',
    attention          TEXT NOT NULL DEFAULT '',
    -- The courier's status code and text of the last update applied (for the owner).
    last_status        TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX shipments_awb ON shipments (awb) WHERE awb <> '';
CREATE INDEX shipments_state ON shipments (state, updated_at);

-- The parcel's journey as the shopper reads it on the tracking page: one row per courier
-- scan or status update (and the owner's manual steps). `dedup` is a hash of what makes
-- an update distinct (the courier sends no event id), so a repeated one adds nothing.
CREATE TABLE shipment_events (
    id          INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    -- When it happened, as the courier wrote it (IST), or '' for our own steps.
    happened    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    activity    TEXT NOT NULL,
    location    TEXT NOT NULL DEFAULT '',
    dedup       TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX shipment_events_shipment ON shipment_events (shipment_id, id);

-- Every tracking webhook delivery, whatever became of it (bad token, malformed, unknown
-- AWB, duplicate, applied), for the owner's shipments page; pruned like gateway_events.
CREATE TABLE courier_deliveries (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    token_ok    INTEGER NOT NULL CHECK (token_ok IN (0, 1)),
    awb         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    duplicate   INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
    outcome     TEXT NOT NULL,
    order_id    INTEGER REFERENCES orders(id) ON DELETE SET NULL,
    payload     TEXT NOT NULL
) STRICT;
CREATE INDEX courier_deliveries_received ON courier_deliveries (received_at);
