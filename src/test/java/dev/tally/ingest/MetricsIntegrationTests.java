package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.PrometheusScrape;
import dev.tally.testing.RawSubscriber;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The Prometheus scrape agrees with the jobs: the line counters grow by exactly what committed. */
@TallyIntegrationTest
class MetricsIntegrationTests {

    private static final List<String> OUTCOMES = List.of("inserted", "updated", "unchanged", "skipped", "rejected");

    // Chunks of 4 lines (chunkSize=4), on things 1 and 2.
    private static final String BODY = lines(
            // chunk 1: unchanged, updated, inserted, invalid_json
            "{\"id\":1,\"code\":\"a\",\"label\":\"one\",\"qty\":1}",
            "{\"id\":2,\"label\":\"TWO\"}",
            "{\"id\":3,\"label\":\"three\"}",
            "{\"id\":4",
            // chunk 2: one statement of four rows, the third refused by the check: halved, then its right half
            "{\"id\":10,\"label\":\"ten\",\"qty\":1}",
            "{\"id\":11,\"label\":\"eleven\",\"qty\":1}",
            "{\"id\":12,\"label\":\"twelve\",\"qty\":-1}",
            "{\"id\":13,\"label\":\"thirteen\",\"qty\":1}",
            // chunk 3: unknown_field, missing_key
            "{\"id\":14,\"label\":\"fourteen\",\"colour\":\"red\"}",
            "{\"label\":\"no id\"}");

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    private UploadClient client;

    @BeforeEach
    void twoExistingThings() {
        client = new UploadClient(port);
        Things.twoExisting(db);
    }

    @Test
    void lineCountersGrowByTheJobsTotalsAndRejectsByItsRejectCodes() {
        PrometheusScrape before = PrometheusScrape.of(client);

        JsonNode update = client.upload("things", "onConflict=update&chunkSize=4", BODY);
        JsonNode skip = client.upload("things", "onConflict=skip", lines("{\"id\":1,\"label\":\"x\"}", "{\"id\":20}"));

        assertTotals(update, 10, 4, 1, 1, 0, 4);
        assertTotals(skip, 2, 0, 0, 0, 1, 1);
        PrometheusScrape after = PrometheusScrape.of(client);
        for (String outcome : OUTCOMES) {
            assertThat(after.increase(before, "tally_lines_total", "dataset", "things", "outcome", outcome))
                    .as(outcome)
                    .isEqualTo(totals(update).get(outcome) + totals(skip).get(outcome));
        }
        Map<String, Long> codes = rejectCodes(update);
        rejectCodes(skip).forEach((code, lines) -> codes.merge(code, lines, Long::sum));
        assertThat(codes)
                .isEqualTo(Map.of(
                        "invalid_json", 1L,
                        "constraint_violation", 1L,
                        "unknown_field", 1L,
                        "missing_key", 1L,
                        "missing_required", 1L));
        codes.forEach((code, lines) -> assertThat(
                        after.increase(before, "tally_rejects_total", "dataset", "things", "code", code))
                .as(code)
                .isEqualTo(lines.doubleValue()));
        assertThat(after.increase(before, "tally_chunk_write_seconds_count", "dataset", "things"))
                .isEqualTo(update.get("chunks").asDouble() + skip.get("chunks").asDouble());
        // Chunk 2 is halved twice each time it is written: once, or twice when it was first written
        // before chunk 1 committed (a refusal is final only in the chunk's turn).
        double writtenAgain = after.increase(before, "tally_retries_total", "dataset", "things", "reason", "turn");
        assertThat(writtenAgain).isIn(0.0, 1.0);
        assertThat(after.increase(before, "tally_bisection_splits_total", "dataset", "things"))
                .isEqualTo(2 * (1 + writtenAgain));
        assertThat(after.has("tally_chunk_write_seconds_bucket")).isTrue();
    }

