-- Single-use coupons (`coupon.issued` / `coupon.redeemed` events). The redemption token is
-- never stored: only its SHA-256, unique across tenants because the public redemption URL
-- names no tenant. `firing_key` makes issuing idempotent per tenant.
CREATE TABLE coupons (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    customer_id     BLOB NOT NULL,
    offer           TEXT NOT NULL,
    value_minor     INTEGER NOT NULL CHECK (value_minor >= 0),
    currency        TEXT NOT NULL CHECK (length(currency) = 3 AND currency = upper(currency)),
    issued_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    token_hash      BLOB NOT NULL UNIQUE,
    firing_key      TEXT NOT NULL,
    redeemed_at     INTEGER,
    redeemed_by     TEXT,
    UNIQUE (tenant_id, firing_key)
);
CREATE INDEX coupons_customer ON coupons (tenant_id, customer_id, issued_at);
