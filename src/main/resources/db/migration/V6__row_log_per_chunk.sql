-- The row log, one row per chunk instead of one per line: a chunk's skipped and rejected lines as
-- arrays, element i of each being line i's, in line order. Writing half a million skipped lines
-- (a 50 % duplicate upload of a million) was half a million heap tuples and index entries; it is
-- now one row per chunk, its arrays compressed out of line. Reading by line stays a range scan:
-- first_line and last_line are the chunk's first and last logged lines, and the primary key's
-- (job_id, last_line) finds the chunks from a given line on. No foreign key, as before: it goes
-- with its job by retention.
CREATE TABLE tally.chunk_row_log (
    job_id     uuid     NOT NULL,
    chunk      integer  NOT NULL,
    first_line bigint   NOT NULL,
    last_line  bigint   NOT NULL,
    lines      bigint[] NOT NULL,
    outcomes   text[]   NOT NULL,
    reasons    text[]   NOT NULL,
    keys       jsonb[]  NOT NULL,
    messages   text[]   NOT NULL,
    texts      text[]   NOT NULL,
    PRIMARY KEY (job_id, last_line),
    CHECK (cardinality(lines) > 0 AND first_line = lines[1] AND last_line = lines[cardinality(lines)]),
    CHECK (cardinality(outcomes) = cardinality(lines) AND cardinality(reasons) = cardinality(lines)
           AND cardinality(keys) = cardinality(lines) AND cardinality(messages) = cardinality(lines)
           AND cardinality(texts) = cardinality(lines)),
    CHECK (outcomes <@ ARRAY['skipped', 'rejected'])
);

-- lz4 compresses a chunk's arrays at a third of pglz's cost or less (measured on 500 chunks of
-- 1,000 skipped lines); a server built without it keeps its default.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE tally.chunk_row_log
            ALTER COLUMN lines SET COMPRESSION lz4,
            ALTER COLUMN outcomes SET COMPRESSION lz4,
            ALTER COLUMN reasons SET COMPRESSION lz4,
            ALTER COLUMN keys SET COMPRESSION lz4,
            ALTER COLUMN messages SET COMPRESSION lz4,
            ALTER COLUMN texts SET COMPRESSION lz4;
    END IF;
END
$$;

INSERT INTO tally.chunk_row_log (job_id, chunk, first_line, last_line, lines, outcomes, reasons, keys, messages, texts)
SELECT job_id, chunk, min(line), max(line),
       array_agg(line ORDER BY line), array_agg(outcome ORDER BY line), array_agg(reason ORDER BY line),
       array_agg(key ORDER BY line), array_agg(message ORDER BY line), array_agg(text ORDER BY line)
FROM tally.row_log
GROUP BY job_id, chunk;

DROP TABLE tally.row_log;

-- The row log one line a row, as it was a table before, for reading it with SQL.
CREATE VIEW tally.row_log AS
SELECT l.job_id, r.line, l.chunk, r.outcome, r.reason, r.key, r.message, r.text
FROM tally.chunk_row_log l
CROSS JOIN LATERAL unnest(l.lines, l.outcomes, l.reasons, l.keys, l.messages, l.texts)
    AS r(line, outcome, reason, key, message, text);
