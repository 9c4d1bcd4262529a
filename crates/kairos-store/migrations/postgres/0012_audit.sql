-- The audit trail: staff reads of personal data and admin changes, per tenant, append-only
-- and hash-chained (each row's hash covers its fields and the previous row's hash), so an
-- edited, inserted or deleted row breaks the chain (`kairos audit verify`).
CREATE TABLE audit_log (
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    customer_id  UUID,
    source       TEXT,
    status       INTEGER NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_customer ON audit_log (tenant_id, customer_id, seq) WHERE customer_id IS NOT NULL;

-- Defence in depth: the application never updates or deletes audit rows.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
