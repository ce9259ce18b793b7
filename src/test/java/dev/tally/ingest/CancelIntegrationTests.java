package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * {@code DELETE /v1/jobs/{id}}: a running job stops after its chunks in flight and ends {@code
 * cancelled} with the totals of its ledger, whichever instance takes the request.
 *
 * <p>Chunks of 10 lines over {@link Things}: chunk 1 is lines 1-10, chunk 2 lines 11-21 (13 is
 * blank), chunk 3 lines 22-32 (26 is blank).
 */
class CancelIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void cancellingARunningUploadKeepsItsCommittedChunksAndStartsNoOther() throws Exception {
        String job;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 25));
            JobLedger.awaitChunks(db, job, 2, WAIT);

            JsonNode accepted = delete(job, HttpStatus.ACCEPTED);
            assertThat(accepted.get("job").asString()).isEqualTo(job);
            assertThat(accepted.get("status").asString()).isEqualTo("running");
            assertThat(accepted.get("totals").get("received").asLong()).isEqualTo(20);

            // The client sends nothing more: lines 22-25, read but not yet a full chunk, are not written.
            List<JsonNode> events = upload.remainingEvents(WAIT);
            // Chunk events, maybe merged for a slow reader, then the final one.
            assertThat(events.stream().map(e -> e.get("event").asString()).distinct())
                    .containsExactly("chunk", "cancelled");
            JsonNode end = events.getLast();
            assertTotals(end, 20, 19, 0, 0, 0, 1);
            assertThat(end.get("chunks").asInt()).isEqualTo(2);
            assertThat(end.get("error").isNull()).isTrue();
        }
        assertThat(JobLedger.status(db, job)).isEqualTo("cancelled");
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "cancelled job")).isEqualTo(21);
        assertThat(Things.table(db)).isEqualTo(Things.rows(21));

        JsonNode again = delete(job, HttpStatus.CONFLICT);
        assertThat(again.get("jobStatus").asString()).isEqualTo("cancelled");
    }

    @Test
    void aCancelTakenByAnotherInstanceStopsTheUploadAtItsNextChunk() throws Exception {
        String job;
        try (ConfigurableApplicationContext other = ServiceInstance.start();
                RawUpload upload = RawUpload.start(ServiceInstance.port(other), "things", "chunkSize=10")) {
            job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 21));
            JobLedger.awaitChunks(db, job, 2, WAIT);

            assertThat(delete(job, HttpStatus.ACCEPTED).get("status").asString())
                    .isEqualTo("running");
            // The other instance learns of it with the ledger row of its next chunk, not before.
            assertThat(JobLedger.status(db, job)).isEqualTo("running");
            upload.send(Things.lines(22, 32));

            List<JsonNode> events = upload.remainingEvents(WAIT);
            JsonNode end = events.getLast();
            assertThat(end.get("event").asString()).isEqualTo("cancelled");
            assertThat(end.get("chunks").asInt()).isEqualTo(3);
            assertThat(end.get("totals").get("received").asLong()).isEqualTo(Things.received(32));
        }
        assertThat(JobLedger.status(db, job)).isEqualTo("cancelled");
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "cancelled job")).isEqualTo(32);
        assertThat(Things.table(db)).isEqualTo(Things.rows(32));
    }

    @Test
    void cancellingAnAtomicUploadRollsItBackWhole() throws Exception {
        String job;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10&atomic=true")) {
            job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 25));
            // Chunk events come as chunks are written, before anything commits.
            JsonNode written = upload.nextEvent(WAIT);
            while (written.get("lines").get("last").asLong() < 21) {
                written = upload.nextEvent(WAIT);
            }

            delete(job, HttpStatus.ACCEPTED);

            JsonNode end = upload.remainingEvents(WAIT).getLast();
            assertThat(end.get("event").asString()).isEqualTo("cancelled");
            assertThat(end.get("committed").asBoolean()).isFalse();
            assertTotals(end, 20, 19, 0, 0, 0, 1);
        }
        assertThat(JobLedger.status(db, job)).isEqualTo("cancelled");
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "cancelled atomic job"))
                .isZero();
        assertThat(Things.table(db)).isEmpty();
    }

    @Test
    void cancellingAJobThatEndedIsAConflictNamingItsStatus() {
        JsonNode end = client.upload("things", "", Things.lines(1, 5));
        String job = end.get("job").asString();

        JsonNode problem = delete(job, HttpStatus.CONFLICT);

        assertThat(problem.get("title").asString()).isEqualTo("Job already ended");
        assertThat(problem.get("jobStatus").asString()).isEqualTo("completed");
        assertThat(problem.get("detail").asString())
                .isEqualTo("Job %s already ended: it is completed; only a running job can be cancelled", job);
        assertThat(JobLedger.status(db, job)).isEqualTo("completed");
        assertThat(db.count(
                        "SELECT count(*) FROM tally.job WHERE id = ? AND cancel_requested_at IS NULL",
                        UUID.fromString(job)))
                .isEqualTo(1);
    }

    @Test
    void cancellingAnUnknownJobIsNotFound() {
        assertThat(delete(UUID.randomUUID().toString(), HttpStatus.NOT_FOUND)
                        .get("title")
                        .asString())
                .isEqualTo("Unknown job");
        assertThat(delete("not-a-job", HttpStatus.NOT_FOUND).get("detail").asString())
                .isEqualTo("No job with id 'not-a-job'");
    }

    /** The answer to {@code DELETE /v1/jobs/{id}}: the job document, or a problem for a 4xx. */
    private JsonNode delete(String job, HttpStatus expected) {
        var response = client.web()
                .delete()
                .uri("/v1/jobs/{id}", job)
                .exchange()
                .expectStatus()
                .isEqualTo(expected);
        if (expected.isError()) {
            response.expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
        return UploadClient.json(
                response.expectBody(String.class).returnResult().getResponseBody());
    }
}
