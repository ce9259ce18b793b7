package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.job.Counts;
import dev.tally.job.JobProgress;
import dev.tally.ndjson.Line;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class ChunkerTests {

    private static Line text(long number, String text) {
        return new Line.Text(number, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void cutsAtTheRowCountAndTilesTheLineNumbers() {
        Flux<Line> lines = Flux.just(text(1, "a"), text(2, "b"), text(4, "c"), text(5, "d"), text(7, "e"));

        StepVerifier.create(Chunker.chunks(lines, 2, 1_000_000, Duration.ofSeconds(10)))
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 2, 2))
                .assertNext(chunk -> assertChunk(chunk, 2, 3, 5, 2))
                .assertNext(chunk -> assertChunk(chunk, 3, 6, 7, 1))
                .verifyComplete();
    }

    @Test
    void cutsAtTheByteBudget() {
        Flux<Line> lines = Flux.just(text(1, "aaaa"), text(2, "bbbb"), text(3, "cc"), text(4, "d"));

        StepVerifier.create(Chunker.chunks(lines, 100, 8, Duration.ofSeconds(10)))
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 2, 2))
                .assertNext(chunk -> assertChunk(chunk, 2, 3, 4, 2))
                .verifyComplete();
    }

    @Test
    void aSlowTrickleIsCutOnceItsFirstLineWaitedTheLimit() {
        Sinks.Many<Line> trickle = Sinks.many().unicast().onBackpressureBuffer();

        // Ticks every 50 ms look at the open chunk: lines 1 and 2 wait from 0 ms, line 3 from 120 ms.
        StepVerifier.withVirtualTime(() -> Chunker.chunks(trickle.asFlux(), 1000, 1_000_000, Duration.ofMillis(100)))
                .expectSubscription()
                .then(() -> trickle.tryEmitNext(text(1, "a")))
                .thenAwait(Duration.ofMillis(30))
                .then(() -> trickle.tryEmitNext(text(2, "b")))
                .expectNoEvent(Duration.ofMillis(69))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 2, 2))
                .thenAwait(Duration.ofMillis(20))
                .then(() -> trickle.tryEmitNext(text(3, "c")))
                .expectNoEvent(Duration.ofMillis(129))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(chunk -> assertChunk(chunk, 2, 3, 3, 1))
                .then(trickle::tryEmitComplete)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    /**
     * A fast client while the writes hold the chunks back: a chunk asked for a second after the one
     * before still has its full size, however many ticks passed meanwhile.
     */
    @Test
    void aChunkHeldBackByTheWritesIsNotCutByTime() {
        // Hidden, as a network body is: a source Reactor can fuse with would be read on its own terms.
        Flux<Line> fast = Flux.range(1, 100).map(i -> text(i, "x")).hide();

        StepVerifier.withVirtualTime(() -> Chunker.chunks(fast, 10, 1_000_000, Duration.ofMillis(100)), 1)
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 10, 10))
                .expectNoEvent(Duration.ofSeconds(1))
                .thenRequest(3)
                .assertNext(chunk -> assertChunk(chunk, 2, 11, 20, 10))
                .assertNext(chunk -> assertChunk(chunk, 3, 21, 30, 10))
                .assertNext(chunk -> assertChunk(chunk, 4, 31, 40, 10))
                .expectNoEvent(Duration.ofSeconds(1))
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(6)
                .verifyComplete();
    }

    /**
     * A slow client while the writes hold the chunks back: its chunk's wait counts from when a chunk
     * is asked for, not from its first line, read before that.
     */
    @Test
    void aSlowTrickleWaitsTheLimitFromWhenAChunkIsAskedFor() {
        Sinks.Many<Line> trickle = Sinks.many().unicast().onBackpressureBuffer();

        StepVerifier.withVirtualTime(() -> Chunker.chunks(trickle.asFlux(), 2, 1_000_000, Duration.ofMillis(100)), 1)
                .expectSubscription()
                .then(() -> {
                    trickle.tryEmitNext(text(1, "a"));
                    trickle.tryEmitNext(text(2, "b"));
                    trickle.tryEmitNext(text(3, "c"));
                })
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 2, 2))
                // Line 3 opens the next chunk, which nobody asks for during a second.
                .expectNoEvent(Duration.ofSeconds(1))
                .thenRequest(1)
                // Ticks every 50 ms: at 1,050 ms it has waited 50 ms since asked for, at 1,100 ms 100 ms.
                .expectNoEvent(Duration.ofMillis(99))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(chunk -> assertChunk(chunk, 2, 3, 3, 1))
                .then(trickle::tryEmitComplete)
                .thenRequest(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aResumedUploadsChunksContinueTheLedgers() {
        Flux<Line> linesAfterTheLedger = Flux.just(text(9, "a"), text(10, "b"), text(12, "c"));

        StepVerifier.create(Chunker.chunks(
                        linesAfterTheLedger,
                        2,
                        1_000_000,
                        Duration.ofSeconds(10),
                        new JobProgress(4, 7, Counts.of(5, 0, 0, 0, 0)),
                        () -> 0))
                .assertNext(chunk -> assertChunk(chunk, 5, 8, 10, 2))
                .assertNext(chunk -> assertChunk(chunk, 6, 11, 12, 1))
                .verifyComplete();
    }

    /** The body's bytes read are taken as each chunk is cut: here, 100 per line read so far. */
    @Test
    void eachChunkKeepsTheBytesReadWhenItWasCut() {
        AtomicLong read = new AtomicLong();
        Flux<Line> lines = Flux.range(1, 5).map(n -> text(n, "x")).doOnNext(line -> read.addAndGet(100));

        StepVerifier.create(Chunker.chunks(lines, 2, 1_000_000, Duration.ofSeconds(10), JobProgress.NONE, read::get), 1)
                .assertNext(chunk -> assertThat(chunk.bytesRead()).isEqualTo(200))
                .thenRequest(2)
                .assertNext(chunk -> assertThat(chunk.bytesRead()).isEqualTo(400))
                .assertNext(chunk -> assertThat(chunk.bytesRead()).isEqualTo(500))
                .verifyComplete();
    }

    @Test
    void anEmptyBodyHasNoChunks() {
        StepVerifier.create(Chunker.chunks(Flux.empty(), 10, 100, Duration.ofMillis(50)))
                .verifyComplete();
    }

    @Test
    void readsTheLinesOnlyAsFarAsTheChunksRequested() {
        AtomicLong read = new AtomicLong();
        // Hidden, as a network body is: a source Reactor can fuse with would be read on its own terms.
        Flux<Line> lines = Flux.range(1, 100_000)
                .map(i -> text(i, "x"))
                .doOnNext(line -> read.incrementAndGet())
                .hide();

        StepVerifier.create(Chunker.chunks(lines, 10, 1_000_000, Duration.ofSeconds(10)), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> assertThat(read.get()).isLessThanOrEqualTo(256))
                .thenRequest(2)
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 10, 10))
                .assertNext(chunk -> assertChunk(chunk, 2, 11, 20, 10))
                .expectNoEvent(Duration.ofMillis(100))
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        assertThat(read.get()).isLessThanOrEqualTo(20 + 256);
    }

    @Test
    void readsOnlyWhatIsRequested() {
        Flux<Line> lines = Flux.range(1, 10_000).map(i -> text(i, "x"));

        StepVerifier.create(Chunker.chunks(lines, 10, 1_000_000, Duration.ofSeconds(10)), 0)
                .thenRequest(1)
                .assertNext(chunk -> assertChunk(chunk, 1, 1, 10, 10))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }

    private static void assertChunk(LineChunk chunk, int number, long first, long last, int lines) {
        assertThat(List.of(
                        chunk.number(),
                        chunk.firstLine(),
                        chunk.lastLine(),
                        chunk.lines().size()))
                .containsExactly(number, first, last, lines);
    }
}
