-- Consent records (`consent.recorded` events): immutable grants and withdrawals per customer
-- and purpose, with the Kantara v1.1 / ISO 27560 elements. The standing consent for a
-- purpose is the newest record.
CREATE TABLE consent_records (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    customer_id     BLOB NOT NULL,
    purpose         TEXT NOT NULL,
    record          TEXT NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX consent_records_customer ON consent_records (customer_id, purpose, at);
