package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestTokens;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import dev.tally.testing.Waits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;

/**
 * {@code atomic=true} and {@code dryRun=true}: one transaction for the whole upload, committed at
 * the end, or rolled back on failure and always for a dry run; checked in the table, the job, its
 * ledger and its row log.
 */
class AtomicAndDryRunIntegrationTests extends ServiceIntegrationTest {

    private static final List<String> BEFORE = List.of("1|a|one|1||1", "2|b|two|2||1");

    /**
     * Twelve lines in four chunks of three that meet the two existing rows and, later, rows the
     * upload itself wrote (lines 5, 9): their outcomes depend on earlier chunks' writes.
     */
    private static final String MIXED = lines(
            "{\"id\":3,\"label\":\"three\",\"version\":1}",
            "{\"id\":1,\"label\":\"one\",\"qty\":1,\"code\":\"a\",\"version\":1}",
            "{\"id\":2,\"label\":\"TWO\",\"version\":2}",
            "{\"id\":4,\"label\":\"four\",\"qty\":-1,\"version\":1}",
            "{\"id\":3,\"label\":\"three again\",\"version\":2}",
            "{\"id\":5,\"label\":\"five\",\"code\":\"a\",\"version\":1}",
            "{\"id\":",
            "{\"id\":6,\"label\":\"six\",\"version\":1}",
            "{\"id\":6,\"label\":\"six\",\"version\":1}",
            "{\"id\":7,\"label\":\"seven\",\"version\":\"x\"}",
            "{\"id\":2,\"label\":\"two\",\"version\":1}",
            "{\"id\":8,\"label\":\"eight\",\"version\":3}");

    @BeforeEach
    void twoExistingThings() {
        Things.twoExisting(db);
    }

    @Test
    void anAtomicUploadCommitsEveryChunkAtTheEnd() {
        String body = lines(
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":1,\"label\":\"one\",\"qty\":1,\"code\":\"a\",\"version\":1}",
                "{\"id\":2,\"label\":\"TWO\"}",
                "{\"id\":4,\"label\":\"four\",\"qty\":-1}",
                "{\"id\":5,\"label\":\"five\"}",
                "{\"id\":3,\"label\":\"three again\"}",
                "{\"id\":",
                "{\"id\":6,\"label\":\"six\"}",
                "{\"id\":7,\"label\":\"seven\"}",
                "{\"id\":8,\"label\":\"eight\"}");

        List<JsonNode> events = client.events("things", "atomic=true&onConflict=update&chunkSize=2", body);
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(end.get("committed").asBoolean()).isTrue();
        assertThat(end.get("error").isNull()).isTrue();
        assertTotals(end, 10, 5, 2, 1, 0, 2);
        assertThat(end.get("chunks").asInt()).isEqualTo(5);
        assertChunkEvents(events, 5, end.get("totals"));
        assertThat(events.getFirst().get("atomic").asBoolean()).isTrue();
        assertThat(things())
                .containsExactly(
                        "1|a|one|1||1",
                        "2|b|TWO|2||1",
                        "3||three again|0||",
                        "5||five|0||",
                        "6||six|0||",
                        "7||seven|0||",
                        "8||eight|0||");
        JsonNode job = job(end);
        assertThat(job.get("status").asString()).isEqualTo("completed");
        assertThat(job.get("atomic").asBoolean()).isTrue();
        assertThat(job.get("dryRun").asBoolean()).isFalse();
        assertThat(job.get("totals")).isEqualTo(end.get("totals"));
        assertThat(job.get("chunks").asInt()).isEqualTo(5);
        assertThat(ledger(end))
                .containsExactly(
                        "1|1|2|2|1|0|1|0|0",
                        "2|3|4|2|0|1|0|0|1",
                        "3|5|6|2|1|1|0|0|0",
                        "4|7|8|2|1|0|0|0|1",
                        "5|9|10|2|2|0|0|0|0");
        assertThat(rowLogLines(end)).containsExactly(4L, 7L);
    }

