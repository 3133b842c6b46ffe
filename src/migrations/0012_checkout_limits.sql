-- Migration 12: the checkout's abuse limits read a bounded number of rows.
--
-- The unpaid-units limit used to walk every order an address ever placed (the index was
-- (client_ip, created_at)) and look each one's payment up: a shop behind one proxy, or a
-- mobile network that puts thousands of shoppers behind one address, paid for its whole
-- history on every checkout. This partial index holds only the orders that still hold
-- unpaid units (the same condition as the query), so the walk covers those alone, and the
-- query stops once it has seen more than the limit (see shop/orders/checkout.rs).
CREATE INDEX orders_unpaid_ip ON orders (client_ip, pay_by)
WHERE payment_status = 'unpaid'
  AND status IN ('pending_payment', 'awaiting_verification', 'confirmed', 'processing');
