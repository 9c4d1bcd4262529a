-- Customers' service tier (`customer.tier` events); SLA policies can depend on it.
ALTER TABLE customers ADD COLUMN tier TEXT;
