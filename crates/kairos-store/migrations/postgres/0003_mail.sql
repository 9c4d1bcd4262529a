-- E-mail channel: the support addresses each tenant receives mail for, the outbox of mail
-- waiting for the relay, and when each sender last got an automatic reply (RFC 3834).
-- Configuration and delivery bookkeeping live beside the log; the messages are on it.
CREATE TABLE mail_addresses (
    address    TEXT PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_addresses_tenant ON mail_addresses (tenant_id);

CREATE TABLE mail_outbox (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    message_id      UUID,
    mail_from       TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    raw             BYTEA NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    done_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE UNIQUE INDEX mail_outbox_message ON mail_outbox (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE mail_auto_replies (
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    address     TEXT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, address)
);
