-- Canned replies: texts agents insert into the composer, with placeholders filled in per
-- conversation (validated in kairos_core::canned when saved). Staff deactivation: a
-- deactivated party keeps its row (its name stays on conversations and the log) but can no
-- longer sign in.
CREATE TABLE canned_replies (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  UUID
);
CREATE UNIQUE INDEX canned_replies_title ON canned_replies (tenant_id, title);

ALTER TABLE parties ADD COLUMN deactivated_at BIGINT;
