-- The customer portal (docs/ui.md): sign-in links and customer sessions. Credentials, so
-- beside the log and never on it; only the SHA-256 of each secret is stored. A link row
-- stays (marked used) until its 15-minute window has passed, so requests per address and
-- per client can be counted; then it is purged.
CREATE TABLE portal_links (
    secret_hash  BYTEA PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    email        TEXT NOT NULL,
    client_mark  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX portal_links_email ON portal_links (tenant_id, email, created_at);
CREATE INDEX portal_links_client ON portal_links (tenant_id, client_mark, created_at);

CREATE TABLE portal_sessions (
    secret_hash  BYTEA PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    customer_id  UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX portal_sessions_customer ON portal_sessions (customer_id);
