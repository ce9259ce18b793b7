package dev.tally.ingest;

import dev.tally.dataset.TableSchema;
import dev.tally.job.ChunkLedger;
import dev.tally.job.Counts;
import dev.tally.job.JobError;
import dev.tally.job.LoggedRow;
import dev.tally.upsert.ChunkUpsert;
import dev.tally.upsert.RowOutcome;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.UUID;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * One chunk, one transaction: the rows, the chunk's ledger row and its row log are written, then
 * the chunk waits for its turn and commits, or rolls back when the job must stop. What was
 * reported is what is in the database: a result is emitted only after the commit.
 */
final class ChunkTransaction {

    private final ConnectionFactory connections;
    private final ChunkUpsert upsert;
    private final TableSchema schema;
    private final UUID job;
    private final Long maxRejects;
    private final JsonMapper json;

    ChunkTransaction(
            ConnectionFactory connections,
            ChunkUpsert upsert,
            TableSchema schema,
            UUID job,
            Long maxRejects,
            JsonMapper json) {
        this.connections = connections;
        this.upsert = upsert;
        this.schema = schema;
        this.job = job;
        this.maxRejects = maxRejects;
        this.json = json;
    }

    /**
     * Writes and then commits or rolls back the chunk in its turn; emits one result. On error or
     * cancel the transaction is rolled back and the turn passes as stopped, so no later chunk
     * commits.
     */
    Mono<ChunkResult> run(ParsedChunk chunk, Turn turn) {
        return Mono.usingWhen(
                        Mono.from(connections.create()),
                        connection -> Mono.from(connection.beginTransaction())
                                .then(upsert.write(connection, chunk.rows()))
                                .map(outcomes -> ChunkOutcomes.of(job, chunk, outcomes, schema, json))
                                .flatMap(outcomes -> outcomes.firstKeyExists() == null
                                        ? ChunkLedger.record(connection, outcomes.record())
                                                .then(turn.previous())
                                                .flatMap(previous -> commitInTurn(connection, outcomes, previous, turn))
                                                .switchIfEmpty(
                                                        rollback(connection, new ChunkResult.Dropped(chunk.number())))
                                        : rollback(connection, keyExists(chunk, outcomes.firstKeyExists()))),
                        connection -> Mono.from(connection.close()),
                        (connection, error) -> rollbackAndClose(connection),
                        this::rollbackAndClose)
                .doFinally(signal -> turn.stopped());
    }

    private Mono<ChunkResult> commitInTurn(Connection connection, ChunkOutcomes outcomes, Counts previous, Turn turn) {
        Counts counts = outcomes.record().counts();
        if (maxRejects != null && previous.rejected() + counts.rejected() > maxRejects) {
            LoggedRow last = outcomes.record().rows().stream()
                    .filter(row -> row.outcome() == LoggedRow.Outcome.REJECTED)
                    .skip(maxRejects - previous.rejected())
                    .findFirst()
                    .orElseThrow();
            JobError error = new JobError(
                    "max_rejects",
                    "line %d is rejected line number %d, over maxRejects=%d"
                            .formatted(last.line(), maxRejects + 1, maxRejects),
                    last.line());
            return rollback(
                    connection, new ChunkResult.Stopped(outcomes.record().chunk(), error));
        }
        Counts totals = previous.plus(counts);
        return Mono.from(connection.commitTransaction())
                .then(Mono.fromRunnable(() -> turn.committed(totals)))
                .thenReturn(new ChunkResult.Committed(outcomes.record(), totals));
    }

    private ChunkResult keyExists(ParsedChunk chunk, RowOutcome.KeyExists conflict) {
        long line = conflict.row().line();
        String key = ChunkOutcomes.key(conflict.row(), schema, json);
        return new ChunkResult.Stopped(
                chunk.number(),
                new JobError(
                        "key_exists",
                        "line %d: the key %s already exists and onConflict=fail".formatted(line, key),
                        line));
    }

    private static Mono<ChunkResult> rollback(Connection connection, ChunkResult result) {
        return Mono.from(connection.rollbackTransaction()).thenReturn(result);
    }

    private Mono<Void> rollbackAndClose(Connection connection) {
        return Mono.from(connection.rollbackTransaction()).onErrorComplete().then(Mono.from(connection.close()));
    }
}
