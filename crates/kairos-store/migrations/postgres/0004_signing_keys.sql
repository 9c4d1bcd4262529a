-- Server-wide secrets for signing tokens (visitor tokens, e-mail thread tokens): created once,
-- shared by every Kairos instance on this database, never on the event log.
CREATE TABLE signing_keys (
    name TEXT PRIMARY KEY,
    key BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
