package dev.tally.upsert;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.CodedThings;
import dev.tally.testing.JobLedger;
import dev.tally.testing.Waits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Waits on the database that get no answer: a row lock held by another session past {@code
 * tally.ingest.database-wait}, shorter or longer than {@code database-retry}, and the head chunk of
 * an upload that lost its connection while the chunks after it hold every pooled one. An instance
 * of its own: waits of 1 s within a budget of 4 s, a pool of 3 connections for 4 chunks in flight,
 * and one upload at a time per token, so that an upload accepted after another shows its slot freed.
 */
@TallyIntegrationTest
class DatabaseWaitIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String APPLICATION = "tally-waits";

    private static ConfigurableApplicationContext instance;

    private final TestDatabase db = TestDatabase.get();

    @BeforeAll
    static void startInstance() {
        instance = ServiceInstance.start(
                "--spring.r2dbc.properties.applicationName=" + APPLICATION,
                "--spring.r2dbc.pool.max-size=3",
                "--tally.ingest.write-concurrency=4",
                "--tally.ingest.commit-patience=200ms",
                "--tally.ingest.database-wait=1s",
                "--tally.ingest.database-retry=4s",
                "--tally.limits.max-uploads-per-token=1");
    }

    @AfterAll
    static void stopInstance() {
        instance.close();
    }

    @BeforeEach
    void emptyTable() {
        db.update("TRUNCATE things");
    }

    @Test
    void aLockHeldLongerThanTheWaitButShorterThanTheBudgetIsWaitedOut() throws Exception {
        HttpResponse<String> response;
        try (Connection holder = db.connect();
                Statement hold = holder.createStatement()) {
            // Chunk 6 (lines 101-120) waits on this uncommitted row, 2.5 s: past two answer waits.
            holder.setAutoCommit(false);
            hold.execute("INSERT INTO things (id, code, label) VALUES (101, 'held', 'held')");
            CompletableFuture<HttpResponse<String>> upload = upload("onConflict=skip&chunkSize=20", 1, 200);
            Waits.await(
                    () -> db.count("SELECT count(*) FROM things") == 100 && sessions("wait_event_type = 'Lock'") == 1);
            Thread.sleep(2500);
            holder.rollback();
            response = upload.get(1, TimeUnit.MINUTES);
        }

        JsonNode end = events(response).getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 200, 200, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(10);
        String job = end.get("job").asString();
        JobLedger.assertTotalsEqualLedger(db, job, "after a lock waited out");
        assertThat(db.query("SELECT status, received, inserted, chunks FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of("status", "completed", "received", 200L, "inserted", 200L, "chunks", 10));
        CodedThings.assertTable(db, 200);
        assertThat(sessions("state <> 'idle'")).isZero();
    }

    @Test
    void aLockHeldBeyondTheBudgetFailsTheJobTruthfullyAndLeavesNothingOpen() throws Exception {
        JsonNode end;
        long leftOpen;
        long waitingOnLocks;
        try (Connection holder = db.connect();
                Statement hold = holder.createStatement()) {
            holder.setAutoCommit(false);
            hold.execute("INSERT INTO things (id, code, label) VALUES (101, 'held', 'held')");
            CompletableFuture<HttpResponse<String>> upload = upload("onConflict=skip&chunkSize=20", 1, 200);
            end = events(upload.get(1, TimeUnit.MINUTES)).getLast();
            // While the lock is still held: no session of the instance is left in a transaction or
            // waiting on the lock, the statements that did not answer were cancelled.
            leftOpen = sessions("state LIKE 'idle in transaction%'");
            waitingOnLocks = sessions("wait_event_type = 'Lock'");
            holder.rollback();
        }

        assertThat(leftOpen).isZero();
        assertThat(waitingOnLocks).isZero();
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").get("code").asString()).isEqualTo("database_unavailable");
        assertThat(end.get("error").get("message").asString())
                .startsWith("chunk 6 (lines 101-120): the database did not answer for 4000 ms")
                .endsWith("; last error: its statements: no answer from the database within 1000 ms"
                        + " (tally.ingest.database-wait)");
        assertTotals(end, 100, 100, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(5);
        String job = end.get("job").asString();
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "after the budget"))
                .isEqualTo(100);
        assertThat(db.query(
                        "SELECT status, error->>'code' AS code, received, inserted, chunks FROM tally.job"
                                + " WHERE id = ?::uuid",
                        job))
                .containsExactly(Map.of(
                        "status",
                        "failed",
                        "code",
                        "database_unavailable",
                        "received",
                        100L,
                        "inserted",
                        100L,
                        "chunks",
                        5));
        CodedThings.assertTable(db, 100);

        // The upload's slot is free again (one per token here): lines 101-200 sent again complete.
        JsonNode next = events(upload("onConflict=skip&chunkSize=20", 101, 200).get(1, TimeUnit.MINUTES))
                .getLast();
        assertThat(next.get("event").asString()).isEqualTo("completed");
        assertTotals(next, 100, 100, 0, 0, 0, 0);
        CodedThings.assertTable(db, 200);
    }

    @Test
    void aJobRowNotCreatedWithinTheWaitRefusesTheUploadAndFreesItsPlace() throws Exception {
        HttpResponse<String> refused;
        long took;
        try (Connection holder = db.connect();
                Statement hold = holder.createStatement()) {
            holder.setAutoCommit(false);
            hold.execute("LOCK TABLE tally.job IN ACCESS EXCLUSIVE MODE");
            long started = System.nanoTime();
            refused = upload("onConflict=skip&chunkSize=20", 1, 20).get(1, TimeUnit.MINUTES);
            took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            holder.rollback();
        }

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(refused.body()).get("detail").asString())
                .isEqualTo("creating the job: no answer from the database within 1000 ms (tally.ingest.database-wait)");
        assertThat(took).isBetween(1000L, 5000L);
        // Its place is free (one per token here): the same upload is accepted and completes.
        JsonNode end = events(upload("onConflict=skip&chunkSize=20", 1, 20).get(1, TimeUnit.MINUTES))
                .getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 20, 20, 0, 0, 0, 0);
        CodedThings.assertTable(db, 20);
    }

    @Test
    void theHeadChunkThatLostItsConnectionGetsOneFromChunksWaitingForItsTurn() throws Exception {
        HttpResponse<String> response;
        List<String> terminated;
        try (Connection holder = db.connect();
                Connection admin = db.connect();
                Statement hold = holder.createStatement()) {
            // Chunk 1 waits on this row; chunks 2 and 3 take the pool's other two connections and
            // wait for chunk 1's turn; chunk 4 waits for a connection.
            holder.setAutoCommit(false);
            hold.execute("INSERT INTO things (id, code, label) VALUES (1, 'held', 'held')");
            CompletableFuture<HttpResponse<String>> upload = upload("onConflict=skip&chunkSize=20", 1, 200);
            Waits.await(() -> sessions("wait_event_type = 'Lock'") == 1);
            awaitAtMost(Duration.ofMillis(500), () -> sessions("state LIKE 'idle in transaction%'") == 2);
            // Chunk 1's connection ends; it must get another while the others hold theirs.
            terminated = terminate(admin, "wait_event_type = 'Lock'");
            holder.rollback();
            response = upload.get(30, TimeUnit.SECONDS);
        }

        assertThat(terminated).hasSize(1);
        JsonNode end = events(response).getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 200, 200, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(10);
        JobLedger.assertTotalsEqualLedger(db, end.get("job").asString(), "after the head chunk's loss");
        CodedThings.assertTable(db, 200);
    }

    /** The instance's sessions on the test database that match {@code condition}. */
    private long sessions(String condition) {
        return db.count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?"
                        + " AND " + condition,
                APPLICATION);
    }

    private List<String> terminate(Connection admin, String condition) throws SQLException {
        // The sessions are chosen first: in one WHERE, the planner may terminate before it filters.
        try (var statement =
                admin.prepareStatement("WITH chosen AS MATERIALIZED (SELECT pid, state FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND application_name = ? AND " + condition + ")"
                        + " SELECT state FROM chosen WHERE pg_terminate_backend(pid)")) {
            statement.setString(1, APPLICATION);
            try (var rows = statement.executeQuery()) {
                List<String> states = new java.util.ArrayList<>();
                while (rows.next()) {
                    states.add(rows.getString(1));
                }
                return states;
            }
        }
    }

    private static CompletableFuture<HttpResponse<String>> upload(String query, int first, int last) {
        String body = String.join("", CodedThings.lines(first, last));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:%d/v1/datasets/things/records?%s"
                        .formatted(ServiceInstance.port(instance), query)))
                .header("Authorization", TestTokens.bearer())
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofMinutes(1))
                .build();
        HttpClient client = HttpClient.newHttpClient();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> client.close());
    }

    private static List<JsonNode> events(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body().lines().map(JSON::readTree).toList();
    }

    /** Waits for {@code condition}, but no longer than {@code most}: then goes on either way. */
    private static void awaitAtMost(Duration most, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + most.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
