-- The RFC 5322 Message-IDs of the mail behind each e-mail message, so replies carry
-- In-Reply-To/References that the customer's mail program threads.
CREATE TABLE mail_message_ids (
    message_id      UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    conversation_id UUID NOT NULL,
    rfc_id          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX mail_message_ids_conversation ON mail_message_ids (conversation_id, created_at);
