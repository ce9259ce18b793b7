package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tally.limits.idle-timeout}: a client that stops sending is disconnected and its job ends
 * {@code aborted} with what committed; a database that holds the body back is not the client's
 * idleness. On an instance of its own with a 1 s timeout, which other tests' pauses would trip.
 */
@TallyIntegrationTest
class IdleClientIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ConfigurableApplicationContext instance;
    private static int port;

    private final TestDatabase db = TestDatabase.get();

    @BeforeAll
    static void startInstance() {
        instance = ServiceInstance.start("--tally.limits.idle-timeout=" + TIMEOUT.toMillis() + "ms");
        port = ServiceInstance.port(instance);
    }

    @AfterAll
    static void stopInstance() {
        instance.close();
    }

    @Test
    void aClientThatStopsSendingIsDisconnectedAndItsJobAborted() throws Exception {
        db.update("TRUNCATE things");
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            // 24 non-blank lines: chunks of lines 1-10 and 11-21 commit, lines 22-25 wait for more.
            upload.send(Things.lines(1, 25));
            long silentSince = System.nanoTime();
            List<JsonNode> events = upload.remainingEvents(WAIT);
            long silentFor = System.nanoTime() - silentSince;

            JsonNode end = events.getLast();
            assertThat(end.get("event").asString()).isEqualTo("aborted");
            assertThat(end.get("error")).isEqualTo(JSON.readTree("""
                            {"code":"client_idle","message":"the client sent nothing for PT1S while Tally waited for the body: it is disconnected","line":null}"""));
            assertThat(end.get("totals")).isEqualTo(JSON.readTree("""
                            {"received":20,"inserted":19,"updated":0,"unchanged":0,"skipped":0,"rejected":1}"""));
            assertThat(silentFor).as("ended only after the timeout").isGreaterThanOrEqualTo(TIMEOUT.toNanos());
            assertThat(JobLedger.assertTotalsEqualLedger(db, job, "idle client"))
                    .isEqualTo(21);
            assertThat(db.query(
                                    "SELECT status, received, error->>'code' AS code FROM tally.job WHERE id = ?",
                                    UUID.fromString(job))
                            .getFirst())
                    .containsEntry("status", "aborted")
                    .containsEntry("received", 20L)
                    .containsEntry("code", "client_idle");
            assertThat(Things.table(db)).isEqualTo(Things.rows(21));
            assertDisconnected(upload);
        }
    }

    @Test
    void aDatabaseThatHoldsTheBodyBackIsNotTheClientsIdleness() throws Exception {
        db.update("TRUNCATE things");
        int lines = 40_000;
        byte[] body = Things.body(lines).getBytes(StandardCharsets.UTF_8);
        MeterRegistry meters = instance.getBean(MeterRegistry.class);
        double receivedBefore = bytesReceived(meters);
        try (Connection lock = db.connect();
                RawUpload upload = RawUpload.start(port, "things", "chunkSize=100")) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE things IN EXCLUSIVE MODE");
            }
            String job = upload.nextEvent(WAIT).get("job").asString();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> sendAll(upload, body));
            // Tally's writes wait for the lock, so it stops reading: the client is not idle meanwhile.
            Thread.sleep(TIMEOUT.multipliedBy(4).toMillis());
            assertThat(JobLedger.status(db, job)).isEqualTo("running");
            assertThat(bytesReceived(meters) - receivedBefore)
                    .as("Tally held the body back while the table was locked")
                    .isLessThan(body.length);
            lock.rollback();

            sending.get();
            JsonNode end = upload.remainingEvents(WAIT).getLast();
            assertThat(end.get("event").asString()).isEqualTo("completed");
            assertThat(end.get("totals").get("received").asLong()).isEqualTo(Things.received(lines));
            assertThat(JobLedger.status(db, job)).isEqualTo("completed");
            assertThat(Things.table(db)).isEqualTo(Things.rows(lines));
        }
    }

    private static double bytesReceived(MeterRegistry meters) {
        var counter =
                meters.find("tally.bytes.received").tag("dataset", "things").counter();
        return counter == null ? 0 : counter.count();
    }

    private static void sendAll(RawUpload upload, byte[] body) {
        try {
            for (int from = 0; from < body.length; from += 16 * 1024) {
                upload.send(Arrays.copyOfRange(body, from, Math.min(body.length, from + 16 * 1024)));
            }
            upload.finish();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The service closed the connection: writing to it soon fails. */
    private static void assertDisconnected(RawUpload upload) {
        assertThatThrownBy(() -> {
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        upload.send("\n");
                        Thread.sleep(50);
                    }
                })
                .isInstanceOf(IOException.class);
    }
}
