-- Agents' routing profiles (skills, capacity), availability and last assignment, projected
-- from `agent.profile`, `agent.status` and assignment events.
CREATE TABLE agent_profiles (
    tenant_id        BLOB NOT NULL REFERENCES tenants(id),
    party_id         BLOB PRIMARY KEY,
    skills           TEXT NOT NULL,
    capacity         INTEGER NOT NULL,
    status           TEXT NOT NULL,
    last_assigned_at INTEGER
);
CREATE INDEX agent_profiles_tenant ON agent_profiles (tenant_id);
