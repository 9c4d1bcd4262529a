-- Files sent in a chat (docs/live-chat.md#files): uploaded on their own, then attached to a
-- message by id. A row says who may attach the file (`device:…`, `customer:…`,
-- `party:…`); the bytes live in the blob store under `sha256`. Rows older than a day are
-- purged, and their blobs deleted unless a message or an article names them.
CREATE TABLE chat_uploads (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    uploader      TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX chat_uploads_uploader ON chat_uploads (tenant_id, uploader, created_at);
CREATE INDEX chat_uploads_created ON chat_uploads (tenant_id, created_at);
CREATE INDEX chat_uploads_sha ON chat_uploads (sha256);
