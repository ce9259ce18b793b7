-- Tally's own state: one row per upload, one ledger row per committed chunk (written in the
-- chunk's own transaction), and the row log of every skipped or rejected line.

CREATE TABLE tally.job (
    id              uuid        PRIMARY KEY,
    dataset         text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'aborted')),
    on_conflict     text        NOT NULL,
    chunk_size      integer     NOT NULL,
    max_rejects     bigint,
    atomic          boolean     NOT NULL,
    dry_run         boolean     NOT NULL,
    unknown_fields  text        NOT NULL,
    idempotency_key text,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    received        bigint      NOT NULL DEFAULT 0,
    inserted        bigint      NOT NULL DEFAULT 0,
    updated         bigint      NOT NULL DEFAULT 0,
    unchanged       bigint      NOT NULL DEFAULT 0,
    skipped         bigint      NOT NULL DEFAULT 0,
    rejected        bigint      NOT NULL DEFAULT 0,
    chunks          integer     NOT NULL DEFAULT 0,
    error           jsonb
);

CREATE INDEX job_started_at ON tally.job (started_at DESC);
CREATE UNIQUE INDEX job_idempotency_key ON tally.job (dataset, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE tally.chunk (
    job_id       uuid        NOT NULL REFERENCES tally.job (id) ON DELETE CASCADE,
    chunk        integer     NOT NULL,
    first_line   bigint      NOT NULL,
    last_line    bigint      NOT NULL,
    received     integer     NOT NULL,
    inserted     integer     NOT NULL,
    updated      integer     NOT NULL,
    unchanged    integer     NOT NULL,
    skipped      integer     NOT NULL,
    rejected     integer     NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (job_id, chunk),
    CHECK (received = inserted + updated + unchanged + skipped + rejected)
);

-- No foreign key to tally.chunk: the row log is written in the same statement as its ledger
-- row, and a per-row key check would cost S2's half a million skipped lines as many lookups.
CREATE TABLE tally.row_log (
    job_id  uuid   NOT NULL,
    line    bigint NOT NULL,
    chunk   integer NOT NULL,
    outcome text   NOT NULL CHECK (outcome IN ('skipped', 'rejected')),
    reason  text   NOT NULL,
    key     jsonb,
    message text,
    text    text,
    PRIMARY KEY (job_id, line)
);
