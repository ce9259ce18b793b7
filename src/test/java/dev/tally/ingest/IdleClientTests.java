package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** The idle clock runs only while Tally asks for body data: backpressure is never the client's fault. */
class IdleClientTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static DataBuffer buffer(String text) {
        return DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBodyThatSendsNothingWhileAskedEndsIdleAfterTheTimeout() {
        StepVerifier.withVirtualTime(() -> IdleClient.watch(Flux.never(), TIMEOUT))
                .expectSubscription()
                .expectNoEvent(TIMEOUT.minusSeconds(1))
                .thenAwait(Duration.ofSeconds(2))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(IdleClient.Idle.class)
                        .hasMessage("the client sent nothing for PT10S while Tally waited for the body: it is"
                                + " disconnected"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void timeWithoutDemandDoesNotCountAndDemandRestartsTheClock() {
        TestPublisher<DataBuffer> body = TestPublisher.createCold();
        StepVerifier.withVirtualTime(() -> IdleClient.watch(body.flux(), TIMEOUT), 0)
                .expectSubscription()
                .thenAwait(TIMEOUT.multipliedBy(5)) // backpressure: no request, no clock
                .thenRequest(1)
                .expectNoEvent(TIMEOUT.minusSeconds(1))
                .then(() -> body.next(buffer("{\"id\":1}\n")))
                .expectNextCount(1)
                // The request was served: with none outstanding, the clock stands still again.
                .thenAwait(TIMEOUT.multipliedBy(5))
                .thenRequest(1)
                .thenAwait(TIMEOUT.plusSeconds(1))
                .expectError(IdleClient.Idle.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void eachBufferRestartsTheClock() {
        TestPublisher<DataBuffer> body = TestPublisher.createCold();
        StepVerifier.withVirtualTime(() -> IdleClient.watch(body.flux(), TIMEOUT))
                .expectSubscription()
                .thenAwait(TIMEOUT.minusSeconds(2))
                .then(() -> body.next(buffer("a")))
                .expectNextCount(1)
                .thenAwait(TIMEOUT.minusSeconds(2))
                .then(() -> body.next(buffer("b")))
                .expectNextCount(1)
                .thenAwait(TIMEOUT.minusSeconds(2))
                .then(body::complete)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }
}
