-- The instance running a job marks it alive every few seconds, so that a job left running by an
-- instance that died is found and ended (aborted, with its ledger's totals) by any other.
ALTER TABLE tally.job ADD COLUMN alive_at timestamptz;
CREATE INDEX job_running_alive_at ON tally.job (alive_at) WHERE status = 'running';
