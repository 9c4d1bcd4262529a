-- IMAP mailboxes Kairos imports mail from, with the position reached: a message is imported
-- once per (UIDVALIDITY, UID); a changed UIDVALIDITY rescans (the mail's de-duplication key
-- keeps that from storing anything twice).
CREATE TABLE imap_accounts (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants(id),
    host           TEXT NOT NULL,
    port           BIGINT NOT NULL,
    security       TEXT NOT NULL,
    username       TEXT NOT NULL,
    password       TEXT NOT NULL,
    mailbox        TEXT NOT NULL,
    uid_validity   BIGINT,
    last_uid       BIGINT NOT NULL DEFAULT 0,
    last_polled_at BIGINT,
    last_error     TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX imap_accounts_tenant ON imap_accounts (tenant_id);
