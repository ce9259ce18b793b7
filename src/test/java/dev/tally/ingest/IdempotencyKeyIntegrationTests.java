package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.TestTokens;
import dev.tally.dataset.ConflictPolicy;
import dev.tally.job.JobSettings;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code Idempotency-Key}: a repeated upload replays an ended job, resumes an interrupted one, and
 * is refused while the job runs or when its settings differ.
 */
class IdempotencyKeyIntegrationTests extends ServiceIntegrationTest {

    /**
     * 260 lines: blank lines 50, 100, 150, 200, 250; invalid JSON at lines 37, 74, 111, 148, 185,
     * 222, 259; lines 1-200 carry ids 1-200 (1 and 2 exist, 2 with the same label); lines 201-260
     * carry ids 6-65 again, with new labels (ids 37 and 50 are new there, their lines 37 and 50
     * wrote nothing).
     */
    private static final List<String> LINES = lines();

    private static final String FILE = join(LINES);

    @Autowired
    IdempotencyKeys keys;

    @BeforeEach
    void twoExistingThings() {
        Things.twoExisting(db);
    }

    @Test
    void aCompletedUploadSentAgainReturnsItsOutcomeInEveryFormatAndWritesNothing() {
        List<JsonNode> first = ndjson(post("things", "chunkSize=100", "k-done", MediaType.APPLICATION_NDJSON, FILE));
        JsonNode end = first.getLast();
        String job = end.get("job").asString();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 255, 191, 0, 0, 57, 7);
        Snapshot before = snapshot(job);

        List<JsonNode> replayed = ndjson(post("things", "chunkSize=100", "k-done", MediaType.APPLICATION_NDJSON, FILE));

        assertThat(replayed)
                .extracting(e -> e.get("event").asString())
                .containsExactly("job", "chunk", "chunk", "chunk", "completed");
        assertThat(replayed).extracting(e -> e.get("id").asLong()).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(replayed.getFirst()).isEqualTo(first.getFirst());
        assertThat(withoutTiming(replayed.getLast())).isEqualTo(withoutTiming(end));
        assertThat(replayed.get(1).toString())
                .isEqualTo(("{\"job\":\"%s\",\"chunk\":1,\"lines\":{\"first\":1,\"last\":102},"
                                + "\"committedAt\":\"%s\",\"bytesRead\":%d,"
                                + "\"counts\":{\"received\":100,\"inserted\":96,\"updated\":0,\"unchanged\":0,\"skipped\":2,\"rejected\":2},"
                                + "\"totals\":{\"received\":100,\"inserted\":96,\"updated\":0,\"unchanged\":0,\"skipped\":2,\"rejected\":2},"
                                + "\"skipped\":[{\"line\":1,\"key\":{\"id\":1},\"reason\":\"exists\"},{\"line\":2,\"key\":{\"id\":2},\"reason\":\"exists\"}],"
                                + "\"rejected\":[{\"line\":37,\"code\":\"invalid_json\",\"message\":\"%s\"},{\"line\":74,\"code\":\"invalid_json\",\"message\":\"%s\"}],"
                                + "\"truncated\":false,\"event\":\"chunk\",\"id\":1}")
                        .formatted(
                                job,
                                first.get(1).get("committedAt").asString(),
                                first.get(1).get("bytesRead").asLong(),
                                invalidJsonMessage(job, 37),
                                invalidJsonMessage(job, 74)));
        assertThat(replayed.get(2).at("/lines").toString()).isEqualTo("{\"first\":103,\"last\":204}");
        assertThat(replayed.get(3).at("/lines").toString()).isEqualTo("{\"first\":205,\"last\":260}");
        assertThat(replayed.get(3).get("totals")).isEqualTo(end.get("totals"));

        String sse = okBody(post("things", "chunkSize=100", "k-done", MediaType.TEXT_EVENT_STREAM, FILE));
        assertThat(sse.lines().filter(line -> line.startsWith("event:") || line.startsWith("id:")))
                .containsExactly(
                        "id:0",
                        "event:job",
                        "id:1",
                        "event:chunk",
                        "id:2",
                        "event:chunk",
                        "id:3",
                        "event:chunk",
                        "id:4",
                        "event:completed");
        assertThat(sse).contains("data:" + withoutEventAndId(replayed.get(2)));

