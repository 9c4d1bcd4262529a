-- The RFC 5322 Message-IDs of the mail behind each e-mail message, so replies carry
-- In-Reply-To/References that the customer's mail program threads.
CREATE TABLE mail_message_ids (
    message_id      BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    conversation_id BLOB NOT NULL,
    rfc_id          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX mail_message_ids_conversation ON mail_message_ids (conversation_id, created_at);
