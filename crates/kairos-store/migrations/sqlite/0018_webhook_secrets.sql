-- Webhook secrets: what a tenant's `webhook … secret "NAME"` actions are signed with. The
-- secret itself is stored because signing needs it (a hash would not do); encrypting it at
-- rest is an open follow-up. The log records only that a name changed, never the value.
CREATE TABLE webhook_secrets (
    tenant_id  BLOB NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