    @Test
    void bytesReceivedAreTheRequestBodysAsSent() {
        PrometheusScrape before = PrometheusScrape.of(client);

        client.upload("things", "onConflict=update", BODY);

        assertThat(PrometheusScrape.of(client).increase(before, "tally_bytes_received_total", "dataset", "things"))
                .isEqualTo(BODY.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void anAtomicUploadCountsOnceCommittedAndADryRunNever() {
        PrometheusScrape before = PrometheusScrape.of(client);

        JsonNode dryRun = client.upload("things", "onConflict=update&dryRun=true&chunkSize=4", BODY);
        PrometheusScrape afterDryRun = PrometheusScrape.of(client);
        JsonNode atomic = client.upload("things", "onConflict=update&atomic=true&chunkSize=4", BODY);
        PrometheusScrape afterAtomic = PrometheusScrape.of(client);

        assertThat(dryRun.get("committed").asBoolean()).isFalse();
        assertThat(atomic.get("committed").asBoolean()).isTrue();
        for (String outcome : OUTCOMES) {
            assertThat(afterDryRun.increase(before, "tally_lines_total", "dataset", "things", "outcome", outcome))
                    .as(outcome)
                    .isZero();
            assertThat(afterAtomic.increase(afterDryRun, "tally_lines_total", "dataset", "things", "outcome", outcome))
                    .as(outcome)
                    .isEqualTo(totals(atomic).get(outcome));
        }
        assertThat(afterAtomic.increase(
                        afterDryRun, "tally_rejects_total", "dataset", "things", "code", "invalid_json"))
                .isEqualTo(1.0);
        // Both were written, chunk by chunk: the timer counts the dry run's chunks too.
        assertThat(afterAtomic.increase(before, "tally_chunk_write_seconds_count", "dataset", "things"))
                .isEqualTo(
                        dryRun.get("chunks").asDouble() + atomic.get("chunks").asDouble());
    }

    @Test
    void gaugesCountTheRunningUploadAndItsSubscriberAndReturnToZero() throws Exception {
        String job;
        try (RawUpload upload = RawUpload.start(port, "things", "onConflict=update&chunkSize=4")) {
            job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(100, 103));
            assertThat(upload.nextEvent(WAIT).get("chunk").asInt()).isEqualTo(1);
            RawSubscriber subscriber = RawSubscriber.reading(port, job);
            subscriber.awaitEvents(2, WAIT); // the job event and chunk 1

            PrometheusScrape running = PrometheusScrape.of(client);
            assertThat(running.value("tally_jobs_active")).isEqualTo(1.0);
            assertThat(running.value("tally_subscribers_active")).isEqualTo(1.0);

            upload.finish();
            assertThat(upload.remainingEvents(WAIT).getLast().get("status").asString())
                    .isEqualTo("completed");
            subscriber.awaitEnd(WAIT);
        }

        await().atMost(WAIT).untilAsserted(() -> {
            PrometheusScrape scrape = PrometheusScrape.of(client);
            assertThat(scrape.value("tally_jobs_active")).isZero();
            assertThat(scrape.value("tally_chunks_in_flight")).isZero();
            assertThat(scrape.value("tally_subscribers_active")).isZero();
        });
    }

    private static Map<String, Double> totals(JsonNode end) {
        Map<String, Double> totals = new HashMap<>();
        OUTCOMES.forEach(
                outcome -> totals.put(outcome, end.get("totals").get(outcome).asDouble()));
        return totals;
    }

    /** The job's rejected lines by code, from its row log in the database. */
    private Map<String, Long> rejectCodes(JsonNode end) {
        Map<String, Long> codes = new HashMap<>();
        db.query(
                        "SELECT reason, count(*) AS lines FROM tally.row_log"
                                + " WHERE job_id = ?::uuid AND outcome = 'rejected' GROUP BY reason",
                        end.get("job").asString())
                .forEach(row -> codes.put((String) row.get("reason"), (Long) row.get("lines")));
        return codes;
    }
}
