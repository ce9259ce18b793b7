-- How far an upload got in bytes, for progress: the body's length when the request announced one,
-- and per chunk the body bytes (as sent, before decoding) read when it was cut; a job's bytes_read
-- is its last committed chunk's, kept on its row once it ended as its totals are.
ALTER TABLE tally.job ADD COLUMN bytes_total bigint;
ALTER TABLE tally.job ADD COLUMN bytes_read bigint NOT NULL DEFAULT 0;
ALTER TABLE tally.chunk ADD COLUMN bytes_read bigint NOT NULL DEFAULT 0;
