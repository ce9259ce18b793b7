package dev.tally.job;

import io.r2dbc.spi.Connection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes a chunk's ledger row and row log inside the chunk's own transaction, in one statement
 * and one round trip however many lines were skipped or rejected.
 */
public final class ChunkLedger {

    private static final String RECORD_SQL = """
            WITH ledger AS (
                INSERT INTO tally.chunk (job_id, chunk, first_line, last_line, received, inserted, updated, unchanged, skipped, rejected)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            )
            INSERT INTO tally.row_log (job_id, chunk, line, outcome, reason, key, message, text)
            SELECT $1, $2, r.line, r.outcome, r.reason, r.key::jsonb, r.message, r.text
            FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
                 AS r(line, outcome, reason, key, message, text)
            """;

    private ChunkLedger() {}

    /** Runs on the given connection, in whatever transaction it has open; completes when written. */
    public static Mono<Void> record(Connection connection, ChunkRecord chunk) {
        int n = chunk.rows().size();
        Long[] lines = new Long[n];
        String[] outcomes = new String[n];
        String[] reasons = new String[n];
        String[] keys = new String[n];
        String[] messages = new String[n];
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            LoggedRow row = chunk.rows().get(i);
            lines[i] = row.line();
            outcomes[i] = row.outcome().wireName();
            reasons[i] = row.reason();
            keys[i] = row.key();
            messages[i] = row.message();
            texts[i] = row.text();
        }
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
                .bind("$11", lines)
                .bind("$12", outcomes)
                .bind("$13", reasons)
                .bind("$14", keys)
                .bind("$15", messages)
                .bind("$16", texts);
        return Flux.from(statement.execute())
                .concatMap(result -> result.getRowsUpdated())
                .then();
    }
}
