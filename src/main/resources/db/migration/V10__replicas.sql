-- Several Kessai replicas on one database (docs/scaling.md). Nothing below is held in one JVM's memory.

-- Who is working on an order or a payment right now: the node that holds the lease. A request for the same
-- key at another replica waits for the lease (then finds the stored answer) instead of acting beside it.
-- The holder renews its leases while it lives; a killed holder's leases expire after kessai.cluster.lease-ms.
CREATE TABLE key_leases (
    lease_key  VARCHAR(100) NOT NULL PRIMARY KEY,
    owner      VARCHAR(100) NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX key_leases_owner ON key_leases (owner);

-- The outbox relays and inbox processors of all replicas claim rows before they work on them: a claimed row
-- (claimed_until in the future) is left to its claimant, renewed while the claimant lives.
ALTER TABLE outbox_events ADD COLUMN claimed_by VARCHAR(100);
ALTER TABLE outbox_events ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
CREATE INDEX outbox_events_claimed_by ON outbox_events (claimed_by);

ALTER TABLE webhook_inbox ADD COLUMN claimed_by VARCHAR(100);
ALTER TABLE webhook_inbox ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
CREATE INDEX webhook_inbox_claimed_by ON webhook_inbox (claimed_by);
