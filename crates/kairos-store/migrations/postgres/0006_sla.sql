-- Tenant settings (one JSON document per key, changed through `setting.changed` events),
-- SLA clocks projected from `sla.clock` / `sla.breached` events, and the positions of log
-- consumers (the SLA worker) that write back to the log.

CREATE TABLE tenant_settings (
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE sla_clocks (
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    conversation_id UUID NOT NULL,
    metric          TEXT NOT NULL,
    state           TEXT NOT NULL,
    due_at          BIGINT,
    breached        BOOLEAN NOT NULL,
    clock           TEXT NOT NULL,
    PRIMARY KEY (conversation_id, metric)
);
CREATE INDEX sla_clocks_running ON sla_clocks (due_at) WHERE state = 'running' AND NOT breached;

CREATE TABLE consumer_cursors (
    consumer    TEXT NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    seq         BIGINT NOT NULL,
    PRIMARY KEY (consumer, tenant_id)
);