    @Test
    void anAtomicUploadMeetingAnExistingKeyUnderFailInChunkThreeOfFiveLeavesNothing() {
        String body = lines(
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":4,\"label\":\"four\",\"qty\":-1}",
                "{\"id\":5,\"label\":\"five\"}",
                "{\"id\":6,\"label\":\"six\"}",
                "{\"id\":7,\"label\":\"seven\"}",
                "{\"id\":1,\"label\":\"one\"}",
                "{\"id\":8,\"label\":\"eight\"}",
                "{\"id\":9,\"label\":\"nine\"}",
                "{\"id\":10,\"label\":\"ten\"}",
                "{\"id\":11,\"label\":\"eleven\"}");

        List<JsonNode> events = client.events("things", "atomic=true&onConflict=fail&chunkSize=2", body);
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("committed").asBoolean()).isFalse();
        assertThat(end.get("error").toString())
                .isEqualTo("{\"code\":\"key_exists\",\"message\":\"line 6: the key {\\\"id\\\":1} already exists"
                        + " and onConflict=fail\",\"line\":6}");
        // What it had done before the chunk that failed: chunks 1 and 2, rolled back.
        assertTotals(end, 4, 3, 0, 0, 0, 1);
        assertThat(end.get("chunks").asInt()).isEqualTo(2);
        assertChunkEvents(events, 2, end.get("totals"));
        assertNothingKept(end, "failed");
        assertThat(job(end).get("error")).isEqualTo(end.get("error"));
    }

    @Test
    void anAtomicUploadPassingMaxRejectsLeavesNothing() {
        String body = lines(
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":",
                "{\"id\":4,\"label\":\"four\"}",
                "{\"id\":5,\"label\":\"five\"}",
                "{\"id\":6,\"label\":null}",
                "{\"id\":7,\"label\":\"seven\"}",
                "{\"id\":8,\"label\":\"eight\"}",
                "{\"id\":9,\"label\":\"nine\"}");

        List<JsonNode> events = client.events("things", "atomic=true&maxRejects=1&chunkSize=2", body);
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("committed").asBoolean()).isFalse();
        assertThat(end.get("error").toString())
                .isEqualTo("{\"code\":\"max_rejects\",\"message\":\"line 5 is rejected line number 2, over"
                        + " maxRejects=1\",\"line\":5}");
        assertTotals(end, 4, 3, 0, 0, 0, 1);
        assertThat(end.get("chunks").asInt()).isEqualTo(2);
        assertChunkEvents(events, 2, end.get("totals"));
        assertNothingKept(end, "failed");
    }

    /**
     * A hundred chunks of one line, whose events arrive while nothing is committed yet, on one
     * transaction holding one lock however many chunks (their savepoints are released); then the
     * client hangs up, and nothing is kept.
     */
    @Test
    void anAtomicUploadWhoseClientGoesAwayIsRolledBackAndEndsAborted() throws InterruptedException {
        Sinks.Many<DataBuffer> body = Sinks.many().unicast().onBackpressureBuffer();
        for (int id = 3; id <= 102; id++) {
            body.tryEmitNext(DefaultDataBufferFactory.sharedInstance.wrap(
                    "{\"id\":%d,\"label\":\"x\"}\n".formatted(id).getBytes(StandardCharsets.UTF_8)));
        }
        // The body never ends: the client hangs up once it has seen every chunk written.
        List<JsonNode> seen = new CopyOnWriteArrayList<>();
        Disposable upload = WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.bearer())
                .build()
                .post()
                .uri("/v1/datasets/things/records?atomic=true&chunkSize=1")
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .body(BodyInserters.fromDataBuffers(body.asFlux()))
                .retrieve()
                .bodyToFlux(String.class)
                .map(UploadClient::json)
                .subscribe(seen::add);
        try {
            Waits.await(() -> !seen.isEmpty()
                    && seen.getLast().get("event").asString().equals("chunk")
                    && seen.getLast().get("totals").get("received").asLong() == 100);
            assertThat(seen.getLast().get("totals").get("inserted").asLong()).isEqualTo(100);
            assertThat(things()).isEqualTo(BEFORE);
            assertThat(db.count("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                            + " WHERE a.datname = current_database() AND l.locktype = 'transactionid'"))
                    .isEqualTo(1);
        } finally {
            upload.dispose();
        }

        JsonNode end = seen.getFirst();
        Waits.await(() -> !job(end).get("status").asString().equals("running"));
        assertNothingKept(end, "aborted");
    }

    static Stream<Arguments> policiesAndTheirOutcomes() {
        // received, inserted, updated, unchanged, skipped, rejected of MIXED
        return Stream.of(false, true)
                .flatMap(atomic -> Stream.of(
                        Arguments.of("skip", atomic, List.of(12, 3, 0, 0, 5, 4)),
                        Arguments.of("update", atomic, List.of(12, 3, 3, 2, 0, 4)),
                        Arguments.of("update-if-newer", atomic, List.of(12, 3, 2, 0, 3, 4))));
    }

    @ParameterizedTest(name = "{0}, atomic {1}")
    @MethodSource("policiesAndTheirOutcomes")
    void aDryRunReportsWhatTheUploadDoesAndChangesNothing(String policy, boolean atomic, List<Integer> totals) {
        String query = "onConflict=" + policy + "&chunkSize=3&atomic=" + atomic;

        List<JsonNode> events = client.events("things", query + "&dryRun=true", MIXED);
        JsonNode dry = events.getLast();

        assertThat(dry.get("event").asString()).isEqualTo("completed");
        assertThat(dry.get("committed").asBoolean()).isFalse();
        assertTotals(dry, totals.get(0), totals.get(1), totals.get(2), totals.get(3), totals.get(4), totals.get(5));
        assertThat(dry.get("chunks").asInt()).isEqualTo(4);
        assertChunkEvents(events, 4, dry.get("totals"));
        assertThat(events.getFirst().get("dryRun").asBoolean()).isTrue();
        assertThat(things()).isEqualTo(BEFORE);
        JsonNode job = job(dry);
        assertThat(job.get("status").asString()).isEqualTo("completed");
        assertThat(job.get("dryRun").asBoolean()).isTrue();
        assertThat(job.get("atomic").asBoolean()).isEqualTo(atomic);
        assertThat(job.get("totals")).isEqualTo(dry.get("totals"));
        assertThat(job.get("chunks").asInt()).isEqualTo(4);
        List<Long> listed = eventRowLines(events);
        assertThat(rowLogLines(dry)).isEqualTo(listed).hasSize((int) (totals.get(4) + totals.get(5)));

        JsonNode real = client.upload("things", query, MIXED);

        assertThat(real.get("event").asString()).isEqualTo("completed");
        assertThat(real.get("totals")).isEqualTo(dry.get("totals"));
        assertThat(ledger(real)).isEqualTo(ledger(dry));
        assertThat(rowLog(real)).isEqualTo(rowLog(dry));
        assertThat(things()).isNotEqualTo(BEFORE);
    }

    @ParameterizedTest(name = "atomic {0}")
    @ValueSource(booleans = {false, true})
    void aDryRunThatFailsReportsTheFailureAndChangesNothing(boolean atomic) {
        String body = lines(
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":4,\"label\":\"four\"}",
                "{\"id\":",
                "{\"id\":5,\"label\":\"five\"}");
        String query = "onConflict=fail&chunkSize=1&dryRun=true&atomic=" + atomic;

        List<JsonNode> events = client.events("things", query, body);
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("committed").asBoolean()).isFalse();
        assertThat(end.get("error").get("code").asString()).isEqualTo("key_exists");
        assertThat(end.get("error").get("line").asLong()).isEqualTo(2);
        assertTotals(end, 1, 1, 0, 0, 0, 0);
        assertChunkEvents(events, 1, end.get("totals"));
        assertThat(things()).isEqualTo(BEFORE);
        // A dry run's job keeps what it did, failure or not: the ledger up to the chunk that failed.
        JsonNode job = job(end);
        assertThat(job.get("status").asString()).isEqualTo("failed");
        assertThat(job.get("totals")).isEqualTo(end.get("totals"));
        assertThat(ledger(end)).containsExactly("1|1|1|1|1|0|0|0|0");
    }

    @Test
    void aDryRunKeepsItsRowLogForTheJobsRowsEndpoint() {
        JsonNode end = client.upload("things", "onConflict=skip&dryRun=true", MIXED);

        String rows =
                client.get("/v1/jobs/{id}/rows?outcome=rejected", end.get("job").asString());
        List<JsonNode> rejected = rows.lines().map(UploadClient::json).toList();
        assertThat(rejected).extracting(row -> row.get("line").asLong()).containsExactly(4L, 6L, 7L, 10L);
        assertThat(rejected)
                .extracting(row -> row.get("code").asString())
                .containsExactly("constraint_violation", "constraint_violation", "invalid_json", "type_mismatch");
        assertThat(rejected.get(1).get("message").asString()).contains("things_code_key");
        assertThat(rejected.get(2).get("text").asString()).isEqualTo("{\"id\":");
        assertThat(client.get(
                                "/v1/jobs/{id}/rows?outcome=skipped",
                                end.get("job").asString())
                        .lines()
                        .map(UploadClient::json)
                        .map(row -> row.get("line").asLong()))
                .containsExactly(2L, 3L, 5L, 9L, 11L);
        assertThat(things()).isEqualTo(BEFORE);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"atomic=yes", "dryRun=1"})
    void atomicAndDryRunTakeTrueOrFalse(String parameter) {
        client.web()
                .post()
                .uri("/v1/datasets/things/records?" + parameter)
                .contentType(MediaType.APPLICATION_NDJSON)
                .bodyValue("{\"id\":9,\"label\":\"nine\"}\n")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentType("application/problem+json");
        assertThat(things()).isEqualTo(BEFORE);
    }

    /** The table unchanged, and a job that kept nothing: no totals, no ledger, no row log. */
    private void assertNothingKept(JsonNode end, String status) {
        assertThat(things()).isEqualTo(BEFORE);
        JsonNode job = job(end);
        assertThat(job.get("status").asString()).isEqualTo(status);
        assertThat(job.get("totals").toString())
                .isEqualTo(
                        "{\"received\":0,\"inserted\":0,\"updated\":0,\"unchanged\":0,\"skipped\":0,\"rejected\":0}");
        assertThat(job.get("chunks").asInt()).isZero();
        assertThat(ledger(end)).isEmpty();
        assertThat(rowLog(end)).isEmpty();
    }

    /** The chunk events cover chunks 1..n in order (merged or not) and end at the final totals. */
    private static void assertChunkEvents(List<JsonNode> events, int chunks, JsonNode totals) {
        List<JsonNode> chunkEvents = events.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .toList();
        int next = 1;
        for (JsonNode event : chunkEvents) {
            int first = event.has("chunk")
                    ? event.get("chunk").asInt()
                    : event.get("chunks").get("first").asInt();
            int last = event.has("chunk")
                    ? event.get("chunk").asInt()
                    : event.get("chunks").get("last").asInt();
            assertThat(first).isEqualTo(next);
            next = last + 1;
        }
        assertThat(next - 1).isEqualTo(chunks);
        assertThat(chunkEvents.getLast().get("totals")).isEqualTo(totals);
    }

    /** The lines the chunk events listed as skipped or rejected, in line order. */
    private static List<Long> eventRowLines(List<JsonNode> events) {
        List<Long> lines = new ArrayList<>();
        for (JsonNode event : events) {
            if (event.get("event").asString().equals("chunk")) {
                for (String list : List.of("skipped", "rejected")) {
                    event.get(list).forEach(row -> lines.add(row.get("line").asLong()));
                }
            }
        }
        return lines.stream().sorted().toList();
    }

    private JsonNode job(JsonNode event) {
        return UploadClient.json(client.get("/v1/jobs/{id}", event.get("job").asString()));
    }
    /** The job's ledger, read from the table: chunk|first|last|received|inserted|updated|unchanged|skipped|rejected. */
    private List<String> ledger(JsonNode event) {
        return db
                .query(
                        "SELECT concat_ws('|', chunk, first_line, last_line, received, inserted, updated, unchanged,"
                                + " skipped, rejected) AS c FROM tally.chunk WHERE job_id = ?::uuid ORDER BY chunk",
                        event.get("job").asString())
                .stream()
                .map(row -> (String) row.get("c"))
                .toList();
    }

    /** The job's row log, read from the table, without the job id. */
    private List<String> rowLog(JsonNode event) {
        return db
                .query(
                        "SELECT format('%s|%s|%s|%s|%s|%s|%s', line, chunk, outcome, reason, key, message, text)"
                                + " AS r FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line",
                        event.get("job").asString())
                .stream()
                .map(row -> (String) row.get("r"))
                .toList();
    }

    private List<Long> rowLogLines(JsonNode event) {
        return db
                .query(
                        "SELECT line FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line",
                        event.get("job").asString())
                .stream()
                .map(row -> (Long) row.get("line"))
                .toList();
    }

    /** The table, one row per string: id|code|label|qty|note|version, NULL as nothing. */
    private List<String> things() {
        return db
                .query("SELECT format('%s|%s|%s|%s|%s|%s', id, code, label, qty, note, version) AS t FROM things"
                        + " ORDER BY id")
                .stream()
                .map(row -> (String) row.get("t"))
                .toList();
    }
}
