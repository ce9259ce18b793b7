package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.job.Counts;
import dev.tally.job.JobStatus;
import dev.tally.job.LoggedRow;
import dev.tally.job.RowKey;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class EventFeedTests {

    private static final UUID JOB = UUID.fromString("00000000-0000-0000-0000-000000000001");

    private static JobEvent.ChunksCommitted chunk(int n, long inserted, long skippedCount, Counts totals) {
        List<LoggedRow> skipped = java.util.stream.LongStream.range(0, skippedCount)
                .mapToObj(i -> new LoggedRow(
                        n * 10 + i, LoggedRow.Outcome.SKIPPED, "exists", RowKey.of("{\"id\":" + i + "}"), null, null))
                .toList();
        return new JobEvent.ChunksCommitted(
                JOB,
                n,
                n,
                n * 10L - 9,
                n * 10L,
                n * 100L,
                Instant.EPOCH,
                Counts.of(inserted, 0, 0, skippedCount, 0),
                totals,
                skipped,
                List.of(),
                false);
    }

    private static JobEvent.Started started() {
        return new JobEvent.Started(JOB, "things", "skip", 10, false, false, Instant.EPOCH, null);
    }

    private static JobEvent.Ended ended(Counts totals, int chunks) {
        return new JobEvent.Ended(JOB, chunks + 1, JobStatus.COMPLETED, totals, chunks, 10, 1.0, null, null);
    }

    @Test
    void aReaderKeepingUpGetsEveryChunkEvent() {
        EventFeed feed = new EventFeed(100);

        StepVerifier.create(feed.events())
                .then(() -> feed.publish(started()))
                .expectNextMatches(e -> e instanceof JobEvent.Started)
                .then(() -> feed.publish(chunk(1, 10, 0, Counts.of(10, 0, 0, 0, 0))))
                .expectNextMatches(
                        e -> e instanceof JobEvent.ChunksCommitted c && c.firstChunk() == 1 && c.lastChunk() == 1)
                .then(() -> feed.publish(chunk(2, 10, 0, Counts.of(20, 0, 0, 0, 0))))
                .expectNextMatches(e -> e instanceof JobEvent.ChunksCommitted c && c.firstChunk() == 2)
                .then(() -> feed.publish(ended(Counts.of(20, 0, 0, 0, 0), 2)))
                .expectNextMatches(e -> e instanceof JobEvent.Ended)
                .verifyComplete();
    }

    @Test
    void aReaderThatDoesNotReadGetsTheChunksMergedWithCountsSummed() {
        EventFeed feed = new EventFeed(3);
        feed.publish(started());
        feed.publish(chunk(1, 8, 2, Counts.of(8, 0, 0, 2, 0)));
        feed.publish(chunk(2, 9, 1, Counts.of(17, 0, 0, 3, 0)));
        feed.publish(chunk(3, 7, 3, Counts.of(24, 0, 0, 6, 0)));
        feed.publish(ended(Counts.of(24, 0, 0, 6, 0), 3));

        StepVerifier.create(feed.events(), 0)
                .thenRequest(1)
                .expectNextMatches(e -> e instanceof JobEvent.Started)
                .thenRequest(1)
                .assertNext(e -> {
                    JobEvent.ChunksCommitted merged = (JobEvent.ChunksCommitted) e;
                    assertThat(List.of(merged.firstChunk(), merged.lastChunk())).containsExactly(1, 3);
                    assertThat(List.of(merged.firstLine(), merged.lastLine())).containsExactly(1L, 30L);
                    assertThat(merged.counts()).isEqualTo(Counts.of(24, 0, 0, 6, 0));
                    assertThat(merged.totals()).isEqualTo(Counts.of(24, 0, 0, 6, 0));
                    assertThat(merged.skipped()).extracting(LoggedRow::line).containsExactly(10L, 11L, 20L);
                    assertThat(merged.truncated()).isTrue();
                    assertThat(merged.id()).isEqualTo(3);
                })
                .thenRequest(1)
                .assertNext(e -> assertThat(((JobEvent.Ended) e).id()).isEqualTo(4))
                .verifyComplete();
    }

    @Test
    void chunksTheSubscriberHasAreLeftOutBeforeTheyCanMergeWithLaterOnes() {
        EventFeed feed = new EventFeed(10, 2);
        feed.publish(chunk(1, 10, 0, Counts.of(10, 0, 0, 0, 0)));
        feed.publish(chunk(2, 10, 0, Counts.of(20, 0, 0, 0, 0)));
        feed.publish(chunk(3, 9, 1, Counts.of(29, 0, 0, 1, 0)));
        feed.publish(chunk(4, 10, 0, Counts.of(39, 0, 0, 1, 0)));
        feed.publish(ended(Counts.of(39, 0, 0, 1, 0), 4));

        StepVerifier.create(feed.events(), 0)
                .thenRequest(1)
                .assertNext(e -> {
                    JobEvent.ChunksCommitted merged = (JobEvent.ChunksCommitted) e;
                    assertThat(List.of(merged.firstChunk(), merged.lastChunk())).containsExactly(3, 4);
                    assertThat(merged.counts()).isEqualTo(Counts.of(19, 0, 0, 1, 0));
                    assertThat(merged.totals()).isEqualTo(Counts.of(39, 0, 0, 1, 0));
                })
                .thenRequest(1)
                .assertNext(e -> assertThat(((JobEvent.Ended) e).id()).isEqualTo(5))
                .verifyComplete();
    }

    @Test
    void cancellingRunsTheCancelAction() {
        EventFeed feed = new EventFeed(10);
        AtomicBoolean gone = new AtomicBoolean();
        feed.onCancel(() -> gone.set(true));
        feed.publish(started());

        StepVerifier.create(feed.events()).expectNextCount(1).thenCancel().verify();

        assertThat(gone).isTrue();
    }

    @Test
    void aJobThatCouldNotStartEndsTheEventsWithItsErrorBeforeAnyEvent() {
        EventFeed feed = new EventFeed(10);
        IllegalStateException failure = new IllegalStateException("database unavailable");
        feed.fail(failure);

        StepVerifier.create(feed.events()).expectErrorMatches(e -> e == failure).verify();
    }
}
