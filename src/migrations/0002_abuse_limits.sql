-- Migration 2: what the order and mail abuse limits count ([limits] in store.toml).
-- Orders remember the client address that placed them, so the orders per address per
-- hour and the unpaid units per address are counted from the database and survive a
-- restart. Orders placed before this migration have '' (no address) and count for no one.
ALTER TABLE orders ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_client_ip ON orders (client_ip, created_at);
-- The mail cap counts an address's mails of the last hour.
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
