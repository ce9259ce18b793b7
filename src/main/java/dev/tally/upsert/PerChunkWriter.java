package dev.tally.upsert;

import dev.tally.job.Counts;
import dev.tally.job.JobError;
import dev.tally.system.JobLog;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One chunk, one transaction: the rows are written, then in the chunk's turn its ledger row and
 * row log, and all commit together; or it rolls back when the job must stop. What was
 * reported is what is in the database: a result is emitted only after the commit.
 *
 * <p>Chunks are written in parallel but commit in order, so the committed chunks are always a
 * prefix of the upload and the table is the one sequential application gives. A chunk waiting
 * for its turn holds its row locks, which an earlier chunk may need (a unique value the later
 * chunk moves away, which dispatch by key cannot see). So every {@code patience} a waiting chunk
 * asks PostgreSQL whether it blocks another transaction; if it does, it rolls back, freeing its
 * locks, and is written again once its turn has come. The other way round, a chunk written ahead
 * of its turn may find a value taken that an earlier chunk is about to free: a row the database
 * refuses then is refused for good only when its chunk, written again in its turn, still is.
 * A waiting chunk also yields when others wait for a connection from the pool: the chunk whose
 * turn it is may be among them (it lost its connection, or yielded), and chunks that hold every
 * connection while waiting for it would wait forever; and once it has waited the answer wait, so
 * that its transaction does not stay open, holding row locks, for long.
 *
 * <p>Every wait on the database has a deadline, {@code tally.ingest.database-wait}: a connection,
 * the chunk's statements, its ledger row, its COMMIT, a ROLLBACK. A wait without an answer (a
 * lock held elsewhere, a server that stopped answering) is given up, its connection closed, and
 * the chunk is written again within the retry budget ({@link ChunkRecovery}).
 */
final class PerChunkWriter implements ChunkWriter.PerChunk {

    private static final Logger log = LoggerFactory.getLogger(PerChunkWriter.class);

    private static final int RETRIES = 5;

