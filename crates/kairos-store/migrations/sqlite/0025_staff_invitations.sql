-- Staff invitations (docs/ui.md): an admin invites someone by e-mail; the link in the mail
-- lets them choose a password once, within 72 hours. Credentials, so beside the log and
-- never on it; only the SHA-256 of the link's secret is stored. Accepting creates the party
-- (`party.created` on the log) and marks the row used in the same transaction.
CREATE TABLE staff_invitations (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id),
    secret_hash   BLOB NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    language      TEXT NOT NULL,
    invited_by    BLOB,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX staff_invitations_tenant ON staff_invitations (tenant_id, email);
