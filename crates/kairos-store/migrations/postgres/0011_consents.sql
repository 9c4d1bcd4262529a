-- Consent records (`consent.recorded` events): immutable grants and withdrawals per customer
-- and purpose, with the Kantara v1.1 / ISO 27560 elements. The standing consent for a
-- purpose is the newest record.
CREATE TABLE consent_records (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    customer_id     UUID NOT NULL,
    purpose         TEXT NOT NULL,
    record          TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX consent_records_customer ON consent_records (customer_id, purpose, at);
