package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.dataset.Column;
import dev.tally.dataset.ColumnType;
import dev.tally.dataset.ColumnType.Kind;
import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.dataset.TableSchema;
import dev.tally.dataset.UniqueIndex;
import dev.tally.events.JobEvent;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobError;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkResult;
import dev.tally.upsert.ChunkWriter;
import dev.tally.upsert.ParsedChunk;
import dev.tally.upsert.Turn;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The upload pipeline against writers that stand in for the database: order, demand, cancel and failure. */
class UploadTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final TableSchema SCHEMA = new TableSchema(
            "public",
            "t",
            List.of(
                    new Column("id", 0, ColumnType.of(Kind.BIGINT, "bigint"), false, false),
                    new Column("v", 1, ColumnType.of(Kind.TEXT, "text"), true, false)),
            List.of(0),
            -1,
            List.of(new UniqueIndex("t_pkey", List.of(0))));

    private final UUID job = UUID.randomUUID();
    private final List<Finish> finished = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bodyLines = new AtomicLong();
    private final AtomicBoolean bodyCancelled = new AtomicBoolean();

    private record Finish(JobStatus status, JobError error) {}

    @Test
    void chunkOutcomesArriveInChunkOrderThoughLaterChunksCommitFirst() {
        // Chunk 1 takes longest, chunk 3 none: they still report, and commit, in chunk order.
        Committing writer = new Committing(chunk -> Duration.ofMillis(60 - 20L * chunk.number()));

        StepVerifier.create(upload(writer, false).start(Mono.empty(), body(25)))
                .assertNext(event -> assertThat(event).isInstanceOf(JobEvent.Started.class))
                .recordWith(ArrayList::new)
                .thenConsumeWhile(JobEvent.ChunksCommitted.class::isInstance)
                .consumeRecordedWith(chunks -> assertChunks(chunks, 3, 25))
                .assertNext(event -> assertEnded(event, JobStatus.COMPLETED, 25, 3))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(writer.committedInOrder).containsExactly(1, 2, 3);
        assertThat(finished).containsExactly(new Finish(JobStatus.COMPLETED, null));
    }

    /**
     * A fast client and slow writes: chunks wait for a writer far longer than chunk-max-wait, and
     * still each has chunkSize lines, since only the client's pace cuts a chunk by time.
     */
    @Test
    void chunksHeldBackBySlowWritesKeepTheirFullSize() {
        Committing writer = new Committing(chunk -> Duration.ofMillis(150));

        StepVerifier.create(upload(writer, false, Duration.ofMillis(20)).start(Mono.empty(), asyncBody(400)))
                .assertNext(event -> assertThat(event).isInstanceOf(JobEvent.Started.class))
                .recordWith(ArrayList::new)
                .thenConsumeWhile(JobEvent.ChunksCommitted.class::isInstance)
                .consumeRecordedWith(chunks -> assertChunks(chunks, 40, 400))
                .assertNext(event -> assertEnded(event, JobStatus.COMPLETED, 400, 40))
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(writer.sizes).hasSize(40).containsOnly(10);
    }

    @Test
    void readsTheBodyOnlyAsFarAsTheResultsRequested() {
        Committing writer = new Committing(chunk -> Duration.ZERO);

        StepVerifier.create(upload(writer, false).results(body(100_000)), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .thenRequest(1)
                .assertNext(result -> assertThat(result.chunk()).isEqualTo(1))
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertThat(bodyLines.get()).isLessThan(2_000))
                .thenRequest(2)
                .assertNext(result -> assertThat(result.chunk()).isEqualTo(2))
                .assertNext(result -> assertThat(result.chunk()).isEqualTo(3))
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(bodyLines.get()).isLessThan(2_000);
        assertThat(bodyCancelled).isTrue();
    }

    @Test
    void cancellingTheResultsReleasesTheBodyAndEveryChunkInFlight() {
        Holding writer = new Holding();

        StepVerifier.create(upload(writer, false).results(body(100_000)))
                .expectSubscription()
                .then(() -> awaitWrites(writer, 4)) // tally.ingest.write-concurrency
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(bodyCancelled).isTrue();
        assertThat(writer.started.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(writer.started.values()).allMatch(AtomicBoolean::get);
    }

    @Test
    void aClientGoneAbortsTheJobOnceTheChunksInFlightEnded() {
        Holding writer = new Holding();
        Upload upload = upload(writer, false);

        StepVerifier.create(upload.start(Mono.empty(), body(100_000)))
                .assertNext(event -> assertThat(event).isInstanceOf(JobEvent.Started.class))
                .then(() -> awaitWrites(writer, 4))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(finished).isEmpty();
        writer.release.tryEmitEmpty();

        StepVerifier.create(upload.ended()).expectComplete().verify(TIMEOUT);
        assertThat(finished).containsExactly(new Finish(JobStatus.ABORTED, null));
        assertThat(bodyCancelled).isTrue();
    }

    @Test
    void aChunkTheWriterCouldNotWriteFailsTheJobKeepingTheChunksBeforeIt() {
        JobError refused = new JobError("db_error", "chunk 2 (lines 11-20): no [SQLSTATE 42P01]", null);
        Committing writer = new Committing(chunk -> Duration.ZERO).failing(2, refused);

        StepVerifier.create(upload(writer, false).start(Mono.empty(), body(45)))
                .assertNext(event -> assertThat(event).isInstanceOf(JobEvent.Started.class))
                .recordWith(ArrayList::new)
                .thenConsumeWhile(JobEvent.ChunksCommitted.class::isInstance)
                .consumeRecordedWith(chunks -> assertChunks(chunks, 1, 10))
                .assertNext(event -> {
                    assertEnded(event, JobStatus.FAILED, 10, 1);
                    assertThat(((JobEvent.Ended) event).error()).isEqualTo(refused);
                })
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(writer.committedInOrder).containsExactly(1);
        assertThat(finished).containsExactly(new Finish(JobStatus.FAILED, refused));
    }

    @Test
    void anUploadInOneTransactionWhoseCommitFailedEndsFailedAndNotKept() {
        ChunkWriter.OneTransaction writer = new ChunkWriter.OneTransaction() {
            @Override
            public Flux<ChunkResult> write(Flux<ParsedChunk> chunks, BooleanSupplier abandoned) {
                return chunks.map(chunk -> (ChunkResult) new ChunkResult.Written(record(chunk), false))
                        .concatWith(Mono.error(new IllegalStateException("the commit failed")));
            }

            @Override
            public boolean committed() {
                return false;
            }
        };

        StepVerifier.create(upload(writer, true).start(Mono.empty(), body(15)))
                .assertNext(event -> assertThat(event).isInstanceOf(JobEvent.Started.class))
                .recordWith(ArrayList::new)
                .thenConsumeWhile(JobEvent.ChunksCommitted.class::isInstance)
                .consumeRecordedWith(chunks -> assertChunks(chunks, 2, 15))
                .assertNext(event -> {
                    assertEnded(event, JobStatus.FAILED, 15, 2);
                    JobEvent.Ended ended = (JobEvent.Ended) event;
                    assertThat(ended.committed()).isFalse();
                    assertThat(ended.error())
                            .isEqualTo(new JobError(
                                    "internal_error",
                                    "the upload: java.lang.IllegalStateException: the commit failed",
                                    null));
                })
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(finished).hasSize(1);
        assertThat(finished.getFirst().status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void aJobThatCouldNotBeCreatedEndsItsEventsWithTheError() {
        Committing writer = new Committing(chunk -> Duration.ZERO);
        Upload upload = upload(writer, false);

        StepVerifier.create(upload.start(Mono.error(new IllegalStateException("no job")), body(5)))
                .expectErrorMessage("no job")
                .verify(TIMEOUT);

        StepVerifier.create(upload.ended()).expectComplete().verify(TIMEOUT);
        assertThat(writer.committedInOrder).isEmpty();
        assertThat(finished).isEmpty();
        assertThat(bodyLines.get()).isZero();
    }

    private Upload upload(ChunkWriter writer, boolean atomic) {
        return upload(writer, atomic, Duration.ofSeconds(10));
    }

    private Upload upload(ChunkWriter writer, boolean atomic, Duration chunkMaxWait) {
        JobSettings settings = new JobSettings("t", ConflictPolicy.UPDATE, 10, null, atomic, false, false, null);
        TallyProperties.Ingest limits = new TallyProperties.Ingest(
                10,
                DataSize.ofMegabytes(8),
                chunkMaxWait,
                4,
                Duration.ofSeconds(2),
                DataSize.ofMegabytes(1),
                100,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                10);
        UploadContext context = new UploadContext(
                job, new Dataset("t", SCHEMA), settings, limits, Instant.now(), null, JobProgress.NONE, 1_000_000);
        return new Upload(context, writer, new WriteScheduler(10).lane(), this::finish, lines -> {});
    }

    /** The job row answers the totals the writer committed, as the ledger would. */
    private Mono<Jobs.Finished> finish(UUID id, JobStatus status, JobError error, Instant endedAt) {
        assertThat(id).isEqualTo(job);
        finished.add(new Finish(status, error));
        return Mono.just(new Jobs.Finished(status, committed.get(), chunks.get()));
    }

    private final AtomicReference<Counts> committed = new AtomicReference<>(Counts.ZERO);
    private final AtomicInteger chunks = new AtomicInteger();

    /** One buffer per line {@code {"id":n}}, hidden from fusion as a network body is. */
    private UploadBody body(int lines) {
        Flux<DataBuffer> content = Flux.range(1, lines)
                .<DataBuffer>map(n -> DefaultDataBufferFactory.sharedInstance.wrap(
                        ("{\"id\":" + n + "}\n").getBytes(StandardCharsets.UTF_8)))
                .doOnNext(buffer -> bodyLines.incrementAndGet())
                .doOnCancel(() -> bodyCancelled.set(true))
                .hide();
        return new UploadBody(content, null, bodyLines::get);
    }

    /** The same lines, delivered on another thread in small batches, as a network body is. */
    private UploadBody asyncBody(int lines) {
        UploadBody body = body(lines);
        return new UploadBody(body.content().publishOn(Schedulers.boundedElastic(), 8), null, bodyLines::get);
    }

    private ChunkRecord record(ParsedChunk chunk) {
        return new ChunkRecord(
                job,
                chunk.number(),
                chunk.firstLine(),
                chunk.lastLine(),
                chunk.bytesRead(),
                Instant.now(), // stamped, as the ledger stamps every chunk it records
                Counts.of(chunk.rows().size(), 0, 0, 0, chunk.rejects().size()),
                List.of());
    }

    private static void awaitWrites(Holding writer, int count) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (writer.started.size() < count && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(writer.started).hasSize(count);
    }

    /**
     * The chunk events, which merge when published faster than they are read, cover chunks 1 to
     * {@code last} in order, each with the job's totals after it, ending at {@code inserted}.
     */
    private static void assertChunks(Collection<JobEvent> events, int last, long inserted) {
        int next = 1;
        long totals = 0;
        // The recording also holds the event that ended the chunk events.
        for (JobEvent event : events) {
            if (!(event instanceof JobEvent.ChunksCommitted chunks)) {
                continue;
            }
            assertThat(chunks.firstChunk()).isEqualTo(next);
            assertThat(chunks.totals().inserted())
                    .isEqualTo(totals + chunks.counts().inserted());
            next = chunks.lastChunk() + 1;
            totals = chunks.totals().inserted();
        }
        assertThat(List.of(next - 1, totals)).containsExactly(last, inserted);
    }

    private static void assertEnded(JobEvent event, JobStatus status, long inserted, int chunks) {
        assertThat(event).isInstanceOf(JobEvent.Ended.class);
        JobEvent.Ended ended = (JobEvent.Ended) event;
        assertThat(ended.status()).isEqualTo(status);
        assertThat(ended.totals()).isEqualTo(Counts.of(inserted, 0, 0, 0, 0));
        assertThat(ended.chunks()).isEqualTo(chunks);
    }

    /** Inserts every row after a delay of its own, committing in turn; or stops the job at one chunk. */
    private final class Committing implements ChunkWriter.PerChunk {
        private final Function<ParsedChunk, Duration> delay;
        private final List<Integer> committedInOrder = Collections.synchronizedList(new ArrayList<>());
        private final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        private int failing = -1;
        private JobError failure;

        Committing(Function<ParsedChunk, Duration> delay) {
            this.delay = delay;
        }

        Committing failing(int chunk, JobError error) {
            this.failing = chunk;
            this.failure = error;
            return this;
        }

        @Override
        public Mono<ChunkResult> write(ParsedChunk chunk, Turn turn) {
            if (chunk.number() == failing) {
                return Mono.just(new ChunkResult.Stopped(chunk.number(), failure));
            }
            ChunkRecord record = record(chunk);
            sizes.add(chunk.rows().size() + chunk.rejects().size());
            return Mono.delay(delay.apply(chunk))
                    .then(turn.previous())
                    .map(before -> {
                        Counts totals = before.plus(record.counts());
                        committed.set(totals);
                        chunks.set(chunk.number());
                        committedInOrder.add(chunk.number());
                        turn.committed(totals);
                        return (ChunkResult) new ChunkResult.Committed(record, false);
                    })
                    .defaultIfEmpty(new ChunkResult.Dropped(chunk.number()));
        }
    }

    /** Holds every chunk until released, then drops it; remembers which were cancelled or ended. */
    private static final class Holding implements ChunkWriter.PerChunk {
        private final Map<Integer, AtomicBoolean> started = new ConcurrentHashMap<>();
        private final Sinks.Empty<Void> release = Sinks.empty();

        @Override
        public Mono<ChunkResult> write(ParsedChunk chunk, Turn turn) {
            AtomicBoolean ended = new AtomicBoolean();
            started.put(chunk.number(), ended);
            return release.asMono()
                    .thenReturn((ChunkResult) new ChunkResult.Dropped(chunk.number()))
                    .doFinally(signal -> ended.set(true));
        }
    }
}
