package dev.tally.client;

import static dev.tally.client.TallyClientUploadIntegrationTests.chunks;
import static dev.tally.client.TallyClientUploadIntegrationTests.end;
import static dev.tally.client.TallyClientUploadIntegrationTests.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.client.UploadEvent.ChunkCommitted;
import dev.tally.client.UploadEvent.JobEnded;
import dev.tally.client.UploadEvent.JobStarted;
import dev.tally.client.UploadEvent.Resumed;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Following a job, reading its row log, and resuming an upload whose connection was cut. */
@TallyIntegrationTest
class TallyClientJobsIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    private TallyClient tally;

    @BeforeEach
    void emptyThings() {
        tally = TallyClient.create("http://localhost:" + port, TestTokens.ADMIN);
        db.update("TRUNCATE things");
    }

    @Test
    void followingAnEndedJobReplaysItsEventsOneChunkEach() {
        List<UploadEvent> uploaded = tally.upload(
                        "things",
                        Flux.range(1, 250).map(id -> line(id)),
                        UploadOptions.defaults().withChunkSize(100))
                .collectList()
                .block(TIMEOUT);

        List<UploadEvent> followed =
                tally.follow(uploaded.getFirst().job()).collectList().block(TIMEOUT);

        assertThat(followed).hasSize(5);
        assertThat(followed.getFirst()).isEqualTo(uploaded.getFirst());
        assertThat(chunks(followed))
                .extracting(
                        ChunkCommitted::firstChunk,
                        ChunkCommitted::lastChunk,
                        ChunkCommitted::firstLine,
                        ChunkCommitted::lastLine,
                        chunk -> chunk.totals().inserted())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 1L, 1L, 100L, 100L),
                        org.assertj.core.groups.Tuple.tuple(2L, 2L, 101L, 200L, 200L),
                        org.assertj.core.groups.Tuple.tuple(3L, 3L, 201L, 250L, 250L));
        assertThat(end(followed)).isEqualTo(end(uploaded));
        assertThat(end(followed).totals()).isEqualTo(new Counts(250, 250, 0, 0, 0, 0));
    }

    @Test
    void aFollowerWhoseConnectionIsCutGoesOnAfterItsLastEventId() throws Exception {
        Sinks.Many<String> records = Sinks.many().unicast().onBackpressureBuffer();
        List<UploadEvent> uploaded = new CopyOnWriteArrayList<>();
        LongStream.rangeClosed(1, 100).forEach(id -> records.tryEmitNext(line(id)));
        tally.upload("things", records.asFlux(), UploadOptions.defaults().withChunkSize(100))
                .subscribe(uploaded::add);
        String job = awaitChunks(uploaded, 1);

        try (CuttingProxy proxy = new CuttingProxy(port)) {
            TallyClient viaProxy = TallyClient.create(proxy.baseUrl(), TestTokens.ADMIN);
            List<UploadEvent> followed = new CopyOnWriteArrayList<>();
            Mono<Void> done =
                    viaProxy.follow(job).doOnNext(followed::add).then().cache();
            done.subscribe();
            awaitChunks(followed, 1);

            assertThat(proxy.cut()).isGreaterThan(0);
            LongStream.rangeClosed(101, 250).forEach(id -> records.tryEmitNext(line(id)));
            records.tryEmitComplete();
            done.block(TIMEOUT);

            assertThat(followed)
                    .extracting(event -> event.getClass().getSimpleName())
                    .containsExactly("JobStarted", "ChunkCommitted", "ChunkCommitted", "ChunkCommitted", "JobEnded");
            assertThat(chunks(followed)).extracting(ChunkCommitted::lastChunk).containsExactly(1L, 2L, 3L);
            assertThat(end(followed).totals()).isEqualTo(new Counts(250, 250, 0, 0, 0, 0));
            List<String> heads = proxy.heads();
            assertThat(heads).hasSizeGreaterThanOrEqualTo(2);
            assertThat(heads.getFirst()).doesNotContainIgnoringCase("Last-Event-ID");
            assertThat(heads.get(1)).containsIgnoringCase("Last-Event-ID: 1\r\n".strip());
        }
    }

    @Test
    void followingAnUnknownJobIsA404Problem() {
        assertThatThrownBy(() -> tally.follow(UUID.randomUUID().toString()).blockLast(TIMEOUT))
                .isInstanceOfSatisfying(TallyProblemException.class, problem -> assertThat(problem.status())
                        .isEqualTo(404));
    }

    @Test
    void theRowLogIsReadPageByPageInLineOrder() {
        // Every 4th line is not JSON, every 4th + 1 has a key that exists: 25 rejected, 25 skipped.
        db.update("INSERT INTO things (id, label) SELECT n, 'old' FROM generate_series(1, 100) n WHERE n % 4 = 1");
        Flux<String> records = Flux.range(1, 100).map(n -> n % 4 == 0 ? "{\"id\":" + n : line(n));
        List<UploadEvent> events = tally.upload("things", records, UploadOptions.defaults())
                .collectList()
                .block(TIMEOUT);
        String job = events.getFirst().job();
        assertThat(end(events).totals()).isEqualTo(new Counts(100, 50, 0, 0, 25, 25));

        List<RowLogEntry> rejected =
                tally.rows(job, "rejected", 10).collectList().block(TIMEOUT);
        List<RowLogEntry> all = tally.rows(job, null, 7).collectList().block(TIMEOUT);

        assertThat(rejected).extracting(RowLogEntry::line).containsExactlyElementsOf(lines(4, 100, 4));
        assertThat(rejected).allSatisfy(row -> {
            assertThat(row.outcome()).isEqualTo("rejected");
            assertThat(row.code()).isEqualTo("invalid_json");
            assertThat(row.text()).isEqualTo("{\"id\":" + row.line());
        });
        assertThat(all).hasSize(50);
        assertThat(all).extracting(RowLogEntry::line).isSorted();
        assertThat(all.stream().filter(row -> row.outcome().equals("skipped")))
                .extracting(
                        RowLogEntry::line, RowLogEntry::reason, row -> row.key().get("id"))
                .containsExactlyElementsOf(lines(1, 100, 4).stream()
                        .map(n -> org.assertj.core.groups.Tuple.tuple(n, "exists", n.intValue()))
                        .toList());
    }

    @Test
    void anUploadWhoseConnectionIsCutResumesUnderItsKeyAndWritesEveryLineOnce() throws Exception {
        String key = "client-resume-" + UUID.randomUUID();
        // A cold publisher, slow enough that the cut falls in the middle: a pause every 100 records.
        Flux<String> records = Flux.range(1, 1000)
                .concatMap(id -> id % 100 == 1 && id > 1
                        ? Mono.delay(Duration.ofMillis(150)).thenReturn(line(id))
                        : Mono.just(line(id)));
        try (CuttingProxy proxy = new CuttingProxy(port)) {
            TallyClient viaProxy = TallyClient.create(proxy.baseUrl(), TestTokens.ADMIN);
            AtomicLong cutAfterLine = new AtomicLong();

            List<UploadEvent> events = viaProxy.upload(
                            "things",
                            records,
                            UploadOptions.defaults().withChunkSize(100).withIdempotencyKey(key))
                    .doOnNext(event -> {
                        if (event instanceof ChunkCommitted chunk
                                && chunk.lastChunk() >= 2
                                && cutAfterLine.compareAndSet(0, chunk.lastLine())) {
                            proxy.cut();
                        }
                    })
                    .collectList()
                    .block(TIMEOUT);

            assertThat(events.getFirst()).isInstanceOf(JobStarted.class);
            assertThat(events).filteredOn(JobStarted.class::isInstance).hasSize(1);
            List<Resumed> resumes = events.stream()
                    .filter(Resumed.class::isInstance)
                    .map(Resumed.class::cast)
                    .toList();
            assertThat(resumes).hasSize(1);
            assertThat(resumes.getFirst().job()).isEqualTo(events.getFirst().job());
            assertThat(resumes.getFirst().committedLine())
                    .isEqualTo(cutAfterLine.get())
                    .isLessThan(1000);
            // The chunk events after the resume go on from the last line reported, none twice.
            List<ChunkCommitted> chunks = chunks(events);
            for (int i = 1; i < chunks.size(); i++) {
                assertThat(chunks.get(i).firstLine())
                        .isGreaterThan(chunks.get(i - 1).lastLine());
                assertThat(chunks.get(i).lastChunk())
                        .isGreaterThan(chunks.get(i - 1).lastChunk());
            }
            assertThat(chunks.getLast().lastLine()).isEqualTo(1000);
            JobEnded end = end(events);
            assertThat(end.job()).isEqualTo(events.getFirst().job());
            assertThat(end.status()).isEqualTo("completed");
            assertThat(end.totals()).isEqualTo(new Counts(1000, 1000, 0, 0, 0, 0));
            assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(1000);
            assertThat(db.count("SELECT count(DISTINCT id) FROM things WHERE label = 'thing ' || id"))
                    .isEqualTo(1000);
            assertThat(db.count("SELECT sum(received) FROM tally.chunk WHERE job_id = ?::uuid", end.job()))
                    .isEqualTo(1000);
            List<String> posts = proxy.heads().stream()
                    .filter(head -> head.startsWith("POST "))
                    .toList();
            assertThat(posts).hasSizeGreaterThanOrEqualTo(2);
            assertThat(posts).allSatisfy(head -> assertThat(head).containsIgnoringCase("Idempotency-Key: " + key));
        }
    }

    private static List<Long> lines(long first, long last, long step) {
        return LongStream.iterate(first, n -> n <= last, n -> n + step).boxed().toList();
    }

    private static String awaitChunks(List<UploadEvent> events, int chunks) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (events.stream().filter(ChunkCommitted.class::isInstance).count() < chunks) {
            assertThat(System.nanoTime()).as("chunk events in time").isLessThan(deadline);
            Thread.sleep(20);
        }
        return events.getFirst().job();
    }
}
