-- Knowledge base (kb.* events). Each article and revision is stored as its JSON document
-- beside the columns lists filter on; the flows in src/knowledge.rs write both in the same
-- transaction as the event.
CREATE TABLE kb_categories (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, slug)
);
CREATE TABLE kb_articles (
    id                BLOB PRIMARY KEY,
    tenant_id         BLOB NOT NULL REFERENCES tenants(id),
    category_id       BLOB NOT NULL,
    translation_group BLOB NOT NULL,
    language          TEXT NOT NULL,
    doc               TEXT NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (tenant_id, translation_group, language)
);
CREATE INDEX kb_articles_category ON kb_articles (tenant_id, category_id);
CREATE TABLE kb_revisions (
    article_id      BLOB NOT NULL,
    number          INTEGER NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    doc             TEXT NOT NULL,
    PRIMARY KEY (article_id, number)
);
-- One row per counted "did this help?" answer: voter is a keyed hash (customer, or
-- anonymous address and day), so repeats are not counted twice.
CREATE TABLE kb_votes (
    article_id      BLOB NOT NULL,
    voter           TEXT NOT NULL,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    at              INTEGER NOT NULL,
    PRIMARY KEY (article_id, voter)
);
CREATE TABLE kb_partner_grants (
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    party_id        BLOB NOT NULL,
    category_id     BLOB NOT NULL,
    PRIMARY KEY (tenant_id, party_id, category_id)
);
