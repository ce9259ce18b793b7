package dev.tally.upsert;

import dev.tally.job.JobError;
import dev.tally.system.ConnectionLoss;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * How long Tally waits for a database that went away: work is tried again after 100 ms, then
 * twice as long each time (at most 2 s), until the database has been away for the budget, {@code
 * tally.ingest.database-retry}; then it gives up with {@link DatabaseGone}. And how long it waits
 * for one answer, {@code tally.ingest.database-wait}: a wait without an answer ends in {@link
 * NoAnswer}, which counts as the database being away, so that no wait lasts beyond the budget.
 */
public final class DatabaseRetry {

    static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

    private final Duration budget;
    private final Duration wait;
    private final LongSupplier nanoTime;

    public DatabaseRetry(Duration budget, Duration wait) {
        this(budget, wait, System::nanoTime);
    }

    /** With another clock, for tests in virtual time; each answer may take the whole budget. */
    public DatabaseRetry(Duration budget, LongSupplier nanoTime) {
        this(budget, budget, nanoTime);
    }

    public DatabaseRetry(Duration budget, Duration wait, LongSupplier nanoTime) {
        this.budget = budget;
        this.wait = wait;
        this.nanoTime = nanoTime;
    }

    public Duration budget() {
        return budget;
    }

    /** The longest wait for one answer ({@code tally.ingest.database-wait}). */
    public Duration answerWait() {
        return wait;
    }

    /**
     * {@code step}, given up with {@link NoAnswer} when it has not ended after {@link #answerWait}.
     * A Reactor timeout rather than the server's statement_timeout: it also bounds what the server
     * cannot, a connection from an exhausted pool, a server that no longer answers at all, and a
     * signal lost in Tally itself; the caller closes the connection the step was cancelled on.
     */
    public <T> Mono<T> answered(Mono<T> step, String what) {
        return step.timeout(wait)
                .onErrorMap(
                        TimeoutException.class,
                        timeout ->
                                new NoAnswer("%s: no answer from the database within %d ms (tally.ingest.database-wait)"
                                        .formatted(what, wait.toMillis())));
    }

    /**
     * Subscribes to {@code work} again, a budget apart, after each error that says the database is
     * away, for as long as this instance runs: for what must be written once it is back.
     */
    public <T> Mono<T> untilBack(Mono<T> work) {
        return answered(work, "writing")
                .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, budget).filter(ConnectionLoss::is));
    }

    /** Subscribes to {@code work} again while the database is away ({@link ConnectionLoss}, which counts a wait without an answer too), within the budget. */
    public <T> Mono<T> whileAway(Mono<T> work, String what) {
        return retrying(answered(work, what), ConnectionLoss::is, what);
    }

    /** A new outage, whose clock starts at its first pause. */
    public Outage outage() {
        return new Outage();
    }

    /**
     * Subscribes to {@code work} again after each error {@code retryable} accepts, within the
     * budget counted from the first; other errors end it, and {@link DatabaseGone} once the budget
     * is spent.
     */
    public <T> Mono<T> retrying(Mono<T> work, Predicate<Throwable> retryable, String what) {
        return Mono.defer(() -> {
            Outage outage = outage();
            return work.retryWhen(Retry.from(failures -> failures.concatMap(signal -> retryable.test(signal.failure())
                    ? outage.pause(signal.failure(), what)
                    : Mono.error(signal.failure()))));
        });
    }

    /** One stretch of time without the database: when it began, and how many pauses it took. */
    public final class Outage {

        private long since = -1;
        private int pauses;

        /** The database answered a moment ago: a later failure starts a new outage. */
        public void answered() {
            since = -1;
            pauses = 0;
        }

        /**
         * Waits before the next try; the last one falls when the budget ends. Signals {@link
         * DatabaseGone} once the database has been away that long.
         */
        public Mono<Long> pause(Throwable cause, String what) {
            long now = nanoTime.getAsLong();
            if (since < 0) {
                since = now;
            }
            Duration away = Duration.ofNanos(now - since);
            if (away.compareTo(budget) >= 0) {
                return Mono.error(DatabaseGone.after(what, budget, cause));
            }
            Duration pause = FIRST_PAUSE.multipliedBy(1L << Math.min(pauses++, 10));
            pause = min(min(pause, LONGEST_PAUSE), budget.minus(away));
            return Mono.delay(pause);
        }

        private static Duration min(Duration a, Duration b) {
            return a.compareTo(b) <= 0 ? a : b;
        }
    }

    /**
     * The database did not answer within {@link #answerWait}: a statement blocked (a lock held
     * elsewhere, a server that no longer answers) or a connection not to be had. The step was
     * cancelled; its connection, in an unknown state, must be closed, not reused. A resource error,
     * so that it counts as a connection lost ({@link SqlError.ConnectionLost}).
     */
    public static final class NoAnswer extends R2dbcNonTransientResourceException {
        NoAnswer(String message) {
            super(message);
        }
    }

    /** The database stayed away for the whole budget; the job fails with {@code database_unavailable}. */
    public static final class DatabaseGone extends RuntimeException {

        /** The job error code; a job that failed with it resumes under its Idempotency-Key. */
        public static final String CODE = "database_unavailable";

        private final String message;

        DatabaseGone(String message, Throwable cause) {
            super(withCause(message, cause), cause);
            this.message = withCause(message, cause);
        }

        private static String withCause(String message, Throwable cause) {
            return message + "; last error: " + cause.getMessage();
        }

        /** Never null, unlike Throwable's: it becomes the job's error message. */
        @Override
        public String getMessage() {
            return message;
        }

        static DatabaseGone after(String what, Duration budget, Throwable cause) {
            return new DatabaseGone(
                    "%s: the database did not answer for %d ms (tally.ingest.database-retry)"
                            .formatted(what, budget.toMillis()),
                    cause);
        }

        public JobError error() {
            return new JobError(CODE, getMessage(), null);
        }
    }
}
