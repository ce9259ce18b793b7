package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lines per upload, uploads per dataset and per caller, and the request header size. The first
 * three run on an instance of their own with small limits, since every other test uploads more
 * lines, more uploads at once, and as the same caller; the header size is the shared service's.
 */
@TallyIntegrationTest
class UploadLimitsIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static ConfigurableApplicationContext limited;
    private static UploadClient client;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeAll
    static void startLimitedInstance() {
        limited = ServiceInstance.start(
                "--tally.limits.max-lines-per-upload=30",
                "--tally.limits.max-uploads-per-dataset=2",
                "--tally.limits.max-uploads-per-token=3");
        client = new UploadClient(ServiceInstance.port(limited));
    }

    @AfterAll
    static void stopLimitedInstance() {
        limited.close();
    }

    @Test
    void theLineOverTheLimitFailsTheJobAndTheLinesBeforeItCommit() {
        db.update("TRUNCATE things");
        // Lines 13 and 26 are blank: line 32 is the 30th non-blank line, line 33 the 31st.
        List<JsonNode> events = client.events("things", "chunkSize=10", Things.body(40));

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error")).isEqualTo(JSON.readTree("""
                        {"code":"too_many_lines","message":"line 33 is non-blank line number 31, over the limit of 30 lines per upload","line":33}"""));
        assertThat(end.get("totals")).isEqualTo(JSON.readTree("""
                        {"received":30,"inserted":29,"updated":0,"unchanged":0,"skipped":0,"rejected":1}"""));
        assertThat(end.get("chunks").asInt()).isEqualTo(3);
        String job = end.get("job").asString();
        assertThat(db.query(
                                "SELECT status, received, inserted, rejected, error->>'code' AS code, (error->>'line')::bigint"
                                        + " AS line FROM tally.job WHERE id = ?",
                                UUID.fromString(job))
                        .getFirst())
                .containsEntry("status", "failed")
                .containsEntry("received", 30L)
                .containsEntry("inserted", 29L)
                .containsEntry("rejected", 1L)
                .containsEntry("code", "too_many_lines")
                .containsEntry("line", 33L);
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "too many lines")).isEqualTo(32);
        assertThat(Things.table(db)).isEqualTo(Things.rows(32));
    }

    @Test
    void exactlyTheLimitCompletes() {
        db.update("TRUNCATE things");
        JsonNode end = client.upload("things", "chunkSize=10", Things.body(32));
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(end.get("totals").get("received").asLong()).isEqualTo(30);
        assertThat(Things.table(db)).isEqualTo(Things.rows(32));
    }

    @Test
    void anAtomicUploadOverTheLimitKeepsNothing() {
        db.update("TRUNCATE things");
        JsonNode end = client.upload("things", "chunkSize=10&atomic=true", Things.body(40));
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").get("code").asString()).isEqualTo("too_many_lines");
        assertThat(end.get("error").get("line").asLong()).isEqualTo(33);
        assertThat(end.get("committed").asBoolean()).isFalse();
        assertThat(db.query(
                                "SELECT status, received FROM tally.job WHERE id = ?",
                                UUID.fromString(end.get("job").asString()))
                        .getFirst())
                .containsEntry("status", "failed")
                .containsEntry("received", 0L);
        assertThat(Things.table(db)).isEmpty();
    }

    @Test
    void uploadsOverTheDatasetOrCallerLimitAreRefusedWithoutAJob() throws Exception {
        db.update("TRUNCATE things");
        int port = ServiceInstance.port(limited);
        List<RawUpload> running = new ArrayList<>();
        try {
            running.add(started(RawUpload.start(port, "things", "chunkSize=10")));
            running.add(started(RawUpload.start(port, "things", "chunkSize=10")));
            long jobs = db.count("SELECT count(*) FROM tally.job");

            assertTooMany(
                    post("things"),
                    "Too many uploads of this dataset",
                    "Dataset 'things' has 2 uploads running on this instance, the most it allows at once; send it"
                            + " again once one has ended");

            // Another dataset is admitted, up to the caller's (the admin token's) limit of 3.
            running.add(started(RawUpload.start(port, "customers", "")));
            assertTooMany(
                    post("customers"),
                    "Too many uploads of this caller",
                    "Caller 'test-admin' has 3 uploads running on this instance, the most it allows at once; send"
                            + " it again once one has ended");
            // Another token's upload is counted against that token only.
            assertThat(post("customers")
                            .header(HttpHeaders.AUTHORIZATION, TestTokens.bearer(TestTokens.CUSTOMERS_ALL))
                            .exchange()
                            .expectBody(String.class)
                            .returnResult()
                            .getStatus()
                            .value())
                    .isEqualTo(200);
            assertThat(db.count("SELECT count(*) FROM tally.job"))
                    .as("refused uploads create no job")
                    .isEqualTo(jobs + 2);

            // One ends: its place is free again.
            RawUpload first = running.removeFirst();
            first.send(Things.body(5));
            first.finish();
            assertThat(first.remainingEvents(WAIT).getLast().get("event").asString())
                    .isEqualTo("completed");
            first.close();
            assertThat(admittedWithin(post("things"), WAIT)).isEqualTo(HttpStatus.OK.value());
        } finally {
            for (RawUpload upload : running) {
                upload.cut(false);
            }
        }
    }

    @Test
    void aRequestHeadOverTheLimitIsRefusedAndWritesNothing() {
        UploadClient shared = new UploadClient(port);
        long jobs = db.count("SELECT count(*) FROM tally.job");
        // 12 KiB passes: over Spring Boot's default 8 KiB, within the configured 16 KiB.
        shared.web()
                .post()
                .uri("/v1/datasets/things/records")
                .header("X-Padding", "p".repeat(12 * 1024))
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .bodyValue("")
                .exchange()
                .expectStatus()
                .isOk();
        long afterOne = db.count("SELECT count(*) FROM tally.job");
        assertThat(afterOne).isEqualTo(jobs + 1);

        shared.web()
                .post()
                .uri("/v1/datasets/things/records")
                .header("X-Padding", "p".repeat(17 * 1024))
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .bodyValue(Things.body(5))
                .exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(afterOne);
    }

    @Test
    void anIdleTimeoutThatIsNotPositiveStopsTheStart() {
        assertThatThrownBy(() ->
                        ServiceInstance.start("--tally.limits.idle-timeout=0s").close())
                .hasStackTraceContaining("tally.limits.idle-timeout must be positive");
    }

    /** The upload, once its job started. */
    private static RawUpload started(RawUpload upload) throws InterruptedException {
        JsonNode first = upload.nextEvent(WAIT);
        assertThat(first).isNotNull();
        assertThat(first.get("event").asString()).isEqualTo("job");
        return upload;
    }

    private static org.springframework.test.web.reactive.server.WebTestClient.RequestHeadersSpec<?> post(
            String dataset) {
        return client.web()
                .post()
                .uri("/v1/datasets/" + dataset + "/records")
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .bodyValue(dataset.equals("things") ? Things.body(3) : "");
    }

    private static void assertTooMany(
            org.springframework.test.web.reactive.server.WebTestClient.RequestHeadersSpec<?> request,
            String title,
            String detail) {
        EntityExchangeResult<String> result = request.exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader()
                .contentType("application/problem+json")
                .expectHeader()
                .valueEquals("Retry-After", "5")
                .expectBody(String.class)
                .returnResult();
        JsonNode problem = JSON.readTree(result.getResponseBody());
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("title").asString()).isEqualTo(title);
        assertThat(problem.get("detail").asString()).isEqualTo(detail);
    }

    /**
     * The status of the request, sent again while it is 429: an ended upload frees its place just
     * after its final event is published, a moment after its client may have read it. The answer is
     * read to its end, so that an admitted upload has ended when the test goes on (else its rows
     * could land after the next test emptied the table).
     */
    private static int admittedWithin(
            org.springframework.test.web.reactive.server.WebTestClient.RequestHeadersSpec<?> request, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int status = request.exchange()
                    .expectBody(String.class)
                    .returnResult()
                    .getStatus()
                    .value();
            if (status != 429 || System.nanoTime() > deadline) {
                return status;
            }
            Thread.sleep(20);
        }
    }
}
