-- Migration 13: the dashboard reads daily sums instead of scanning 30 days of orders.
--
-- report_days holds the local midnights of the store's zone (`[store] time_zone`), written
-- by the app (admin_data::reports::ensure_days), which also rebuilds the three sums below
-- from scratch whenever the zone changes. The triggers keep the sums current on every
-- write after that, inside the same transaction, so they can never disagree with the rows
-- they sum (a test compares them with a rebuild after random changes). Day 0 collects
-- anything before the first midnight in the table.
--
-- Counted: revenue counts when the payment is not 'unpaid' and the order not cancelled
-- (the dashboard's definitions, reports.rs); the sums keep status and that flag apart so
-- the dashboard can apply them.
CREATE TABLE report_days (start INTEGER PRIMARY KEY) STRICT;

CREATE TABLE order_days (
    day     INTEGER NOT NULL,
    status  TEXT NOT NULL,
    counted INTEGER NOT NULL,
    orders  INTEGER NOT NULL,
    revenue INTEGER NOT NULL,
    PRIMARY KEY (day, status, counted)
) STRICT, WITHOUT ROWID;

-- product_id 0: lines without a product (deleted before this migration).
CREATE TABLE product_days (
    day        INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    units      INTEGER NOT NULL,
    revenue    INTEGER NOT NULL,
    PRIMARY KEY (day, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE funnel_days (
    day  INTEGER NOT NULL,
    kind TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER order_days_insert AFTER INSERT ON orders
BEGIN
    INSERT INTO order_days (day, status, counted, orders, revenue)
    VALUES (coalesce((SELECT max(start) FROM report_days WHERE start <= NEW.created_at), 0),
            NEW.status, NEW.payment_status <> 'unpaid', 1, NEW.total - NEW.refunded)
    ON CONFLICT (day, status, counted) DO UPDATE
        SET orders = orders + 1, revenue = revenue + excluded.revenue;
END;

CREATE TRIGGER order_days_update AFTER UPDATE OF status, payment_status, total, refunded, created_at ON orders
BEGIN
    UPDATE order_days SET orders = orders - 1, revenue = revenue - (OLD.total - OLD.refunded)
    WHERE day = coalesce((SELECT max(start) FROM report_days WHERE start <= OLD.created_at), 0)
      AND status = OLD.status AND counted = (OLD.payment_status <> 'unpaid');
    INSERT INTO order_days (day, status, counted, orders, revenue)
    VALUES (coalesce((SELECT max(start) FROM report_days WHERE start <= NEW.created_at), 0),
            NEW.status, NEW.payment_status <> 'unpaid', 1, NEW.total - NEW.refunded)
    ON CONFLICT (day, status, counted) DO UPDATE
        SET orders = orders + 1, revenue = revenue + excluded.revenue;
END;

CREATE TRIGGER order_days_delete AFTER DELETE ON orders
BEGIN
    UPDATE order_days SET orders = orders - 1, revenue = revenue - (OLD.total - OLD.refunded)
    WHERE day = coalesce((SELECT max(start) FROM report_days WHERE start <= OLD.created_at), 0)
      AND status = OLD.status AND counted = (OLD.payment_status <> 'unpaid');
END;

-- A line counts while its order does; its value is unit_price x (quantity - returned).
CREATE TRIGGER product_days_line_insert AFTER INSERT ON order_lines
BEGIN
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0),
           coalesce(NEW.product_id, 0), NEW.quantity - NEW.returned,
           NEW.unit_price * (NEW.quantity - NEW.returned)
    FROM orders o
    WHERE o.id = NEW.order_id AND o.status <> 'cancelled' AND o.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
END;

CREATE TRIGGER product_days_line_update AFTER UPDATE OF order_id, product_id, unit_price, quantity, returned ON order_lines
BEGIN
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0),
           coalesce(OLD.product_id, 0), -(OLD.quantity - OLD.returned),
           -(OLD.unit_price * (OLD.quantity - OLD.returned))
    FROM orders o
    WHERE o.id = OLD.order_id AND o.status <> 'cancelled' AND o.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0),
           coalesce(NEW.product_id, 0), NEW.quantity - NEW.returned,
           NEW.unit_price * (NEW.quantity - NEW.returned)
    FROM orders o
    WHERE o.id = NEW.order_id AND o.status <> 'cancelled' AND o.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
END;

CREATE TRIGGER product_days_line_delete AFTER DELETE ON order_lines
BEGIN
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= o.created_at), 0),
           coalesce(OLD.product_id, 0), -(OLD.quantity - OLD.returned),
           -(OLD.unit_price * (OLD.quantity - OLD.returned))
    FROM orders o
    WHERE o.id = OLD.order_id AND o.status <> 'cancelled' AND o.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
END;

-- An order that starts or stops counting (paid, cancelled, refunded...) or moves day
-- takes all its lines with it.
CREATE TRIGGER product_days_order_update AFTER UPDATE OF status, payment_status, created_at ON orders
WHEN (OLD.status <> 'cancelled' AND OLD.payment_status <> 'unpaid')
         IS NOT (NEW.status <> 'cancelled' AND NEW.payment_status <> 'unpaid')
     OR OLD.created_at IS NOT NEW.created_at
BEGIN
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= OLD.created_at), 0),
           coalesce(l.product_id, 0), -(l.quantity - l.returned),
           -(l.unit_price * (l.quantity - l.returned))
    FROM order_lines l
    WHERE l.order_id = OLD.id AND OLD.status <> 'cancelled' AND OLD.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= NEW.created_at), 0),
           coalesce(l.product_id, 0), l.quantity - l.returned,
           l.unit_price * (l.quantity - l.returned)
    FROM order_lines l
    WHERE l.order_id = NEW.id AND NEW.status <> 'cancelled' AND NEW.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
END;

-- Before the order goes, while its lines are still there (their own delete trigger then
-- finds no order and adds nothing).
CREATE TRIGGER product_days_order_delete BEFORE DELETE ON orders
BEGIN
    INSERT INTO product_days (day, product_id, units, revenue)
    SELECT coalesce((SELECT max(start) FROM report_days WHERE start <= OLD.created_at), 0),
           coalesce(l.product_id, 0), -(l.quantity - l.returned),
           -(l.unit_price * (l.quantity - l.returned))
    FROM order_lines l
    WHERE l.order_id = OLD.id AND OLD.status <> 'cancelled' AND OLD.payment_status <> 'unpaid'
    ON CONFLICT (day, product_id) DO UPDATE
        SET units = units + excluded.units, revenue = revenue + excluded.revenue;
END;

CREATE TRIGGER funnel_days_insert AFTER INSERT ON funnel_events
BEGIN
    INSERT INTO funnel_days (day, kind, n)
    VALUES (coalesce((SELECT max(start) FROM report_days WHERE start <= NEW.at), 0), NEW.kind, 1)
    ON CONFLICT (day, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER funnel_days_delete AFTER DELETE ON funnel_events
BEGIN
    UPDATE funnel_days SET n = n - 1
    WHERE day = coalesce((SELECT max(start) FROM report_days WHERE start <= OLD.at), 0)
      AND kind = OLD.kind;
END;
