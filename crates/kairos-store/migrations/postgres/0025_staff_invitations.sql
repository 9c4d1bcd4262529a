-- Staff invitations (docs/ui.md): an admin invites someone by e-mail; the link in the mail
-- lets them choose a password once, within 72 hours. Credentials, so beside the log and
-- never on it; only the SHA-256 of the link's secret is stored. Accepting creates the party
-- (`party.created` on the log) and marks the row used in the same transaction.
CREATE TABLE staff_invitations (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    secret_hash   BYTEA NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    language      TEXT NOT NULL,
    invited_by    UUID,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX staff_invitations_tenant ON staff_invitations (tenant_id, email);
