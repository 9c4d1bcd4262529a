-- Context events (Wi-Fi logins, presence, bookings, …) that passed the consent check at the
-- door: stored only while the customer's consent covered `purpose` (checklist N12), unique per
-- tenant and event id so that redeliveries are stored once (I02). Part of the person's data:
-- exported and erased with them.
CREATE TABLE context_events (
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    event_id        TEXT NOT NULL,
    customer_id     UUID NOT NULL,
    event_type      TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    place           TEXT,
    at              BIGINT NOT NULL,
    attributes      TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX context_events_customer ON context_events (customer_id, at);
