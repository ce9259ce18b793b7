package dev.tally.ingest;

import dev.tally.ingest.DatabaseRetry.DatabaseGone;
import dev.tally.job.ChunkLedger;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.system.JobLog;
import dev.tally.system.Transactions;
import dev.tally.upsert.SqlStates;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A chunk written through lost connections ({@link SqlStates#isConnectionLost}). A chunk whose
 * connection broke before its COMMIT was sent did not land: it is written again once the database
 * answers. One whose connection broke while its COMMIT was in flight may have landed: its ledger
 * row, which commits with it, decides, looked up on a fresh connection. If the row is there, the
 * chunk committed with the outcomes of the attempt that sent the COMMIT, which are kept; if not,
 * it is written again. So no line is counted twice and an insert is never reported again as a skip.
 *
 * <p>Retries keep the chunk's {@link Turn}: later chunks wait until it commits or gives up. A chunk
 * gives up, stopping the job with {@code database_unavailable}, when no connection could be had for
 * the retry budget since it lost its last one, or after {@value #MOST_LOSSES} lost connections.
 */
final class ChunkRecovery {

    private static final Logger log = LoggerFactory.getLogger(ChunkRecovery.class);

    // A server that accepts connections and loses every one (a crash loop) must not be retried forever.
    private static final int MOST_LOSSES = 10;

    private final ConnectionFactory connections;
    private final DatabaseRetry retry;
    private final UUID job;
    private final IngestMetrics.DatasetMeters meters;

    ChunkRecovery(ConnectionFactory connections, DatabaseRetry retry, UUID job, IngestMetrics.DatasetMeters meters) {
        this.connections = connections;
        this.retry = retry;
        this.job = job;
        this.meters = meters;
    }

    /** A connection for a chunk; failing to get one is signalled as {@link Unreachable}. */
    Mono<Connection> connect() {
        return Mono.<Connection>from(connections.create())
                .onErrorMap(e -> e instanceof R2dbcException || SqlStates.isConnectionLost(e), Unreachable::new);
    }

    /** Commits; a connection lost meanwhile leaves the commit {@linkplain CommitInDoubt in doubt}. */
    static Mono<Void> commit(Connection connection, ChunkRecord record, Counts totals, boolean cancelRequested) {
        return Mono.from(connection.commitTransaction())
                .onErrorMap(
                        SqlStates::isConnectionLost, lost -> new CommitInDoubt(record, totals, cancelRequested, lost));
    }

    /**
     * Runs {@code write} (one attempt at the chunk, in its turn) and again after each lost
     * connection, as the class says; emits its result, or {@link ChunkResult.Stopped} when the
     * database stayed away. Other errors end it as they are. On cancel the attempt or pause in
     * progress is cancelled.
     */
    Mono<ChunkResult> run(ParsedChunk chunk, Turn turn, Mono<ChunkResult> write) {
        String what = "chunk %d (lines %d-%d)".formatted(chunk.number(), chunk.firstLine(), chunk.lastLine());
        return Mono.defer(() -> {
            DatabaseRetry.Outage outage = retry.outage();
            AtomicReference<CommitInDoubt> doubt = new AtomicReference<>();
            int[] losses = {0};
            return Mono.defer(() -> doubt.get() == null ? write : settle(doubt, turn, write, what))
                    .retryWhen(Retry.from(failures -> failures.concatMap(signal -> {
                        Throwable failure = signal.failure();
                        if (failure instanceof Unreachable) {
                            return outage.pause(failure.getCause(), what)
                                    .doOnNext(tryAgain -> meters.retried(IngestMetrics.Retried.DATABASE_UNREACHABLE));
                        }
                        if (!(failure instanceof CommitInDoubt) && !SqlStates.isConnectionLost(failure)) {
                            return Mono.error(failure);
                        }
                        if (failure instanceof CommitInDoubt inDoubt) {
                            doubt.set(inDoubt);
                        }
                        if (++losses[0] > MOST_LOSSES) {
                            return Mono.error(
                                    new DatabaseGone(what + ": lost " + MOST_LOSSES + " connections", failure));
                        }
                        JobLog.warn(
                                log,
                                job,
                                "Job {}: {} lost its connection{}: {}",
                                job,
                                what,
                                failure instanceof CommitInDoubt ? " while its COMMIT was in flight" : "",
                                String.valueOf(failure.getMessage()));
                        outage.answered();
                        return outage.pause(failure, what)
                                .doOnNext(tryAgain -> meters.retried(IngestMetrics.Retried.CONNECTION_LOST));
                    })))
                    .onErrorResume(DatabaseGone.class, gone -> {
                        JobLog.error(log, job, "Job {}: {}", job, gone.getMessage());
                        return Mono.just(new ChunkResult.Stopped(chunk.number(), gone.error()));
                    });
        });
    }

    /** Whether the chunk whose COMMIT was in doubt landed: if so it committed, else it is written again. */
    private Mono<ChunkResult> settle(
            AtomicReference<CommitInDoubt> doubt, Turn turn, Mono<ChunkResult> write, String what) {
        CommitInDoubt inDoubt = doubt.get();
        ChunkRecord record = inDoubt.record();
        return Mono.usingWhen(
                        connect(),
                        connection -> ChunkLedger.holds(connection, record.job(), record.chunk(), retry.budget()),
                        connection -> Mono.from(connection.close()),
                        (connection, error) -> Transactions.rollbackAndClose(connection),
                        Transactions::rollbackAndClose)
                .onErrorMap(
                        SqlStates::isLockTimeout,
                        e -> new DatabaseGone(
                                what + ": its COMMIT is in doubt, and its transaction is still open on the server", e))
                .flatMap(landed -> {
                    doubt.set(null);
                    JobLog.warn(
                            log,
                            job,
                            "Job {}: {} {}",
                            job,
                            what,
                            landed ? "had committed" : "had not committed; it is written again");
                    if (!landed) {
                        return write;
                    }
                    turn.committed(inDoubt.totals());
                    return Mono.just(new ChunkResult.Committed(record, inDoubt.cancelRequested()));
                });
    }

    /** No connection could be had: the database is (still) away. */
    static final class Unreachable extends RuntimeException {
        Unreachable(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * The connection broke while the chunk's COMMIT was in flight. It keeps what the attempt that
     * sent the COMMIT wrote, reported if it landed, and the job's totals after it, for the next
     * chunk's turn.
     */
    static final class CommitInDoubt extends RuntimeException {

        private final transient ChunkRecord record;
        private final transient Counts totals;
        private final boolean cancelRequested;

        CommitInDoubt(ChunkRecord record, Counts totals, boolean cancelRequested, Throwable cause) {
            super(cause.getMessage(), cause);
            this.record = record;
            this.totals = totals;
            this.cancelRequested = cancelRequested;
        }

        boolean cancelRequested() {
            return cancelRequested;
        }

        ChunkRecord record() {
            return record;
        }

        Counts totals() {
            return totals;
        }
    }
}