    private static final String BLOCKS_ANOTHER_SQL =
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid)))";

    private final ChunkSequence sequence;
    private final ConnectionFactory connections;
    private final DatabaseRetry retry;
    private final UUID job;
    private final Duration patience;
    private final ChunkRecovery recovery;
    private final WriteMeters meters;

    PerChunkWriter(ChunkWriter.Context context) {
        this.sequence = new ChunkSequence(context);
        this.job = context.job();
        this.patience = context.limits().commitPatience();
        this.meters = context.meters();
        this.connections = context.connections();
        this.retry = new DatabaseRetry(
                context.limits().databaseRetry(), context.limits().databaseWait());
        this.recovery = new ChunkRecovery(connections, retry, job, meters);
    }

    /**
     * {@inheritDoc} A serialization failure or deadlock reruns the transaction, a few times; a lost
     * connection is recovered ({@link ChunkRecovery}).
     */
    @Override
    public Mono<ChunkResult> write(ParsedChunk chunk, Turn turn) {
        return meters.timed(recovery.run(chunk, turn, Mono.defer(() -> inTurn(chunk, turn))))
                .onErrorResume(failure -> Mono.just(failed(chunk, failure)))
                .doFinally(signal -> turn.stopped());
    }

    private ChunkResult failed(ParsedChunk chunk, Throwable failure) {
        JobLog.error(log, job, "Job {}: {} failed", job, chunk.where(), failure);
        return new ChunkResult.Stopped(chunk.number(), SqlError.jobError(chunk.where(), failure));
    }

    /** One attempt; if it yielded its turn, once more when its turn has come. */
    private Mono<ChunkResult> inTurn(ParsedChunk chunk, Turn turn) {
        return attempt(chunk, turn, patience).switchIfEmpty(Mono.defer(() -> turn.previous()
                .hasElement()
                .flatMap(previousCommitted -> previousCommitted
                        ? Mono.fromRunnable(() -> meters.retried(WriteMeters.Retried.TURN))
                                .then(attempt(chunk, turn, null))
                        : Mono.just(new ChunkResult.Dropped(chunk.number())))));
    }

    /**
     * One transaction; empty when it rolled back to be written again in its turn: the turn did not
     * come within {@code wait}, or the database refused a row while an earlier chunk was still
     * writing. Such a refusal is not final, since that chunk may free the very value (a unique
     * one, a referenced key) the row needs, which dispatch by key cannot see.
     */
    private Mono<ChunkResult> attempt(ParsedChunk chunk, Turn turn, @Nullable Duration wait) {
        return Mono.usingWhen(
                        recovery.connect(),
                        connection -> {
                            boolean inTurn = wait == null || turn.previousSettled();
                            return retry.answered(
                                            Mono.from(connection.beginTransaction())
                                                    .then(sequence.write(connection, chunk)),
                                            "its statements")
                                    .flatMap(outcomes -> {
                                        RowOutcome.KeyExists exists = outcomes.firstKeyExists();
                                        return exists != null && sequence.stopsWhateverCameBefore(outcomes, exists)
                                                ? rollback(connection, Optional.of(keyExists(outcomes, exists)))
                                                : outcomes.refused() && !inTurn
                                                        ? rollback(connection, Optional.<ChunkResult>empty())
                                                        : commitWhenInTurn(connection, chunk, outcomes, turn, wait);
                                    });
                        },
                        connection -> Mono.from(connection.close()),
                        recovery::release,
                        recovery::release)
                .retryWhen(Retry.backoff(RETRIES, Duration.ofMillis(20))
                        .filter(failure -> SqlError.of(failure) instanceof SqlError.Retryable)
                        .doBeforeRetry(signal -> meters.retried(
                                SqlError.of(signal.failure()) instanceof SqlError.Retryable retryable
                                                && retryable.deadlock()
                                        ? WriteMeters.Retried.DEADLOCK
                                        : WriteMeters.Retried.SERIALIZATION_FAILURE)))
                .flatMap(Mono::justOrEmpty);
    }

    /** Commits in the chunk's turn; an empty Optional when it yielded instead, Dropped when the previous stopped. */
    private Mono<Optional<ChunkResult>> commitWhenInTurn(
            Connection connection, ParsedChunk chunk, ChunkOutcomes outcomes, Turn turn, @Nullable Duration wait) {
        return awaitTurn(connection, turn, wait)
                .flatMap(previous -> previous.isPresent()
                        ? commitInTurn(connection, outcomes, previous.get(), turn)
                                .map(Optional::of)
                        : rollback(connection, Optional.<ChunkResult>empty()))
                .switchIfEmpty(
                        Mono.defer(() -> rollback(connection, Optional.of(new ChunkResult.Dropped(chunk.number())))));
    }

    /**
     * The previous chunk's totals once it committed; empty when it stopped; an empty Optional when
     * this chunk must yield: it blocks another transaction while it waits, others wait for a
     * connection, or it has kept its transaction open for longer than the answer wait, so that no
     * session of Tally stays idle in a transaction for long whatever holds up the chunks before.
     */
    private Mono<Optional<Counts>> awaitTurn(Connection connection, Turn turn, @Nullable Duration wait) {
        Mono<Optional<Counts>> previous = turn.previous().map(Optional::of);
        if (wait == null) {
            return previous;
        }
        long until = System.nanoTime() + retry.answerWait().toNanos();
        return awaitTurn(connection, previous, wait, until);
    }

    private Mono<Optional<Counts>> awaitTurn(
            Connection connection, Mono<Optional<Counts>> previous, Duration wait, long until) {
        return previous.timeout(wait, Mono.defer(() -> (othersAwaitConnection() || System.nanoTime() - until >= 0
                        ? Mono.just(true)
                        : blocksAnother(connection))
                .flatMap(yields ->
                        yields ? Mono.just(Optional.empty()) : awaitTurn(connection, previous, wait, until))));
    }

    private Mono<Boolean> blocksAnother(Connection connection) {
        return retry.answered(
                Mono.from(connection.createStatement(BLOCKS_ANOTHER_SQL).execute())
                        .flatMap(result -> Mono.from(result.map((row, meta) -> row.get(0, Boolean.class)))),
                "whether a waiting chunk blocks another");
    }

    /**
     * Whether someone waits for a connection from the pool, perhaps the chunk whose turn it is:
     * a chunk that holds one while waiting for its turn then gives it back.
     */
    private boolean othersAwaitConnection() {
        return connections instanceof ConnectionPool pool
                && pool.getMetrics()
                        .map(metrics -> metrics.pendingAcquireSize() > 0)
                        .orElse(false);
    }

    private Mono<ChunkResult> commitInTurn(Connection connection, ChunkOutcomes outcomes, Counts previous, Turn turn) {
        Counts counts = outcomes.record().counts();
        JobError stop = sequence.stop(outcomes, previous.rejected());
        if (stop != null) {
            return rollback(
                    connection, new ChunkResult.Stopped(outcomes.record().chunk(), stop));
        }
        return retry.answered(sequence.record(connection, outcomes), "its ledger row")
                .flatMap(recorded -> recovery.commit(
                                connection, recorded.chunk(), previous.plus(counts), recorded.cancelRequested())
                        .then(Mono.fromRunnable(() -> turn.committed(previous.plus(counts))))
                        .<ChunkResult>thenReturn(
                                new ChunkResult.Committed(recorded.chunk(), recorded.cancelRequested())));
    }

    /**
     * A key that exists stops the job whatever came before (unless a rejected line before it in its
     * chunk may pass maxRejects first), so it need not wait for its turn.
     */
    private ChunkResult keyExists(ChunkOutcomes outcomes, RowOutcome.KeyExists exists) {
        return new ChunkResult.Stopped(outcomes.record().chunk(), sequence.keyExists(exists));
    }

    private <T> Mono<T> rollback(Connection connection, T result) {
        return retry.answered(Mono.from(connection.rollbackTransaction()), "ROLLBACK")
                .thenReturn(result);
    }
}
