package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.client.UploadEvent.ChunkCommitted;
import dev.tally.client.UploadEvent.JobEnded;
import dev.tally.client.UploadEvent.JobStarted;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/** Uploads through {@link TallyClient}: what each kind of record writes, and what the events say of every line. */
@TallyIntegrationTest
class TallyClientUploadIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A POJO with a getter for each column it fills, as an application's entity would be written. */
    public static final class Thing {
        private final long id;
        private final String label;

        Thing(long id, String label) {
            this.id = id;
            this.label = label;
        }

        public long getId() {
            return id;
        }

        public String getLabel() {
            return label;
        }
    }

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    private TallyClient tally;

    @BeforeEach
    void twoExistingThings() {
        tally = TallyClient.create("http://localhost:" + port, TestTokens.ADMIN);
        db.update("TRUNCATE things");
        db.update(
                "INSERT INTO things (id, code, label, qty, version) VALUES (1, 'a', 'one', 1, 1), (2, 'b', 'two', 2, 1)");
    }

    @Test
    void mapsAreWrittenAsJsonAndEveryLineIsCounted() {
        Flux<Map<String, Object>> records = Flux.range(1, 250).map(id -> {
            Map<String, Object> thing = new LinkedHashMap<>();
            thing.put("id", id);
            thing.put("label", "thing " + id);
            return thing;
        });

        List<UploadEvent> events = upload(records, UploadOptions.defaults().withChunkSize(100));

        assertThat(events.getFirst()).isInstanceOfSatisfying(JobStarted.class, started -> {
            assertThat(started.dataset()).isEqualTo("things");
            assertThat(started.onConflict()).isEqualTo("skip");
            assertThat(started.chunkSize()).isEqualTo(100);
        });
        assertThat(chunks(events))
                .extracting(ChunkCommitted::firstLine, ChunkCommitted::lastLine)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 100L),
                        org.assertj.core.groups.Tuple.tuple(101L, 200L),
                        org.assertj.core.groups.Tuple.tuple(201L, 250L));
        assertThat(chunks(events).getLast().totals()).isEqualTo(new Counts(250, 248, 0, 0, 2, 0));
        JobEnded end = end(events);
        assertThat(end.status()).isEqualTo("completed");
        assertThat(end.totals()).isEqualTo(new Counts(250, 248, 0, 0, 2, 0));
        assertThat(end.chunks()).isEqualTo(3);
        assertThat(end.error()).isNull();
        assertThat(table()).isEqualTo(expectedTable(250));
    }

    @Test
    void stringsAreSentAsTheyAreAndSkippedAndRejectedLinesComeWithTheirKeysAndCodes() {
        Flux<String> records = Flux.just(
                "{\"id\":1,\"label\":\"again\"}",
                "{\"id\":3,\"label\":\"three\"}\n",
                "",
                "{\"id\":4,\"label\":",
                "[4]",
                "{\"id\":5,\"label\":\"five\",\"colour\":\"red\"}",
                "{\"id\":2,\"label\":\"changed\"}",
                "{\"label\":\"no key\"}",
                "{\"id\":6,\"label\":\"six\"}");

        List<UploadEvent> events = upload(records, UploadOptions.defaults());

        ChunkCommitted chunk = chunks(events).getFirst();
        assertThat(chunk.skipped())
                .containsExactly(
                        new SkippedLine(1, Map.of("id", 1), "exists"), new SkippedLine(7, Map.of("id", 2), "exists"));
        assertThat(chunk.rejected())
                .extracting(RejectedLine::line, RejectedLine::code)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(4L, "invalid_json"),
                        org.assertj.core.groups.Tuple.tuple(5L, "not_an_object"),
                        org.assertj.core.groups.Tuple.tuple(6L, "unknown_field"),
                        org.assertj.core.groups.Tuple.tuple(8L, "missing_key"));
        assertThat(end(events).totals()).isEqualTo(new Counts(8, 2, 0, 0, 2, 4));
        assertThat(table())
                .containsExactly(List.of(1L, "one"), List.of(2L, "two"), List.of(3L, "three"), List.of(6L, "six"));
    }

    @Test
    void pojosAreWrittenByJacksonAndUpdateChangesOnlyWhatDiffers() {
        Flux<Thing> records = Flux.just(new Thing(1, "one"), new Thing(2, "deux"), new Thing(3, "trois"));

        List<UploadEvent> events = upload(records, UploadOptions.defaults().withOnConflict("update"));

        assertThat(end(events).totals()).isEqualTo(new Counts(3, 1, 1, 1, 0, 0));
        assertThat(table()).containsExactly(List.of(1L, "one"), List.of(2L, "deux"), List.of(3L, "trois"));
    }

    @Test
    void byteArraysAndGzipAreSentAsLines() {
        Flux<byte[]> records =
                Flux.range(3, 150).map(id -> ("{\"id\":" + id + ",\"label\":\"thing " + id + "\"}").getBytes());

        List<UploadEvent> events = upload(records, UploadOptions.defaults().withGzip(true));

        assertThat(end(events).totals()).isEqualTo(new Counts(150, 150, 0, 0, 0, 0));
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(152);
    }

    @Test
    void chunkEventsArriveWhileThePublisherHasNotCompleted() {
        Sinks.Many<String> records = Sinks.many().unicast().onBackpressureBuffer();
        LongStream.rangeClosed(3, 130).forEach(id -> records.tryEmitNext(line(id)));

        ChunkCommitted first = tally.upload(
                        "things", records.asFlux(), UploadOptions.defaults().withChunkSize(100))
                .ofType(ChunkCommitted.class)
                .blockFirst(TIMEOUT);

        // The first chunk committed while lines 101-128 were sent and the publisher was still open.
        assertThat(first.firstLine()).isEqualTo(1);
        assertThat(first.lastLine()).isEqualTo(100);
        assertThat(first.counts()).isEqualTo(new Counts(100, 100, 0, 0, 0, 0));
        assertThat(db.count("SELECT count(*) FROM things WHERE id BETWEEN 3 AND 102"))
                .isEqualTo(100);
    }

    @Test
    void aRefusedUploadIsAProblemWithStatusTitleAndDetail() {
        TallyProblemException unknown = refusal(
                () -> tally.upload("nothing", Flux.range(3, 20_000).map(id -> line(id)), UploadOptions.defaults()));
        TallyProblemException badPolicy = refusal(() -> tally.upload(
                "things",
                Flux.range(3, 20_000).map(id -> line(id)),
                UploadOptions.defaults().withOnConflict("sometimes")));

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.title()).isEqualTo("Unknown dataset");
        assertThat(unknown.detail()).contains("nothing");
        assertThat(badPolicy.status()).isEqualTo(400);
        assertThat(badPolicy.detail()).contains("sometimes");
        assertThat(table()).containsExactly(List.of(1L, "one"), List.of(2L, "two"));
    }

    /** The problem an upload is refused with, read while the client is still sending its body. */
    private static TallyProblemException refusal(Supplier<Flux<UploadEvent>> upload) {
        try {
            upload.get().blockLast(TIMEOUT);
        } catch (TallyProblemException problem) {
            return problem;
        }
        throw new AssertionError("the upload was accepted");
    }

    @Test
    void aFailedJobEndsWithItsErrorAndTheChunksBeforeItStayCommitted() {
        Flux<String> records = Flux.range(3, 200).map(id -> line(id == 150 ? 1 : id));

        List<UploadEvent> events =
                upload(records, UploadOptions.defaults().withChunkSize(100).withOnConflict("fail"));

        JobEnded end = end(events);
        assertThat(end.status()).isEqualTo("failed");
        assertThat(end.error().code()).isEqualTo("key_exists");
        assertThat(end.error().line()).isEqualTo(148);
        assertThat(end.totals()).isEqualTo(new Counts(100, 100, 0, 0, 0, 0));
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(102);
    }

    @Test
    void aPublisherThatFailsEndsTheUploadWithItsOwnErrorAndTheJobAborted() throws InterruptedException {
        IllegalStateException broken = new IllegalStateException("the source broke");
        // The source breaks once the job has started and its first chunk committed.
        Sinks.Many<String> records = Sinks.many().unicast().onBackpressureBuffer();
        LongStream.rangeClosed(3, 152).forEach(id -> records.tryEmitNext(line(id)));
        List<UploadEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> tally.upload(
                                "things",
                                records.asFlux(),
                                UploadOptions.defaults().withChunkSize(100).withIdempotencyKey("broken-" + port))
                        .doOnNext(seen::add)
                        .doOnNext(event -> {
                            if (event instanceof ChunkCommitted) {
                                records.tryEmitError(broken);
                            }
                        })
                        .blockLast(TIMEOUT))
                .isSameAs(broken);

        String job = seen.getFirst().job();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (db.count("SELECT count(*) FROM tally.job WHERE id = ?::uuid AND status = 'running'", job) > 0) {
            assertThat(System.nanoTime()).as("the job ends").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(db.query("SELECT status FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of("status", "aborted"));
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE idempotency_key = ?", "broken-" + port))
                .isEqualTo(1);
        assertThat(seen).noneMatch(UploadEvent.Resumed.class::isInstance);
        assertThat(db.count("SELECT count(*) FROM things WHERE id BETWEEN 3 AND 102"))
                .isEqualTo(100);
    }

    private List<UploadEvent> upload(Flux<?> records, UploadOptions options) {
        List<UploadEvent> events =
                tally.upload("things", records, options).collectList().block(TIMEOUT);
        assertThat(events).isNotNull();
        assertThat(events.getLast()).isInstanceOf(JobEnded.class);
        return events;
    }

    static List<ChunkCommitted> chunks(List<UploadEvent> events) {
        return events.stream()
                .filter(ChunkCommitted.class::isInstance)
                .map(ChunkCommitted.class::cast)
                .toList();
    }

    static JobEnded end(List<UploadEvent> events) {
        return (JobEnded) events.getLast();
    }

    static String line(long id) {
        return "{\"id\":" + id + ",\"label\":\"thing " + id + "\"}";
    }

    private List<List<Object>> table() {
        return db.query("SELECT id, label FROM things ORDER BY id").stream()
                .map(row -> List.of(row.get("id"), row.get("label")))
                .toList();
    }

    private static List<List<Object>> expectedTable(long last) {
        return LongStream.rangeClosed(1, last)
                .mapToObj(id -> List.<Object>of(id, id == 1 ? "one" : id == 2 ? "two" : "thing " + id))
                .toList();
    }
}
