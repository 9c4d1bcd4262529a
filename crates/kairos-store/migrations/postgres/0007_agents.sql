-- Agents' routing profiles (skills, capacity), availability and last assignment, projected
-- from `agent.profile`, `agent.status` and assignment events.
CREATE TABLE agent_profiles (
    tenant_id        UUID NOT NULL REFERENCES tenants(id),
    party_id         UUID PRIMARY KEY,
    skills           TEXT NOT NULL,
    capacity         BIGINT NOT NULL,
    status           TEXT NOT NULL,
    last_assigned_at BIGINT
);
CREATE INDEX agent_profiles_tenant ON agent_profiles (tenant_id);
