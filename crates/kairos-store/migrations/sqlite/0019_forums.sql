-- Forums (forum.* events): each thread, with its replies, is one JSON document beside the
-- columns lists filter on (so a page's offset counts what the reader may see); the flows
-- in src/forum.rs write both in the same transaction as the event. Threads live in the
-- knowledge base's categories.
CREATE TABLE forum_threads (
    id                BLOB PRIMARY KEY,
    tenant_id         BLOB NOT NULL REFERENCES tenants(id),
    category_id       BLOB NOT NULL,
    hidden            INTEGER NOT NULL,
    public            INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL,
    doc               TEXT NOT NULL
);
CREATE INDEX forum_threads_activity ON forum_threads (tenant_id, last_activity_at);
CREATE INDEX forum_threads_category ON forum_threads (tenant_id, category_id, last_activity_at);
-- Which customers wrote in which thread: erasure and the privacy export find a person's
-- posts here without reading every thread.
CREATE TABLE forum_authors (
    tenant_id         BLOB NOT NULL REFERENCES tenants(id),
    thread_id         BLOB NOT NULL,
    customer_id       BLOB NOT NULL,
    PRIMARY KEY (thread_id, customer_id)
);
CREATE INDEX forum_authors_customer ON forum_authors (tenant_id, customer_id);
