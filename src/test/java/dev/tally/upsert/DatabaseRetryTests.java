package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.upsert.DatabaseRetry.DatabaseGone;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class DatabaseRetryTests {

    private static final R2dbcNonTransientResourceException LOST =
            new R2dbcNonTransientResourceException("Connection unexpectedly closed", "08006");

    private final List<Long> tries = new ArrayList<>();

    @Test
    void triesAgainAfterDoublingPausesAndGivesUpWhenTheBudgetEnds() {
        StepVerifier.withVirtualTime(() -> retry(Duration.ofSeconds(1)).retrying(failing(), e -> true, "ending job j"))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(DatabaseGone.class)
                        .hasMessage("ending job j: the database did not answer for 1000 ms"
                                + " (tally.ingest.database-retry); last error: Connection unexpectedly closed"))
                .verify(Duration.ofSeconds(5));

        // The last pause is cut short, so that the last try falls when the budget ends.
        assertThat(tries).containsExactly(0L, 100L, 300L, 700L, 1000L);
    }

    @Test
    void pausesNeverExceedTwoSeconds() {
        StepVerifier.withVirtualTime(() -> retry(Duration.ofSeconds(10)).retrying(failing(), e -> true, "ending job j"))
                .thenAwait(Duration.ofSeconds(10))
                .expectError(DatabaseGone.class)
                .verify(Duration.ofSeconds(5));

        assertThat(tries).containsExactly(0L, 100L, 300L, 700L, 1500L, 3100L, 5100L, 7100L, 9100L, 10000L);
    }

    @Test
    void anErrorNotRetriedEndsAtOnce() {
        StepVerifier.withVirtualTime(
                        () -> retry(Duration.ofSeconds(1)).retrying(failing(), e -> e != LOST, "ending job j"))
                .expectErrorMatches(error -> error == LOST)
                .verify(Duration.ofSeconds(5));

        assertThat(tries).containsExactly(0L);
    }

    @Test
    void anOutageStartsAfreshOnceTheDatabaseAnswered() {
        StepVerifier.withVirtualTime(() -> {
                    DatabaseRetry.Outage outage = retry(Duration.ofMillis(250)).outage();
                    Mono<Long> pause = Mono.defer(() -> outage.pause(LOST, "chunk 1"));
                    // 100 + 150 ms: the budget is spent; answered, it starts again: 100 + 150 ms, and then gone.
                    return pause.then(pause)
                            .then(Mono.fromRunnable(outage::answered))
                            .then(pause)
                            .then(pause)
                            .then(pause);
                })
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(499))
                .thenAwait(Duration.ofMillis(1))
                .expectError(DatabaseGone.class)
                .verify(Duration.ofSeconds(5));
    }

    private DatabaseRetry retry(Duration budget) {
        return new DatabaseRetry(budget, () -> VirtualTimeScheduler.get().now(TimeUnit.NANOSECONDS));
    }

    private Mono<String> failing() {
        return Mono.defer(() -> {
            tries.add(VirtualTimeScheduler.get().now(TimeUnit.MILLISECONDS));
            return Mono.error(LOST);
        });
    }
}
