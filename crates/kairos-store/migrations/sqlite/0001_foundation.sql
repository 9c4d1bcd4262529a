-- Foundation schema: tenants and their event log, parties and credentials, customers and
-- identities, conversations and messages, idempotency records.
-- Ids are 16-byte UUIDs; times are microseconds since the Unix epoch (UTC).

CREATE TABLE tenants (
    id          BLOB PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE events (
    tenant_id   BLOB NOT NULL,
    seq         INTEGER NOT NULL,
    id          BLOB NOT NULL,
    at          INTEGER NOT NULL,
    type        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;

CREATE TABLE parties (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id),
    role          TEXT NOT NULL,
    email         TEXT,
    display_name  TEXT NOT NULL,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX parties_email ON parties (tenant_id, email) WHERE email IS NOT NULL;

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants(id),
    role         TEXT NOT NULL,
    party_id     BLOB,
    customer_id  BLOB,
    secret_hash  BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE sessions (
    secret_hash  BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants(id),
    party_id     BLOB NOT NULL REFERENCES parties(id),
    role         TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE customers (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id),
    display_name  TEXT,
    merged_into   BLOB,
    created_at    INTEGER NOT NULL
);
CREATE INDEX customers_tenant ON customers (tenant_id, id);

CREATE TABLE identities (
    tenant_id    BLOB NOT NULL,
    kind         TEXT NOT NULL,
    network      TEXT NOT NULL,
    value        TEXT NOT NULL,
    customer_id  BLOB NOT NULL REFERENCES customers(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, network, value)
) WITHOUT ROWID;
CREATE INDEX identities_customer ON identities (customer_id);

CREATE TABLE conversations (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants(id),
    customer_id   BLOB NOT NULL REFERENCES customers(id),
    status        TEXT NOT NULL,
    priority      TEXT NOT NULL,
    assignee      BLOB,
    tags          TEXT NOT NULL,
    channel_mask  INTEGER NOT NULL,
    last_channel  TEXT NOT NULL,
    subject       TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_tenant ON conversations (tenant_id, id);
CREATE INDEX conversations_status ON conversations (tenant_id, status, id);
CREATE INDEX conversations_assignee ON conversations (tenant_id, assignee, id);
CREATE INDEX conversations_customer ON conversations (tenant_id, customer_id, id);

CREATE TABLE messages (
    id               BLOB PRIMARY KEY,
    tenant_id        BLOB NOT NULL,
    conversation_id  BLOB NOT NULL REFERENCES conversations(id),
    seq              INTEGER NOT NULL,
    direction        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    author           TEXT NOT NULL,
    subject          TEXT,
    body_text        TEXT NOT NULL,
    body_html        TEXT,
    attachments      TEXT NOT NULL,
    external_id      TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);
CREATE UNIQUE INDEX messages_external ON messages (tenant_id, channel, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    tenant_id     BLOB NOT NULL,
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  BLOB NOT NULL,
    status        INTEGER,
    response      TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
) WITHOUT ROWID;
