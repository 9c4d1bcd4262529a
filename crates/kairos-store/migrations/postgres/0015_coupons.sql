-- Single-use coupons (`coupon.issued` / `coupon.redeemed` events). The redemption token is
-- never stored: only its SHA-256, unique across tenants because the public redemption URL
-- names no tenant. `firing_key` makes issuing idempotent per tenant.
CREATE TABLE coupons (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    customer_id     UUID NOT NULL,
    offer           TEXT NOT NULL,
    value_minor     BIGINT NOT NULL CHECK (value_minor >= 0),
    currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issued_at       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    token_hash      BYTEA NOT NULL UNIQUE,
    firing_key      TEXT NOT NULL,
    redeemed_at     BIGINT,
    redeemed_by     TEXT,
    UNIQUE (tenant_id, firing_key)
);
CREATE INDEX coupons_customer ON coupons (tenant_id, customer_id, issued_at);
