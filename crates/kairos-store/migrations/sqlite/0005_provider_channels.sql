-- Provider channels (Twilio, Telegram, Meta): their settings with secrets, the webhook inbox
-- (queue and de-duplication store of verified events, H02/H05), which provider channel and
-- recipient a conversation's customer writes through, the outbox of replies to send through
-- providers, and the best delivery status seen per sent message (H03). All beside the log.
CREATE TABLE provider_channels (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants(id),
    provider   TEXT NOT NULL CHECK (provider IN ('twilio', 'telegram', 'meta')),
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX provider_channels_tenant ON provider_channels (tenant_id);

CREATE TABLE webhook_inbox (
    provider_channel_id BLOB NOT NULL,
    provider_event_id   TEXT NOT NULL,
    received_at         INTEGER NOT NULL,
    payload             BLOB NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    last_error          TEXT,
    done_at             INTEGER,
    PRIMARY KEY (provider_channel_id, provider_event_id)
);
CREATE INDEX webhook_inbox_due ON webhook_inbox (state, next_attempt_at);

CREATE TABLE provider_routes (
    tenant_id           BLOB NOT NULL,
    conversation_id     BLOB NOT NULL,
    provider_channel_id BLOB NOT NULL,
    recipient           TEXT NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);

CREATE TABLE provider_outbox (
    message_id          BLOB PRIMARY KEY,
    tenant_id           BLOB NOT NULL,
    provider_channel_id BLOB NOT NULL,
    recipient           TEXT NOT NULL,
    text                TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    last_error          TEXT,
    external_id         TEXT,
    created_at          INTEGER NOT NULL,
    done_at             INTEGER
);
CREATE INDEX provider_outbox_due ON provider_outbox (state, next_attempt_at);

CREATE TABLE provider_receipts (
    provider_channel_id BLOB NOT NULL,
    external_id         TEXT NOT NULL,
    status              TEXT NOT NULL,
    status_rank INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (provider_channel_id, external_id)
);
