-- A lease on a revealing round: the process that reconciles it writes its name and an expiry,
-- renews it while it works and clears it when the round closes. Another process takes the
-- round only once the lease has expired (its holder died), so two processes never reconcile the
-- same round at once.
ALTER TABLE rounds ADD COLUMN reveal_owner TEXT;
ALTER TABLE rounds ADD COLUMN reveal_lease_until BIGINT;
