package dev.tally.upsert;

import dev.tally.job.ChunkLedger;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.system.ConnectionLoss;
import dev.tally.system.JobLog;
import dev.tally.system.Transactions;
import dev.tally.upsert.DatabaseRetry.DatabaseGone;
import dev.tally.upsert.DatabaseRetry.NoAnswer;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcException;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A chunk written through lost connections ({@link SqlError.ConnectionLost}). A chunk whose
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
    private final WriteMeters meters;

    ChunkRecovery(ConnectionFactory connections, DatabaseRetry retry, UUID job, WriteMeters meters) {
        this.connections = connections;
        this.retry = retry;
        this.job = job;
        this.meters = meters;
    }

    /**
     * A connection for a chunk; failing to get one, or getting none within the answer wait (a pool
     * whose every connection is taken), is signalled as {@link Unreachable}. The pool's own
     * max-acquire-time is no bound: its acquire-retry tries a timed-out acquire again.
     */
    Mono<Connection> connect() {
        return retry.answered(Mono.<Connection>from(connections.create()), "a connection from the pool")
                .onErrorMap(e -> e instanceof R2dbcException || ConnectionLoss.is(e), Unreachable::new);
    }

    /**
     * Commits; a connection lost meanwhile, or a COMMIT not answered within the answer wait,
     * leaves the commit {@linkplain CommitInDoubt in doubt}.
     */
    Mono<Void> commit(Connection connection, ChunkRecord record, Counts totals, boolean cancelRequested) {
        return retry.answered(Mono.<Void>from(connection.commitTransaction()), "COMMIT")
                .onErrorMap(ConnectionLoss::is, lost -> new CommitInDoubt(record, totals, cancelRequested, lost));
    }

    /** Ends a chunk's connection after {@code error}: rolled back, or closed if its state is unknown. */
    Mono<Void> release(Connection connection, Throwable error) {
        return Transactions.rollbackAndClose(connection, error, retry.answerWait());
    }

    /** Ends a chunk's connection after a cancel, within the answer wait. */
    Mono<Void> release(Connection connection) {
        return Transactions.rollbackAndClose(connection, retry.answerWait());
    }

    /**
     * Runs {@code write} (one attempt at the chunk, in its turn) and again after each lost
     * connection, as the class says; emits its result, or {@link ChunkResult.Stopped} when the
     * database stayed away. Other errors end it as they are. On cancel the attempt or pause in
     * progress is cancelled.
     */
    Mono<ChunkResult> run(ParsedChunk chunk, Turn turn, Mono<ChunkResult> write) {
        return Mono.defer(() -> {
            Attempts attempts = new Attempts(chunk.where(), turn, write);
            return Mono.defer(attempts::next)
                    .retryWhen(Retry.from(failures -> failures.concatMap(signal -> attempts.after(signal.failure()))))
                    .onErrorResume(DatabaseGone.class, gone -> {
                        JobLog.error(log, job, "Job {}: {}", job, gone.getMessage());
                        return Mono.just(new ChunkResult.Stopped(chunk.number(), gone.error()));
                    });
        });
    }

    /**
     * One chunk's attempts: the outage in progress, the COMMIT in doubt if any, and the connections
     * lost so far. Touched by one attempt or retry decision at a time, which the retry sequences.
     */
    private final class Attempts {

        private final String what;
        private final Turn turn;
        private final Mono<ChunkResult> write;
        private final DatabaseRetry.Outage outage = retry.outage();
        private @Nullable CommitInDoubt doubt;
        private int losses;

        Attempts(String what, Turn turn, Mono<ChunkResult> write) {
            this.what = what;
            this.turn = turn;
            this.write = write;
        }

        Mono<ChunkResult> next() {
            CommitInDoubt inDoubt = doubt;
            return inDoubt == null ? write : settle(inDoubt);
        }

        /** The pause before the next attempt after {@code failure}, or the error that ends the chunk. */
        Mono<Long> after(Throwable failure) {
            if (failure instanceof Unreachable unreachable) {
                return outage.pause(unreachable.failure, what)
                        .doOnNext(tryAgain -> meters.retried(WriteMeters.Retried.DATABASE_UNREACHABLE));
            }
            if (failure instanceof CommitInDoubt inDoubt) {
                doubt = inDoubt;
            }
            if (failure instanceof NoAnswer || failure.getCause() instanceof NoAnswer) {
                // The database did not answer: the outage goes on, within the budget, unlike after a
                // connection lost, which the database answered by ending it.
                JobLog.warn(log, job, "Job {}: {}: {}", job, what, String.valueOf(failure.getMessage()));
                return outage.pause(failure, what).doOnNext(tryAgain -> meters.retried(WriteMeters.Retried.NO_ANSWER));
            }
            if (!(failure instanceof CommitInDoubt) && !ConnectionLoss.is(failure)) {
                return Mono.error(failure);
            }
            if (++losses > MOST_LOSSES) {
                return Mono.error(new DatabaseGone(what + ": lost " + MOST_LOSSES + " connections", failure));
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
                    .doOnNext(tryAgain -> meters.retried(WriteMeters.Retried.CONNECTION_LOST));
        }

        /** Whether the chunk whose COMMIT was in doubt landed: if so it committed, else it is written again. */
        private Mono<ChunkResult> settle(CommitInDoubt inDoubt) {
            ChunkRecord record = inDoubt.record();
            // The probe waits up to the budget for a transaction still open on the chunk (then 55P03);
            // the answer wait on top bounds a server that does not answer at all.
            DatabaseRetry probeWait =
                    new DatabaseRetry(retry.budget(), retry.budget().plus(retry.answerWait()));
            return Mono.usingWhen(
                            connect(),
                            connection -> probeWait.answered(
                                    ChunkLedger.holds(connection, record.job(), record.chunk(), retry.budget()),
                                    "whether its COMMIT landed"),
                            connection -> Mono.from(connection.close()),
                            ChunkRecovery.this::release,
                            ChunkRecovery.this::release)
                    .onErrorMap(
                            e -> SqlError.of(e) instanceof SqlError.LockTimeout,
                            e -> new DatabaseGone(
                                    what + ": its COMMIT is in doubt, and its transaction is still open on the server",
                                    e))
                    .flatMap(landed -> {
                        doubt = null;
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
    }

    /** No connection could be had: the database is (still) away. */
    static final class Unreachable extends RuntimeException {
        private final Throwable failure;

        Unreachable(Throwable cause) {
            super(cause.getMessage(), cause);
            this.failure = cause;
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
