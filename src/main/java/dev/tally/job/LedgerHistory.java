package dev.tally.job;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A job's ledger read back: how far it got, to resume it, and its chunks, to replay their events. */
@Component
public class LedgerHistory {

    private static final String PROGRESS_SQL = """
            SELECT coalesce(max(chunk), 0) AS chunks, coalesce(max(last_line), 0) AS last_line, %s
            FROM tally.chunk WHERE job_id = $1 AND chunk <= $2
            """.formatted(LedgerSums.COUNTS);

    // Each chunk with the first $2 rows of its row log of each outcome: the chunk's row-log row, found
    // by a range of its primary key (job_id, last_line), unnested; its texts are not read.
    private static final String CHUNKS_SQL = """
            SELECT c.chunk, c.first_line, c.last_line, c.bytes_read, c.committed_at, c.received, c.inserted,
                   c.updated, c.unchanged, c.skipped, c.rejected, r.line, r.outcome, r.reason, r.key::text AS key, r.message
            FROM tally.chunk c
            LEFT JOIN LATERAL (
                SELECT u.line, u.outcome, u.reason, u.key, u.message,
                       row_number() OVER (PARTITION BY u.outcome ORDER BY u.line) AS n
                FROM tally.chunk_row_log l
                CROSS JOIN LATERAL unnest(l.lines, l.outcomes, l.reasons, l.keys, l.messages)
                    AS u(line, outcome, reason, key, message)
                WHERE l.job_id = c.job_id AND l.last_line BETWEEN c.first_line AND c.last_line
            ) r ON r.n <= $2
            WHERE c.job_id = $1 AND c.chunk > $3 AND c.chunk <= $4
            ORDER BY c.chunk, r.line
            """;

    private final DatabaseClient db;

    LedgerHistory(DatabaseClient db) {
        this.db = db;
    }

    /** The chunks, last line and totals the ledger holds for the job; {@link JobProgress#NONE} for none. */
    public Mono<JobProgress> progress(UUID job) {
        return progress(job, Integer.MAX_VALUE);
    }

    /** What the ledger holds of the job's chunks 1 to {@code upTo}. */
    public Mono<JobProgress> progress(UUID job, int upTo) {
        return db.sql(PROGRESS_SQL)
                .bind("$1", job)
                .bind("$2", upTo)
                .map(row -> new JobProgress(
                        (int) LedgerSums.number(row, "chunks"),
                        LedgerSums.number(row, "last_line"),
                        LedgerSums.counts(row)))
                .one();
    }

    /**
     * The job's committed chunks in order, each with at most {@code rowsPerOutcome} skipped and
     * as many rejected rows of its row log, in line order, without their text: those numbered
     * after {@code after} up to {@code upTo}. Streamed.
     */
    public Flux<ChunkRecord> chunks(UUID job, int rowsPerOutcome, int after, int upTo) {
        return db.sql(CHUNKS_SQL)
                .bind("$1", job)
                .bind("$2", rowsPerOutcome)
                .bind("$3", after)
                .bind("$4", upTo)
                .map((row, meta) -> new Entry(
                        row.get("chunk", Integer.class),
                        row.get("first_line", Long.class),
                        row.get("last_line", Long.class),
                        row.get("bytes_read", Long.class),
                        row.get("committed_at", OffsetDateTime.class).toInstant(),
                        LedgerSums.counts(row),
                        loggedRow(row)))
                .all()
                .bufferUntilChanged(Entry::chunk)
                .map(entries -> {
                    Entry first = entries.getFirst();
                    List<LoggedRow> rows = new ArrayList<>(entries.size());
                    entries.stream().map(Entry::row).filter(r -> r != null).forEach(rows::add);
                    return new ChunkRecord(
                            job,
                            first.chunk(),
                            first.firstLine(),
                            first.lastLine(),
                            first.bytesRead(),
                            first.committedAt(),
                            first.counts(),
                            rows);
                });
    }

    /** One row of {@link #CHUNKS_SQL}: a chunk and one of its logged rows, or none. */
    private record Entry(
            int chunk,
            long firstLine,
            long lastLine,
            long bytesRead,
            Instant committedAt,
            Counts counts,
            @Nullable LoggedRow row) {}

    private @Nullable LoggedRow loggedRow(Readable row) {
        Long line = row.get("line", Long.class);
        if (line == null) {
            return null;
        }
        LoggedRow.Outcome outcome = "skipped".equals(row.get("outcome", String.class))
                ? LoggedRow.Outcome.SKIPPED
                : LoggedRow.Outcome.REJECTED;
        return new LoggedRow(
                line,
                outcome,
                row.get("reason", String.class),
                RowKey.of(row.get("key", String.class)),
                row.get("message", String.class),
                null);
    }
}
