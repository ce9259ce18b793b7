-- DELETE /v1/jobs/{id} records the request on the job's row, so that the instance running the
-- upload learns of it whichever instance took the request: it reads the column in the statement
-- that writes each chunk's ledger row.
ALTER TABLE tally.job ADD COLUMN cancel_requested_at timestamptz;
