package dev.tally.ingest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Ends a request body whose client sends nothing for {@code tally.limits.idle-timeout}. Only time
 * in which Tally asks for data counts: while the pipeline applies backpressure (a slow database,
 * chunks in flight) it requests nothing, the clock stands still, and it starts again from zero
 * when Tally asks for more. Each buffer received restarts it too.
 */
final class IdleClient {

    private IdleClient() {}

    /** The body went silent while Tally waited for it; the job ends {@code aborted}, error {@code client_idle}. */
    static final class Idle extends RuntimeException {
        private final String message;

        Idle(Duration timeout) {
            this("the client sent nothing for %s while Tally waited for the body: it is disconnected"
                    .formatted(timeout));
        }

        private Idle(String message) {
            super(message);
            this.message = message;
        }

        /** Never null, unlike Throwable's: it becomes the job's error message. */
        @Override
        public String getMessage() {
            return message;
        }
    }

    /**
     * The body, unchanged in content, order and demand (requests pass through as they are), ending
     * with {@link Idle} once demand has been outstanding without a buffer for {@code timeout}. The
     * clock is checked every tenth of the timeout (at least every 50 ms), so it fires up to that
     * much late. Cancel cancels the body and the clock.
     */
    static Flux<DataBuffer> watch(Flux<DataBuffer> body, Duration timeout) {
        Duration check = timeout.dividedBy(10).compareTo(Duration.ofMillis(50)) < 0
                ? Duration.ofMillis(50)
                : timeout.dividedBy(10);
        return Flux.defer(() -> {
            // Read at subscription, so that a test's virtual time drives the clock too.
            Scheduler timer = Schedulers.parallel();
            Clock clock = new Clock(timer);
            Mono<Long> silent = Flux.interval(check, check, timer)
                    .filter(tick -> clock.idleNanos() >= timeout.toNanos())
                    .next();
            return body.doOnNext(buffer -> clock.received())
                    .takeUntilOther(silent.doOnNext(tick -> clock.wentSilent()))
                    .doOnRequest(clock::requested)
                    .concatWith(Mono.defer(() -> clock.silent() ? Mono.error(new Idle(timeout)) : Mono.empty()));
        });
    }

    /** How long Tally has been asking for data without getting any, and whether that ended the body. */
    private static final class Clock {
        private final Scheduler timer;
        private long outstanding;
        private long since;
        private boolean silent;

        Clock(Scheduler timer) {
            this.timer = timer;
        }

        synchronized void requested(long n) {
            if (outstanding == 0) {
                since = timer.now(TimeUnit.NANOSECONDS);
            }
            outstanding = Operators.addCap(outstanding, n);
        }

        synchronized void received() {
            if (outstanding != Long.MAX_VALUE && outstanding > 0) {
                outstanding--;
            }
            since = timer.now(TimeUnit.NANOSECONDS);
        }

        synchronized void wentSilent() {
            silent = true;
        }

        synchronized boolean silent() {
            return silent;
        }

        synchronized long idleNanos() {
            return outstanding > 0 ? timer.now(TimeUnit.NANOSECONDS) - since : 0;
        }
    }
}
