-- Restriction and objection (Art. 18, 21, 22): what a person has excluded themself from.
-- Checked inside the transactions that match events and execute firings. Personal: erased
-- with the person; a merge keeps the restrictions of both records.
CREATE TABLE restrictions (
    tenant_id   BLOB NOT NULL REFERENCES tenants(id),
    customer_id BLOB NOT NULL,
    profiling   INTEGER NOT NULL,
    proactive   INTEGER NOT NULL,
    automation  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, customer_id)
);

-- Automated decisions explained to the person and reviewed by a human: the firing's text and
-- reasons, and where its review stands.
ALTER TABLE anticipation_firings ADD COLUMN text TEXT;
ALTER TABLE anticipation_firings ADD COLUMN explanation TEXT NOT NULL DEFAULT '[]';
ALTER TABLE anticipation_firings ADD COLUMN review_status TEXT;
ALTER TABLE anticipation_firings ADD COLUMN review_note TEXT;
