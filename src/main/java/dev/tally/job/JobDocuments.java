package dev.tally.job;

import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/** How a job's document is read: the statement's columns, and the document made of one of its rows. */
final class JobDocuments {

    // A running job's totals are the sum of its ledger; a finished one's are on its own row.
    static final String SELECT_SQL = """
            SELECT j.id, j.dataset, j.status, j.on_conflict, j.chunk_size, j.max_rejects, j.atomic, j.dry_run,
                   j.unknown_fields, j.started_at, j.ended_at, j.error::text AS error, j.bytes_total,
                   coalesce(l.received, j.received) AS received, coalesce(l.inserted, j.inserted) AS inserted,
                   coalesce(l.updated, j.updated) AS updated, coalesce(l.unchanged, j.unchanged) AS unchanged,
                   coalesce(l.skipped, j.skipped) AS skipped, coalesce(l.rejected, j.rejected) AS rejected,
                   coalesce(l.chunks, j.chunks) AS chunks, coalesce(l.bytes_read, j.bytes_read) AS bytes_read
            FROM tally.job j
            LEFT JOIN LATERAL (SELECT %s FROM tally.chunk c WHERE c.job_id = j.id) l ON j.status = 'running'
            """.formatted(LedgerSums.TOTALS);

    private final JsonMapper json;
    // Times a running job's duration.
    private final Clock clock;

    JobDocuments(JsonMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /** The document of one row of {@link #SELECT_SQL}; a running job's duration is up to now. */
    JobDocument of(Readable row) {
        Counts totals = LedgerSums.counts(row);
        OffsetDateTime startedAt = row.get("started_at", OffsetDateTime.class);
        OffsetDateTime endedAt = row.get("ended_at", OffsetDateTime.class);
        long ms =
                JobDocument.durationMs(startedAt.toInstant(), endedAt == null ? clock.instant() : endedAt.toInstant());
        String error = row.get("error", String.class);
        return new JobDocument(
                row.get("id", UUID.class),
                row.get("dataset", String.class),
                JobStatus.of(row.get("status", String.class)),
                row.get("on_conflict", String.class),
                row.get("chunk_size", Integer.class),
                row.get("max_rejects", Long.class),
                row.get("atomic", Boolean.class),
                row.get("dry_run", Boolean.class),
                row.get("unknown_fields", String.class),
                totals,
                row.get("chunks", Integer.class),
                startedAt,
                endedAt,
                ms,
                JobDocument.rowsPerSecond(totals, ms),
                LedgerSums.number(row, "bytes_read"),
                row.get("bytes_total", Long.class),
                error == null ? null : json.readValue(error, JobError.class));
    }
}
