package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TestTokens;
import dev.tally.testing.DatabaseSwitch;
import dev.tally.testing.FollowedEvents;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.Waits;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/jobs/{id}/events}: a job's events replayed from its ledger with the ids its
 * uploader saw, resumed after {@code Last-Event-ID}, and followed live while it runs.
 *
 * <p>Chunks of 10 lines over {@link Things}, 45 lines: chunk 1 is lines 1-10, 2 lines 11-21 (13
 * blank, 17 rejected), 3 lines 22-32 (26 blank), 4 lines 33-43 (34 rejected, 39 blank), 5 lines
 * 44-45; 42 lines received.
 */
class JobEventsIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void replayOfAFinishedJobEqualsTheUploadersEvents() {
        List<JsonNode> uploaded = client.events("things", "chunkSize=10", Things.body(45));
        String job = uploaded.getFirst().get("job").asString();
        assertThat(uploaded.stream().map(e -> e.get("event").asString()))
                .containsExactly("job", "chunk", "chunk", "chunk", "chunk", "chunk", "completed");
        assertThat(uploaded.stream().map(e -> e.get("id").asLong())).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);

        List<JsonNode> replayed = subscribe(port, job, null).join();

        assertThat(replayed).isEqualTo(uploaded);
        assertThat(replayed.get(2).get("rejected").get(0).get("line").asLong()).isEqualTo(17);
        assertThat(replayed.get(4).get("rejected").get(0).get("line").asLong()).isEqualTo(34);
        assertThat(replayed.get(5).get("totals").get("received").asLong()).isEqualTo(Things.received(45));
        assertThat(replayed.getLast().get("totals").get("rejected").asLong()).isEqualTo(2);
    }

    @Test
    void lastEventIdSendsOnlyTheLaterEvents() {
        List<JsonNode> uploaded = client.events("things", "chunkSize=10", Things.body(45));
        String job = uploaded.getFirst().get("job").asString();

        assertThat(subscribe(port, job, "3").join()).isEqualTo(uploaded.subList(4, 7));
        assertThat(subscribe(port, job, "0").join()).isEqualTo(uploaded.subList(1, 7));
        assertThat(subscribe(port, job, "5").join()).isEqualTo(uploaded.subList(6, 7));
        for (String past : List.of("6", "7", "1000")) {
            // The client has the final event: an EventSource stops reconnecting on 204.
            client.web()
                    .get()
                    .uri("/v1/jobs/{id}/events", job)
                    .accept(MediaType.TEXT_EVENT_STREAM)
                    .header("Last-Event-ID", past)
                    .exchange()
                    .expectStatus()
                    .isNoContent()
                    .expectBody()
                    .isEmpty();
        }

        JsonNode bad = problem("/v1/jobs/" + job + "/events", "x1", 400);
        assertThat(bad.get("title").asString()).isEqualTo("Bad parameter Last-Event-ID");
    }

    @Test
    void lastEventIdWhileTheJobRunsSkipsWhatTheClientHas() throws Exception {
        List<JsonNode> followed;
        JsonNode end;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 25));
            JobLedger.awaitChunks(db, job, 2, WAIT);

            List<JsonNode> received = new CopyOnWriteArrayList<>();
            CompletableFuture<List<JsonNode>> subscriber = subscribe(port, job, "1", received);
            awaitSize(received, 1);
            assertThat(received.getFirst().get("id").asLong()).isEqualTo(2);

            upload.send(Things.lines(26, 45));
            upload.finish();
            end = upload.remainingEvents(WAIT).getLast();
            followed = subscriber.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(followed.getLast()).isEqualTo(end);
        assertThat(followed.stream().map(e -> e.get("event").asString()).distinct())
                .containsExactly("chunk", "completed");
        // Chunk 1 (10 lines received) was the client's already.
        long received = followed.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .mapToLong(e -> e.at("/counts/received").asLong())
                .sum();
        assertThat(received).isEqualTo(Things.received(45) - 10);
    }

    @Test
    void aQuietStreamGetsAKeepAliveCommentAfter15SecondsOfSilence() throws Exception {
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            long start = System.nanoTime();
            List<ServerSentEvent<String>> first = WebClient.builder()
                    .baseUrl("http://localhost:" + port)
                    .defaultHeader("Authorization", TestTokens.bearer())
                    .build()
                    .get()
                    .uri("/v1/jobs/{id}/events", job)
                    .retrieve()
                    .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
                    .take(2)
                    .collectList()
                    .block(Duration.ofSeconds(40));
            Duration silence = Duration.ofNanos(System.nanoTime() - start);

            assertThat(first.get(0).event()).isEqualTo("job");
            assertThat(first.get(1).comment()).isEqualTo("keep-alive");
            assertThat(first.get(1).event()).isNull();
            assertThat(first.get(1).data()).isNull();
            assertThat(silence).isGreaterThanOrEqualTo(ServerSentEvents.KEEP_ALIVE);
        }
    }

    @Test
    void unknownJobIs404() {
        UUID unknown = UUID.randomUUID();
        JsonNode problem = problem("/v1/jobs/" + unknown + "/events", null, 404);
        assertThat(problem.get("title").asString()).isEqualTo("Unknown job");
        assertThat(problem.get("detail").asString()).isEqualTo("No job with id '" + unknown + "'");
        assertThat(problem("/v1/jobs/not-a-job/events", null, 404).get("title").asString())
                .isEqualTo("Unknown job");
    }

    @Test
    void aSubscriberJoiningMidUploadReceivesTheRestAndTheFinalEvent() throws Exception {
        assertFollowsMidUpload(port, false);
    }

    @Test
    void aSubscriberJoiningAnAtomicUploadGetsItsChunksSoFarMergedThenTheRest() throws Exception {
        assertFollowsMidUpload(port, true);
    }

    @Test
    void aSubscriberOnAnotherInstanceFollowsTheLedger() throws Exception {
        try (ConfigurableApplicationContext other = ServiceInstance.start()) {
            assertFollowsMidUpload(ServiceInstance.port(other), false);
        }
    }

    /**
     * The other instance's safety poll (60 s) is longer than the subscriber waits (20 s): chunks 3
     * to 5 and the final event can only reach it through the notices of their commits.
     */
    @Test
    void aSubscriberOnAnotherInstanceIsWokenByNotifications() throws Exception {
        try (ConfigurableApplicationContext other = ServiceInstance.start("--tally.events.safety-poll=60s")) {
            assertFollowsMidUpload(ServiceInstance.port(other), false);
        }
    }

    /**
     * The other instance's listening connection is ended by the server: it listens again on a new
     * one, and its subscriber, whose safety poll is longer than it waits, still gets every chunk.
     */
    @Test
    void anInstanceWhoseListeningConnectionBrokeListensAgain() throws Exception {
        try (ConfigurableApplicationContext other = ServiceInstance.start(
                "--tally.events.safety-poll=60s", "--spring.r2dbc.properties.applicationName=tally-other")) {
            String listener = """
                    FROM pg_stat_activity WHERE datname = current_database()
                      AND application_name = 'tally-other' AND query = 'LISTEN tally_chunks'
                    """;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (db.count("SELECT count(*) " + listener) == 0) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(db.count("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) " + listener + ") t"))
                    .isEqualTo(1);
            assertFollowsMidUpload(ServiceInstance.port(other), false);
        }
    }

    /**
     * The other instance loses its database while its subscriber follows: the chunks that commit
     * meanwhile (through this instance) reach the subscriber once the database is back, and its
     * stream goes on to the final event instead of ending in an error.
     */
    @Test
    void aSubscriberOnAnInstanceWhoseDatabaseWentAwayForAWhileGetsEveryChunk() throws Exception {
        try (DatabaseSwitch database = new DatabaseSwitch(db.host(), db.port());
                ConfigurableApplicationContext other = ServiceInstance.startWithDatabaseAt(
                        "r2dbc:postgresql://%s:%d/%s".formatted(db.host(), database.port(), db.name()),
                        "--tally.events.safety-poll=1s")) {
            assertFollowsMidUpload(ServiceInstance.port(other), false, () -> {
                database.off();
                Waits.sleep(3000);
                database.on();
            });
        }
    }

    /**
     * Uploads 25 lines (two full chunks), subscribes through {@code subscriberPort}, then sends the
     * rest: the subscriber gets every chunk exactly once, in order, and the uploader's final event.
     * An atomic upload has no committed ledger yet: the two chunks written come as one event.
     */
    private void assertFollowsMidUpload(int subscriberPort, boolean atomic) throws Exception {
        assertFollowsMidUpload(subscriberPort, atomic, () -> {});
    }

    /** The same, with {@code whileSending} run between the two halves of the upload. */
    private void assertFollowsMidUpload(int subscriberPort, boolean atomic, Runnable whileSending) throws Exception {
        List<JsonNode> uploaded;
        List<JsonNode> followed;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10" + (atomic ? "&atomic=true" : ""))) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 25));
            if (atomic) {
                while (upload.nextEvent(WAIT).get("id").asLong() < 2) {
                    // chunk 1, unless merged with chunk 2
                }
            } else {
                JobLedger.awaitChunks(db, job, 2, WAIT);
            }

            List<JsonNode> received = new CopyOnWriteArrayList<>();
            CompletableFuture<List<JsonNode>> subscriber = subscribe(subscriberPort, job, null, received);
            if (atomic) {
                awaitSize(received, 2); // job, chunks 1-2 merged
                assertThat(received.stream().map(e -> e.get("id").asLong())).containsExactly(0L, 2L);
                assertThat(received.get(1).get("chunks").toString()).isEqualTo("{\"first\":1,\"last\":2}");
            } else {
                awaitSize(received, 3); // job, chunk 1, chunk 2: replayed
                assertThat(received.stream().map(e -> e.get("id").asLong())).containsExactly(0L, 1L, 2L);
            }

            upload.send(Things.lines(26, 35));
            whileSending.run();
            upload.send(Things.lines(36, 45));
            upload.finish();
            uploaded = upload.remainingEvents(WAIT);
            followed = subscriber.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        JsonNode end = uploaded.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(end.has("committed")).isEqualTo(atomic);
        FollowedEvents.assertWhole(followed, end);
        assertThat(end.get("chunks").asLong()).isEqualTo(5);
        assertThat(end.at("/totals/received").asLong()).isEqualTo(Things.received(45));
        for (JsonNode chunk : followed.subList(1, followed.size() - 1)) {
            assertThat(chunk.get("totals"))
                    .isEqualTo(totalsAfter(
                            chunk.get("job").asString(), chunk.get("id").asLong()));
        }
    }

    /** The totals the ledger's chunk {@code id} reached, as the replay of the ended job shows them. */
    private JsonNode totalsAfter(String job, long id) {
        List<JsonNode> replayed = subscribe(port, job, null).join();
        return replayed.get((int) id).get("totals");
    }

    /** The job's events as SSE, each as an NDJSON event object: data with its event name and id. */
    private static CompletableFuture<List<JsonNode>> subscribe(int port, String job, String lastEventId) {
        return subscribe(port, job, lastEventId, new CopyOnWriteArrayList<>());
    }

    private static CompletableFuture<List<JsonNode>> subscribe(
            int port, String job, String lastEventId, List<JsonNode> received) {
        return WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.bearer())
                .build()
                .get()
                .uri("/v1/jobs/{id}/events", job)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .headers(headers -> {
                    if (lastEventId != null) {
                        headers.set("Last-Event-ID", lastEventId);
                    }
                })
                .retrieve()
                .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
                .filter(event -> event.data() != null)
                .map(event -> ((ObjectNode) JSON.readTree(event.data()))
                        .put("event", event.event())
                        .put("id", Long.parseLong(event.id())))
                // Read back as the NDJSON lines are, so that numbers compare equal.
                .map(event -> JSON.readTree(event.toString()))
                .doOnNext(received::add)
                .then(Mono.fromSupplier(() -> List.copyOf(received)))
                .timeout(WAIT)
                .toFuture();
    }

    private JsonNode problem(String uri, String lastEventId, int status) {
        String body = client.web()
                .get()
                .uri(uri)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .headers(headers -> {
                    if (lastEventId != null) {
                        headers.set("Last-Event-ID", lastEventId);
                    }
                })
                .exchange()
                .expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return JSON.readTree(body);
    }

    private static void awaitSize(List<JsonNode> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (list.size() < size) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received only " + list);
            }
            Thread.sleep(20);
        }
    }
}
