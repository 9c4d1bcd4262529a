-- Reference data from feeds (flight status, traffic): events about no person, accepted only
-- for the types a tenant allows from feeds, kept for look-back (`was … of any subject`) and
-- dropped by the context-event retention schedule.
CREATE TABLE reference_events (
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    event_id        TEXT NOT NULL,
    feed            TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    place           TEXT,
    at              INTEGER NOT NULL,
    attributes      TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX reference_events_at ON reference_events (tenant_id, at);

-- Firings the anticipation runtime executed, by their stable key: a replay after a restart
-- or a redelivered event never sends the same message twice. `match_key` groups the actions
-- of one match (they share the conversation they write to). Personal: erased with the person.
CREATE TABLE anticipation_firings (
    tenant_id       BLOB NOT NULL REFERENCES tenants(id),
    firing_key      TEXT NOT NULL,
    match_key       TEXT NOT NULL,
    customer_id     BLOB NOT NULL,
    rule            TEXT NOT NULL,
    rule_version    INTEGER NOT NULL,
    action          TEXT NOT NULL,
    conversation_id BLOB,
    fired_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, firing_key)
);
CREATE INDEX anticipation_firings_match ON anticipation_firings (tenant_id, match_key);
CREATE INDEX anticipation_firings_customer ON anticipation_firings (customer_id);
