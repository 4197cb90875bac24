-- Issue 12: one owner for deployment state.
-- Optimistic version: every write of a deployment row bumps it, so a writer holding a stale copy fails instead of
-- overwriting another's move.
ALTER TABLE deployment ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- When DeploymentEnded was written to the outbox: exactly once per deployment.
ALTER TABLE deployment ADD COLUMN ended_announced_at TIMESTAMPTZ;
UPDATE deployment SET ended_announced_at = COALESCE(pod_terminated_at, ended_at, now())
    WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND (pod_id IS NULL OR pod_terminated_at IS NOT NULL);
-- When the reaper last judged the deployment against the provider's view of its pod; the sweep takes the
-- longest-unchecked first, so every live deployment is judged however many there are.
ALTER TABLE deployment ADD COLUMN reaped_at TIMESTAMPTZ;
CREATE INDEX deployment_reap_order ON deployment (reaped_at NULLS FIRST, created_at)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING');
CREATE INDEX deployment_live_by_user ON deployment (user_id)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING');

-- The legal status moves (DeploymentStatus.MOVES; deploy-service checks at start that the two are equal). The
-- trigger refuses any other change of status, whichever statement makes it.
CREATE TABLE deployment_move (
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO deployment_move (from_status, to_status) VALUES
    ('PENDING', 'PROVISIONING'), ('PENDING', 'FAILED'), ('PENDING', 'CANCELLED'),
    ('PROVISIONING', 'PENDING'), ('PROVISIONING', 'STARTING'), ('PROVISIONING', 'SUCCEEDED'),
    ('PROVISIONING', 'FAILED'), ('PROVISIONING', 'CANCELLED'),
    ('STARTING', 'RUNNING'), ('STARTING', 'SUCCEEDED'), ('STARTING', 'FAILED'), ('STARTING', 'CANCELLED'),
    ('RUNNING', 'SUCCEEDED'), ('RUNNING', 'FAILED'), ('RUNNING', 'CANCELLED');

CREATE FUNCTION deployment_move_check() RETURNS trigger AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
            SELECT 1 FROM deployment_move m WHERE m.from_status = OLD.status AND m.to_status = NEW.status) THEN
        RAISE EXCEPTION 'illegal deployment move % -> % for %', OLD.status, NEW.status, OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER deployment_move_guard BEFORE UPDATE OF status ON deployment
    FOR EACH ROW EXECUTE FUNCTION deployment_move_check();
