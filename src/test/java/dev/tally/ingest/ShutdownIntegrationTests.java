package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * Shutting the service down mid-upload (what SIGTERM does: the application context closes): new
 * uploads are refused, the running one stops reading, its chunk in flight still commits over the
 * open connection pool, the job ends {@code aborted} with true totals, and only then the service
 * exits.
 *
 * <p>Chunks of 10 lines over {@link Things}: lines 1-10, 11-21, 22-32, 33-43 (13, 26 and 39 are
 * blank). The test holds an uncommitted row with id 35, so chunk 4 stays in flight, blocked on it.
 */
class ShutdownIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(20);

    private final TestDatabase db = TestDatabase.get();

    @Test
    void shutdownRefusesNewUploadsAndEndsTheRunningOneAbortedAfterItsChunkInFlight() throws Exception {
        ConfigurableApplicationContext service = ServiceInstance.start();
        int port = ServiceInstance.port(service);
        Uploads uploads = service.getBean(Uploads.class);
        db.update("TRUNCATE things");
        String job;
        try (Connection holder = db.connect();
                Statement hold = holder.createStatement();
                RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            holder.setAutoCommit(false);
            hold.execute("INSERT INTO things (id, label) VALUES (35, 'held by the test')");
            job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 47));
            JobLedger.awaitChunks(db, job, 3, WAIT);
            awaitALockWait();

            CompletableFuture<Void> closing = CompletableFuture.runAsync(service::close);
            awaitUntil(() -> !uploads.isRunning());

            WebTestClient.bindToServer()
                    .baseUrl("http://localhost:" + port)
                    .defaultHeader("Authorization", TestTokens.bearer())
                    .build()
                    .post()
                    .uri("/v1/datasets/things/records")
                    .contentType(MediaType.APPLICATION_NDJSON)
                    .bodyValue(Things.lines(100, 101))
                    .exchange()
                    .expectStatus()
                    .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectHeader()
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.title")
                    .isEqualTo("Shutting down");
            // Chunk 4 is still blocked on the held row: the service waits for it.
            assertThat(closing).isNotDone();
            assertThat(JobLedger.status(db, job)).isEqualTo("running");

            holder.rollback();
            closing.get(30, TimeUnit.SECONDS);

            List<JsonNode> events = upload.remainingEvents(WAIT);
            JsonNode end = events.getLast();
            assertThat(end.get("event").asString()).isEqualTo("aborted");
            assertThat(end.get("chunks").asInt()).isEqualTo(4);
            assertTotals(end, 40, 38, 0, 0, 0, 2);
        } finally {
            service.close();
        }
        assertThat(service.isActive()).isFalse();
        assertThat(JobLedger.status(db, job)).isEqualTo("aborted");
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "aborted by shutdown"))
                .isEqualTo(43);
        assertThat(Things.table(db)).isEqualTo(Things.rows(43));
    }

    private void awaitALockWait() throws InterruptedException {
        awaitUntil(() -> db.count("SELECT count(*) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND wait_event_type = 'Lock'")
                > 0);
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not so within " + WAIT);
            }
            Thread.sleep(POLL);
        }
    }
}
