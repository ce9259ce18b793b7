package dev.tally.job;

import dev.tally.system.BinaryArrays;
import dev.tally.system.BinaryArrays.Element;
import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes a chunk's ledger row and row log inside the chunk's own transaction, in one statement
 * and one round trip however many lines were skipped or rejected. The row log is one row for the
 * chunk, its arrays as bound, rather than a row per line: for 500,000 skipped lines in 500 chunks,
 * writing them cost PostgreSQL about 1.1 s as rows (the same as {@code COPY} of those rows, which
 * would also be a second statement) and 0.2 s or less as arrays, and a whole S2 upload (a million
 * lines, half of them skipped) 0.9 s less CPU in its server processes. The same statement reads
 * whether the job's cancel was requested, so that the instance running an upload learns of a
 * cancel taken by any instance at no extra cost, and notifies followers on other instances
 * ({@code <job id>:<chunk>} on the {@link LedgerChannel}), which PostgreSQL delivers only if the
 * chunk commits.
 */
public final class ChunkLedger {

    private static final String RECORD_SQL = """
            WITH ledger AS (
                INSERT INTO tally.chunk (job_id, chunk, first_line, last_line, received, inserted, updated, unchanged, skipped, rejected,
                                         bytes_read, committed_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $17, $18)
            ), logged AS (
                INSERT INTO tally.chunk_row_log (job_id, chunk, first_line, last_line, lines, outcomes, reasons, keys,
                                                 messages, texts)
                SELECT $1, $2, $11[1], $11[cardinality($11::bigint[])],
                       $11::bigint[], $12::text[], $13::text[], $14::jsonb[], $15::text[], $16::text[]
                WHERE cardinality($11::bigint[]) > 0
            ), notified AS (
                SELECT pg_notify('%s', $1::text || ':' || $2::text)
            )
            SELECT cancel_requested_at IS NOT NULL AS cancel_requested FROM tally.job, notified WHERE id = $1
            """.formatted(LedgerChannel.NAME);

    private static final String LOCK_WAIT_SQL = "SELECT set_config('lock_timeout', $1, true)";

    // The chunk's ledger key inserted again conflicts if the chunk committed. If the transaction
    // that wrote it is still open, on a server process that has not yet noticed its connection
    // broke, the insert waits for it to end: never "not there" while it could still commit.
    private static final String PROBE_SQL = """
            INSERT INTO tally.chunk (job_id, chunk, first_line, last_line, received, inserted, updated, unchanged, skipped, rejected)
            VALUES ($1, $2, 0, 0, 0, 0, 0, 0, 0, 0)
            ON CONFLICT (job_id, chunk) DO NOTHING
            """;

    private ChunkLedger() {}

    /**
     * Whether the chunk committed, asked on a fresh connection after the one that sent its COMMIT
     * broke; waits at most {@code lockWait} for a transaction still open on the chunk (then fails
     * with SQLSTATE 55P03). Writes nothing: its own transaction is rolled back.
     */
    public static Mono<Boolean> holds(Connection connection, UUID job, int chunk, Duration lockWait) {
        return Mono.from(connection.beginTransaction())
                .thenMany(Flux.from(connection
                                .createStatement(LOCK_WAIT_SQL)
                                .bind("$1", lockWait.toMillis() + "ms")
                                .execute())
                        .concatMap(result -> result.map((row, meta) -> 1)))
                .thenMany(Flux.from(connection
                                .createStatement(PROBE_SQL)
                                .bind("$1", job)
                                .bind("$2", chunk)
                                .execute())
                        .concatMap(result -> result.getRowsUpdated()))
                .single()
                .flatMap(inserted -> Mono.from(connection.rollbackTransaction()).thenReturn(inserted == 0));
    }

    private static @Nullable String keyText(LoggedRow row) {
        return row.key() == null ? null : row.key().text();
    }

    /** A chunk as its ledger row was written, and whether a cancel of its job has been requested. */
    public record Recorded(ChunkRecord chunk, boolean cancelRequested) {}

    /**
     * Runs on the given connection, in whatever transaction it has open, and stamps the chunk with
     * the time it was recorded.
     */
    public static Mono<Recorded> record(Connection connection, ChunkRecord unstamped) {
        ChunkRecord chunk = unstamped.committedAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
        List<LoggedRow> rows = chunk.rows();
        int n = rows.size();
        Counts c = chunk.counts();
        var statement = connection
                .createStatement(RECORD_SQL)
                .bind("$1", chunk.job())
                .bind("$2", chunk.chunk())
                .bind("$3", chunk.firstLine())
                .bind("$4", chunk.lastLine())
                .bind("$5", (int) c.received())
                .bind("$6", (int) c.inserted())
                .bind("$7", (int) c.updated())
                .bind("$8", (int) c.unchanged())
                .bind("$9", (int) c.skipped())
                .bind("$10", (int) c.rejected())
                .bind("$11", BinaryArrays.of(Element.INT8, n, i -> rows.get(i).line()))
                .bind("$12", BinaryArrays.of(Element.TEXT, n, i -> rows.get(i)
                        .outcome()
                        .wireName()))
                .bind("$13", BinaryArrays.of(Element.TEXT, n, i -> rows.get(i).reason()))
                .bind("$14", BinaryArrays.of(Element.JSONB, n, i -> keyText(rows.get(i))))
                .bind("$15", BinaryArrays.of(Element.TEXT, n, i -> rows.get(i).message()))
                .bind("$16", BinaryArrays.of(Element.TEXT, n, i -> rows.get(i).text()))
                .bind("$17", chunk.bytesRead())
                .bind("$18", OffsetDateTime.ofInstant(chunk.committedAt(), ZoneOffset.UTC));
        return Flux.from(statement.execute())
                .concatMap(result -> result.map((row, meta) -> row.get("cancel_requested", Boolean.class)))
                .single()
                .map(cancelRequested -> new Recorded(chunk, cancelRequested));
    }
}
