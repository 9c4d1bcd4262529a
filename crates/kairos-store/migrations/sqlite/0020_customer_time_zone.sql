-- Customers' time zone (`customer.time_zone` events): anticipation's quiet hours count in it.
ALTER TABLE customers ADD COLUMN time_zone TEXT;