        JsonNode document =
                UploadClient.json(okBody(post("things", "chunkSize=100", "k-done", MediaType.APPLICATION_JSON, FILE)));
        assertThat(document).isEqualTo(withoutEventAndId(replayed.getLast()));

        assertThat(snapshot(job)).isEqualTo(before);
    }

    @Test
    void aJobFailedByItsPolicyIsReplayedWithItsError() {
        String body = UploadClient.lines("{\"id\":3,\"label\":\"three\"}", "{\"id\":1,\"label\":\"one\"}");
        JsonNode end = ndjson(
                        post("things", "onConflict=fail&chunkSize=1", "k-fail", MediaType.APPLICATION_NDJSON, body))
                .getLast();
        assertThat(end.get("event").asString()).isEqualTo("failed");
        Snapshot before = snapshot(end.get("job").asString());

        List<JsonNode> replayed =
                ndjson(post("things", "onConflict=fail&chunkSize=1", "k-fail", MediaType.APPLICATION_NDJSON, body));

        assertThat(replayed).extracting(e -> e.get("event").asString()).containsExactly("job", "chunk", "failed");
        assertThat(withoutTiming(replayed.getLast())).isEqualTo(withoutTiming(end));
        assertThat(replayed.getLast().get("error").toString())
                .isEqualTo(
                        "{\"code\":\"key_exists\",\"message\":\"line 2: the key {\\\"id\\\":1} already exists and onConflict=fail\",\"line\":2}");
        assertTotals(replayed.getLast(), 1, 1, 0, 0, 0, 0);
        assertThat(snapshot(end.get("job").asString())).isEqualTo(before);
    }

    @Test
    void aCancelledJobIsReplayedAsCancelled() {
        String body = UploadClient.lines("{\"id\":3,\"label\":\"three\"}", "{\"id\":4,\"label\":\"four\"}");
        String job = ndjson(post("things", "chunkSize=1", "k-cancelled", MediaType.APPLICATION_NDJSON, body))
                .getLast()
                .get("job")
                .asString();
        db.update("UPDATE tally.job SET status = 'cancelled' WHERE id = ?::uuid", job);
        Snapshot before = snapshot(job);

        List<JsonNode> replayed =
                ndjson(post("things", "chunkSize=1", "k-cancelled", MediaType.APPLICATION_NDJSON, body));

        assertThat(replayed)
                .extracting(e -> e.get("event").asString())
                .containsExactly("job", "chunk", "chunk", "cancelled");
        assertThat(replayed).extracting(e -> e.get("job").asString()).containsOnly(job);
        assertTotals(replayed.getLast(), 2, 2, 0, 0, 0, 0);
        assertThat(snapshot(job)).isEqualTo(before);
    }

    /**
     * An interrupted upload is set up as the pipeline leaves it: the first 150 lines uploaded as
     * one job (chunks of lines 1-102 and 103-149 committed, with their ledger rows and row log;
     * line 150 is blank), whose status is then set to what the interruption gives.
     */
    @ParameterizedTest
    @CsvSource({"aborted,", "failed,'{\"code\":\"database_unavailable\",\"message\":\"gone\",\"line\":null}'"})
    void anInterruptedUploadResumedWithTheWholeFileEndsAsOneCleanUpload(String status, String error) {
        JsonNode clean = ndjson(
                        post("things", "onConflict=update&chunkSize=100", null, MediaType.APPLICATION_NDJSON, FILE))
                .getLast();
        assertTotals(clean, 255, 191, 56, 1, 0, 7);
        List<List<Object>> cleanTable = things();
        List<String> cleanRowLog = rowLog(clean.get("job").asString());
        Things.twoExisting(db);

        String prefix = join(LINES.subList(0, 150));
        JsonNode cut = ndjson(post(
                        "things",
                        "onConflict=update&chunkSize=100",
                        "k-resume-" + status,
                        MediaType.APPLICATION_NDJSON,
                        prefix))
                .getLast();
        String job = cut.get("job").asString();
        db.update("UPDATE tally.job SET status = ?, error = ?::jsonb WHERE id = ?::uuid", status, error, job);
        assertThat(ledger(job)).containsExactly(List.of(1, 1L, 102L), List.of(2, 103L, 149L));
        JsonNode ledgerTotals = cut.get("totals");

        List<JsonNode> resumed = ndjson(post(
                "things", "onConflict=update&chunkSize=100", "k-resume-" + status, MediaType.APPLICATION_NDJSON, FILE));

        assertThat(resumed).extracting(e -> e.get("job").asString()).containsOnly(job);
        assertThat(resumed)
                .extracting(e -> e.get("event").asString())
                .containsExactly("job", "chunk", "chunk", "completed");
        JsonNode firstChunk = resumed.get(1);
        assertThat(firstChunk.get("chunk").asInt()).isEqualTo(3);
        assertThat(firstChunk.at("/lines").toString()).isEqualTo("{\"first\":150,\"last\":252}");
        assertThat(sum(ledgerTotals, firstChunk.get("counts")).toString())
                .isEqualTo(firstChunk.get("totals").toString());
        JsonNode end = resumed.getLast();
        assertThat(end.get("totals")).isEqualTo(clean.get("totals"));
        assertThat(end.get("chunks").asInt()).isEqualTo(4);
        assertThat(end.get("error").isNull()).isTrue();

        assertThat(things()).isEqualTo(cleanTable);
        assertThat(rowLog(job)).isEqualTo(cleanRowLog);
        assertThat(ledger(job))
                .containsExactly(
                        List.of(1, 1L, 102L), List.of(2, 103L, 149L), List.of(3, 150L, 252L), List.of(4, 253L, 260L));
        assertThat(db.query(
                        "SELECT j.status, j.received = l.received AND j.inserted = l.inserted AND j.updated = l.updated"
                                + " AND j.unchanged = l.unchanged AND j.skipped = l.skipped AND j.rejected = l.rejected AS ledger,"
                                + " j.received, j.inserted, j.updated, j.unchanged, j.rejected, j.error IS NULL AS no_error"
                                + " FROM tally.job j, (SELECT sum(received) AS received, sum(inserted) AS inserted,"
                                + " sum(updated) AS updated, sum(unchanged) AS unchanged, sum(skipped) AS skipped,"
                                + " sum(rejected) AS rejected FROM tally.chunk WHERE job_id = ?::uuid) l WHERE j.id = ?::uuid",
                        job,
                        job))
                .containsExactly(row(
                        "status",
                        "completed",
                        "ledger",
                        true,
                        "received",
                        255L,
                        "inserted",
                        191L,
                        "updated",
                        56L,
                        "unchanged",
                        1L,
                        "rejected",
                        7L,
                        "no_error",
                        true));
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE idempotency_key = ?", "k-resume-" + status))
                .isEqualTo(1);
    }

    /**
     * The client sends 160 lines and a half, waits for the first chunk to commit, then closes the
     * connection: the job ends aborted with what committed; the whole file sent again resumes it.
     */
    @Test
    void anUploadCutByTheClientResumesWithTheWholeFile() throws Exception {
        JsonNode clean = ndjson(
                        post("things", "onConflict=update&chunkSize=100", null, MediaType.APPLICATION_NDJSON, FILE))
                .getLast();
        List<List<Object>> cleanTable = things();
        Things.twoExisting(db);

        String sent = join(LINES.subList(0, 160)) + LINES.get(160).substring(0, 10);
        String job;
        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/datasets/things/records?onConflict=update&chunkSize=100 HTTP/1.1\r\n"
                            + "Host: localhost\r\nAuthorization: " + TestTokens.bearer()
                            + "\r\nContent-Type: application/x-ndjson\r\nAccept: application/x-ndjson\r\n"
                            + "Idempotency-Key: k-cut\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] bytes = sent.getBytes(StandardCharsets.UTF_8);
            out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            job = awaitValue("SELECT j.id::text FROM tally.job j JOIN tally.chunk c ON c.job_id = j.id"
                    + " WHERE j.idempotency_key = 'k-cut'");
        }
        awaitValue("SELECT id FROM tally.job WHERE id = ?::uuid AND status <> 'running'", job);
        assertThat(db.query("SELECT status FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of("status", "aborted"));
        List<List<Object>> cut = ledger(job);
        assertThat(cut.getFirst()).isEqualTo(List.of(1, 1L, 102L));
        assertThat(cut).hasSizeBetween(1, 2);
        if (cut.size() == 2) {
            assertThat(cut.get(1)).isEqualTo(List.of(2, 103L, 160L));
        }

        JsonNode end = ndjson(
                        post("things", "onConflict=update&chunkSize=100", "k-cut", MediaType.APPLICATION_NDJSON, FILE))
                .getLast();

        assertThat(end.get("job").asString()).isEqualTo(job);
        assertThat(end.get("totals")).isEqualTo(clean.get("totals"));
        assertThat(things()).isEqualTo(cleanTable);
        List<List<Object>> ledger = ledger(job);
        assertThat(ledger.subList(0, cut.size())).isEqualTo(cut);
        assertThat(ledger.get(cut.size()).subList(0, 2))
                .isEqualTo(List.of(cut.size() + 1, (Long) cut.getLast().get(2) + 1));
        assertThat(ledger.getLast().get(2)).isEqualTo(260L);
    }

    @Test
    void aJobStillRunningWithTheKeyIsAConflict() {
        UUID running = UUID.randomUUID();
        db.update(
                "INSERT INTO tally.job (id, dataset, status, on_conflict, chunk_size, atomic, dry_run, unknown_fields,"
                        + " idempotency_key, started_at) VALUES (?, 'things', 'running', 'skip', 100, false, false,"
                        + " 'reject', 'k-running', now())",
                running);
        List<List<Object>> table = things();
        long ledgerRows = db.count("SELECT count(*) FROM tally.chunk");

        for (MediaType accept :
                List.of(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_NDJSON, MediaType.APPLICATION_JSON)) {
            JsonNode problem = conflict(post("things", "", "k-running", accept, FILE));
            assertThat(problem.get("detail").asString())
                    .isEqualTo(
                            "The upload with Idempotency-Key 'k-running' still runs as job %s; send it again once that job ended (GET /v1/jobs/%s)"
                                    .formatted(running, running));
        }
        assertThat(things()).isEqualTo(table);
        assertThat(db.count("SELECT count(*) FROM tally.chunk")).isEqualTo(ledgerRows);
        assertThat(db.query("SELECT status FROM tally.job WHERE id = ?", running))
                .containsExactly(Map.of("status", "running"));
    }

    @Test
    void otherSettingsThanTheFirstUploadsAreAConflictNamingThem() {
        String body = UploadClient.lines("{\"id\":3,\"label\":\"three\"}");
        String job = ndjson(post("things", "onConflict=skip", "k-settings", MediaType.APPLICATION_NDJSON, body))
                .getLast()
                .get("job")
                .asString();
        db.update("UPDATE tally.job SET status = 'aborted' WHERE id = ?::uuid", job);
        List<List<Object>> table = things();

        JsonNode problem = conflict(post(
                "things",
                "onConflict=update&unknownFields=ignore&maxRejects=3&chunkSize=7",
                "k-settings",
                MediaType.APPLICATION_NDJSON,
                body));

        assertThat(problem.get("title").asString()).isEqualTo("Idempotency-Key reused with other settings");
        assertThat(problem.get("detail").asString())
                .isEqualTo(
                        "Idempotency-Key 'k-settings' belongs to job %s, sent with other settings: onConflict=update, first skip, maxRejects=3, first none, unknownFields=ignore, first reject. Send it again with the first upload's settings, or use a new key"
                                .formatted(job));
        assertThat(things()).isEqualTo(table);
        assertThat(db.query("SELECT status FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of("status", "aborted"));
    }

    @Test
    void theSameKeyOnAnotherDatasetIsAnotherJob() {
        db.update("TRUNCATE typed");
        JsonNode things = ndjson(post(
                        "things",
                        "",
                        "k-shared",
                        MediaType.APPLICATION_NDJSON,
                        UploadClient.lines("{\"id\":3,\"label\":\"three\"}")))
                .getLast();
        JsonNode typed = ndjson(post(
                        "typed",
                        "",
                        "k-shared",
                        MediaType.APPLICATION_NDJSON,
                        UploadClient.lines("{\"id\":1,\"t\":\"x\"}")))
                .getLast();

        assertTotals(things, 1, 1, 0, 0, 0, 0);
        assertTotals(typed, 1, 1, 0, 0, 0, 0);
        assertThat(typed.get("job").asString()).isNotEqualTo(things.get("job").asString());
        assertThat(db.count("SELECT count(*) FROM typed WHERE id = 1 AND t = 'x'"))
                .isEqualTo(1);
    }

    @Test
    void aDryRunLeavesItsKeyToTheRealUpload() {
        String lines = UploadClient.lines("{\"id\":41,\"label\":\"a\"}", "{\"id\":42,\"label\":\"b\"}");
        JsonNode dry = ndjson(post("things", "dryRun=true", "k-dry", MediaType.APPLICATION_NDJSON, lines))
                .getLast();
        JsonNode real = ndjson(post("things", "", "k-dry", MediaType.APPLICATION_NDJSON, lines))
                .getLast();

        assertTotals(dry, 2, 2, 0, 0, 0, 0);
        assertTotals(real, 2, 2, 0, 0, 0, 0);
        assertThat(real.get("job").asString()).isNotEqualTo(dry.get("job").asString());
        assertThat(db.count("SELECT count(*) FROM things WHERE id IN (41, 42)")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE idempotency_key = 'k-dry'"))
                .isEqualTo(1);
    }

    /** The loser of the race between lookup and insert: the key's unique index refuses its job. */
    @Test
    void aNewJobWithAKeyTakenMeanwhileIsAConflict() {
        ndjson(post(
                "things",
                "",
                "k-taken",
                MediaType.APPLICATION_NDJSON,
                UploadClient.lines("{\"id\":3,\"label\":\"x\"}")));
        JobSettings settings =
                new JobSettings("things", ConflictPolicy.SKIP, 100, null, false, false, false, "k-taken");

        assertThatThrownBy(() -> keys.create(UUID.randomUUID(), settings, Instant.now(), null)
                        .block())
                .isInstanceOfSatisfying(
                        ErrorResponseException.class,
                        e -> assertThat(e.getStatusCode().value()).isEqualTo(409));
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE idempotency_key = 'k-taken'"))
                .isEqualTo(1);
    }

    @Test
    void concurrentUploadsWithOneNewKeyMakeOneJob() throws Exception {
        int uploads = 6;
        List<EntityExchangeResult<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(uploads)) {
            List<Future<EntityExchangeResult<String>>> futures = new ArrayList<>();
            for (int i = 0; i < uploads; i++) {
                futures.add(
                        pool.submit(() -> post("things", "chunkSize=100", "k-race", MediaType.APPLICATION_JSON, FILE)
                                .expectBody(String.class)
                                .returnResult()));
            }
            for (Future<EntityExchangeResult<String>> future : futures) {
                results.add(future.get());
            }
        }

        List<Map<String, Object>> jobs =
                db.query("SELECT id::text AS id, status FROM tally.job WHERE idempotency_key = 'k-race'");
        assertThat(jobs).hasSize(1);
        String job = (String) jobs.getFirst().get("id");
        assertThat(jobs.getFirst().get("status")).isEqualTo("completed");
        assertThat(results).allSatisfy(result -> {
            int status = result.getStatus().value();
            assertThat(status).isIn(200, 409);
            if (status == 200) {
                JsonNode document = UploadClient.json(result.getResponseBody());
                assertThat(document.get("job").asString()).isEqualTo(job);
                assertTotals(document, 255, 191, 0, 0, 57, 7);
            }
        });
        assertThat(results)
                .anySatisfy(result -> assertThat(result.getStatus().value()).isEqualTo(200));
        assertThat(ledger(job)).extracting(row -> row.getFirst()).containsExactly(1, 2, 3);
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(2 + 191);
    }

    private WebTestClient.ResponseSpec post(String dataset, String query, String key, MediaType accept, String body) {
        var request = client.web()
                .post()
                .uri("/v1/datasets/" + dataset + "/records" + (query.isEmpty() ? "" : "?" + query))
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(accept);
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.bodyValue(body).exchange();
    }

    private static String okBody(WebTestClient.ResponseSpec response) {
        return response.expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    private static List<JsonNode> ndjson(WebTestClient.ResponseSpec response) {
        return Arrays.stream(okBody(response).split("\n"))
                .filter(line -> !line.isBlank())
                .map(UploadClient::json)
                .toList();
    }

    private static JsonNode conflict(WebTestClient.ResponseSpec response) {
        return UploadClient.json(response.expectStatus()
                .isEqualTo(409)
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody(String.class)
                .returnResult()
                .getResponseBody());
    }

    /** What must not change when an upload is replayed: the table's row versions, the job's ledger, row log and row. */
    private record Snapshot(
            List<Map<String, Object>> table,
            List<Map<String, Object>> ledger,
            long rowLog,
            List<Map<String, Object>> job,
            long jobs) {}

    private Snapshot snapshot(String job) {
        return new Snapshot(
                db.query("SELECT id, xmin::text AS xmin, ctid::text AS ctid FROM things ORDER BY id"),
                db.query("SELECT * FROM tally.chunk ORDER BY job_id, chunk"),
                db.count("SELECT count(*) FROM tally.row_log"),
                db.query("SELECT * FROM tally.job WHERE id = ?::uuid", job),
                db.count("SELECT count(*) FROM tally.job"));
    }

    /** The ledger's chunk numbers and line ranges. */
    private List<List<Object>> ledger(String job) {
        return db
                .query(
                        "SELECT chunk, first_line, last_line FROM tally.chunk WHERE job_id = ?::uuid ORDER BY chunk",
                        job)
                .stream()
                .map(row -> List.copyOf(row.values()))
                .toList();
    }

    /** The first column of the first row of a query, once it has one; fails after 10 s. */
    private String awaitValue(String sql, Object... args) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            List<Map<String, Object>> rows = db.query(sql, args);
            if (!rows.isEmpty()) {
                return String.valueOf(rows.getFirst().values().iterator().next());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Nothing from " + sql + " within 10 s");
    }

    private List<String> rowLog(String job) {
        return db
                .query(
                        "SELECT line, chunk, outcome, reason, key::text AS key, message, text FROM tally.row_log"
                                + " WHERE job_id = ?::uuid ORDER BY line",
                        job)
                .stream()
                .map(row -> row.toString().replaceFirst("chunk=\\d+, ", ""))
                .toList();
    }

    private String invalidJsonMessage(String job, long line) {
        return String.valueOf(
                        db.query("SELECT message FROM tally.row_log WHERE job_id = ?::uuid AND line = ?", job, line)
                                .getFirst()
                                .get("message"))
                .replace("\"", "\\\"");
    }

    private List<List<Object>> things() {
        return db.query("SELECT id, code, label, qty, note, version FROM things ORDER BY id").stream()
                .map(row -> Arrays.asList(row.values().toArray()))
                .toList();
    }

    private static JsonNode withoutTiming(JsonNode event) {
        ObjectNode copy = (ObjectNode) event.deepCopy();
        copy.remove(List.of("durationMs", "rowsPerSecond"));
        return copy;
    }

    private static JsonNode withoutEventAndId(JsonNode event) {
        ObjectNode copy = (ObjectNode) event.deepCopy();
        copy.remove(List.of("event", "id"));
        return copy;
    }

    private static JsonNode sum(JsonNode a, JsonNode b) {
        ObjectNode sum = (ObjectNode) UploadClient.json("{}");
        a.propertyNames()
                .forEach(
                        name -> sum.put(name, a.get(name).asLong() + b.get(name).asLong()));
        return sum;
    }

    private static Map<String, Object> row(Object... pairs) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            row.put((String) pairs[i], pairs[i + 1]);
        }
        return row;
    }

    private static List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 260; i++) {
            if (i % 50 == 0) {
                lines.add("");
            } else if (i % 37 == 0) {
                lines.add("{\"id\":" + i + ",\"label\":}");
            } else if (i == 2) {
                lines.add("{\"id\":2,\"label\":\"two\"}");
            } else if (i > 200) {
                lines.add("{\"id\":%d,\"label\":\"again %d\",\"qty\":%d}".formatted(i - 195, i, i % 7));
            } else {
                lines.add("{\"id\":%d,\"label\":\"label %d\"}".formatted(i, i));
            }
        }
        return lines;
    }

    private static String join(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
