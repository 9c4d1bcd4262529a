-- Foundation schema: tenants and their event log, parties and credentials, customers and
-- identities, conversations and messages, idempotency records.
-- Ids are UUIDs; times are microseconds since the Unix epoch (UTC).

CREATE TABLE tenants (
    id          UUID PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE events (
    tenant_id   UUID NOT NULL,
    seq         BIGINT NOT NULL,
    id          UUID NOT NULL,
    at          BIGINT NOT NULL,
    type        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE parties (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    role          TEXT NOT NULL,
    email         TEXT,
    display_name  TEXT NOT NULL,
    password_hash TEXT,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX parties_email ON parties (tenant_id, email) WHERE email IS NOT NULL;

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    role         TEXT NOT NULL,
    party_id     UUID,
    customer_id  UUID,
    secret_hash  BYTEA NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE TABLE sessions (
    secret_hash  BYTEA PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    party_id     UUID NOT NULL REFERENCES parties(id),
    role         TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

CREATE TABLE customers (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    display_name  TEXT,
    merged_into   UUID,
    created_at    BIGINT NOT NULL
);
CREATE INDEX customers_tenant ON customers (tenant_id, id);

CREATE TABLE identities (
    tenant_id    UUID NOT NULL,
    kind         TEXT NOT NULL,
    network      TEXT NOT NULL,
    value        TEXT NOT NULL,
    customer_id  UUID NOT NULL REFERENCES customers(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, network, value)
);
CREATE INDEX identities_customer ON identities (customer_id);

CREATE TABLE conversations (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    customer_id   UUID NOT NULL REFERENCES customers(id),
    status        TEXT NOT NULL,
    priority      TEXT NOT NULL,
    assignee      UUID,
    tags          TEXT NOT NULL,
    channel_mask  BIGINT NOT NULL,
    last_channel  TEXT NOT NULL,
    subject       TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX conversations_tenant ON conversations (tenant_id, id);
CREATE INDEX conversations_status ON conversations (tenant_id, status, id);
CREATE INDEX conversations_assignee ON conversations (tenant_id, assignee, id);
CREATE INDEX conversations_customer ON conversations (tenant_id, customer_id, id);

CREATE TABLE messages (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL,
    conversation_id  UUID NOT NULL REFERENCES conversations(id),
    seq              BIGINT NOT NULL,
    direction        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    author           TEXT NOT NULL,
    subject          TEXT,
    body_text        TEXT NOT NULL,
    body_html        TEXT,
    attachments      TEXT NOT NULL,
    external_id      TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_external ON messages (tenant_id, channel, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    tenant_id     UUID NOT NULL,
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  BYTEA NOT NULL,
    status        BIGINT,
    response      TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);
