package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** Resume without a server: each exchange is a scripted answer. */
class UploadTests {

    private static final UploadEvent STARTED =
            new UploadEvent.JobStarted("j", "things", "skip", 100, false, false, Instant.EPOCH);

    private final List<Long> blankLinesSent = new CopyOnWriteArrayList<>();

    @Test
    void aLostConnectionResumesAfterTheLastCommittedLineWithoutRepeatingAnEvent() {
        List<Flux<UploadEvent>> answers = List.of(
                Flux.just(STARTED, chunk(1, 1, 100)).concatWith(Flux.error(new IOException("reset"))),
                Flux.just(STARTED, chunk(1, 1, 100), chunk(2, 101, 200), ended()));
        UploadOptions options = UploadOptions.defaults().withIdempotencyKey("k");

        List<UploadEvent> events = scripted(options, answers).collectList().block(Duration.ofSeconds(5));

        assertThat(events)
                .containsExactly(
                        STARTED,
                        chunk(1, 1, 100),
                        new UploadEvent.Resumed("j", 1, 100, "reset"),
                        chunk(2, 101, 200),
                        ended());
        assertThat(blankLinesSent).containsExactly(0L, 100L);
    }

    @Test
    void withoutAKeyALostConnectionSaysWhatCommitted() {
        List<Flux<UploadEvent>> answers = List.of(Flux.just(STARTED, chunk(1, 1, 100)));

        assertThatThrownBy(() -> scripted(UploadOptions.defaults(), answers).blockLast(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(TallyConnectionLostException.class, lost -> {
                    assertThat(lost.job()).isEqualTo("j");
                    assertThat(lost.committedLine()).isEqualTo(100);
                });
        assertThat(blankLinesSent).containsExactly(0L);
    }

    @Test
    void aResumeWaitsWhileTheKeyIsStillInUse() {
        TallyProblemException inUse = new TallyProblemException(409, "Idempotency-Key in use", "runs", Map.of());
        List<Flux<UploadEvent>> answers = List.of(
                Flux.just(STARTED).concatWith(Flux.error(new IOException("reset"))),
                Flux.error(inUse),
                Flux.just(STARTED, chunk(1, 1, 100), ended()));

        List<UploadEvent> events = scripted(UploadOptions.defaults().withIdempotencyKey("k"), answers)
                .collectList()
                .block(Duration.ofSeconds(5));

        assertThat(events).hasSize(4).endsWith(ended());
        assertThat(blankLinesSent).containsExactly(0L, 0L, 0L);
    }

    @Test
    void aProblemIsNotResumed() {
        TallyProblemException refused = new TallyProblemException(404, "Unknown dataset", "none", Map.of());
        assertThatThrownBy(
                        () -> scripted(UploadOptions.defaults().withIdempotencyKey("k"), List.of(Flux.error(refused)))
                                .blockLast(Duration.ofSeconds(5)))
                .isSameAs(refused);
    }

    private Flux<UploadEvent> scripted(UploadOptions options, List<Flux<UploadEvent>> answers) {
        return new Upload(Flux.empty(), options, (records, blankLines) -> {
                    blankLinesSent.add(blankLines);
                    return answers.get(blankLinesSent.size() - 1);
                })
                .events();
    }

    private static UploadEvent.ChunkCommitted chunk(long chunk, long first, long last) {
        Counts counts = new Counts(last - first + 1, last - first + 1, 0, 0, 0, 0);
        Counts totals = new Counts(last, last, 0, 0, 0, 0);
        return new UploadEvent.ChunkCommitted(
                "j", chunk, chunk, first, last, counts, totals, List.of(), List.of(), false);
    }

    private static UploadEvent.JobEnded ended() {
        return new UploadEvent.JobEnded("j", "completed", new Counts(200, 200, 0, 0, 0, 0), 2, 10, 1.0, null, null);
    }
}
