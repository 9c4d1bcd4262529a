-- The audit trail: staff reads of personal data and admin changes, per tenant, append-only
-- and hash-chained (each row's hash covers its fields and the previous row's hash), so an
-- edited, inserted or deleted row breaks the chain (`kairos audit verify`).
CREATE TABLE audit_log (
    tenant_id    BLOB NOT NULL REFERENCES tenants(id),
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT,
    customer_id  BLOB,
    source       TEXT,
    status       INTEGER NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
CREATE INDEX audit_log_customer ON audit_log (tenant_id, customer_id, seq) WHERE customer_id IS NOT NULL;

-- Defence in depth: the application never updates or deletes audit rows.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
