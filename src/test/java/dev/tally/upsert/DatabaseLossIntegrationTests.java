package dev.tally.upsert;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TallyApplication;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.CodedThings;
import dev.tally.testing.UploadClient;
import dev.tally.testing.Waits;
import dev.tally.upsert.CommitCuttingProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The database going away under an upload: connections terminated at random moments, a COMMIT
 * whose answer is lost, a COMMIT that never arrives, and the database refusing connections for
 * longer than the retry budget. Every case compares the events, the job row, the ledger and the
 * table. The exact breaks go through a second instance that connects through a {@link
 * CommitCuttingProxy}, with a retry budget of 1 s. {@code TALLY_TEST_SEED} picks other moments
 * for the random terminations.
 */
@TallyIntegrationTest
class DatabaseLossIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(DatabaseLossIntegrationTests.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long SEED = Long.parseLong(System.getenv().getOrDefault("TALLY_TEST_SEED", "7"));
    private static final String PROXIED = "tally-proxied";
    private static final int TERMINATIONS = 8;

    private static CommitCuttingProxy proxy;
    private static ConfigurableApplicationContext proxied;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeAll
    static void startInstanceBehindProxy() throws IOException {
        TestDatabase db = TestDatabase.get();
        proxy = new CommitCuttingProxy(db.host(), db.port());
        Map<String, Object> settings = Map.of(
                "spring.r2dbc.url",
                "r2dbc:postgresql://%s:%d/%s".formatted(db.host(), proxy.port(), db.name()),
                "spring.r2dbc.username",
                db.user(),
                "spring.r2dbc.password",
                db.password(),
                "spring.r2dbc.properties.applicationName",
                PROXIED,
                "tally.ingest.database-retry",
                "1s",
                "server.port",
                "0");
        proxied = new SpringApplicationBuilder(TallyApplication.class)
                .profiles("test")
                .initializers(context -> context.getEnvironment()
                        .getPropertySources()
                        .addFirst(new MapPropertySource("behindProxy", settings)))
                .run();
    }

    @AfterAll
    static void stopInstanceBehindProxy() throws IOException {
        proxied.close();
        proxy.close();
    }

    @Test
    void connectionsTerminatedAtRandomMomentsLoseNoLineAndCountNoLineTwice() throws Exception {
        db.update("TRUNCATE things");
        int lines = 3000;
        Random random = new Random(SEED);
        AtomicBoolean uploading = new AtomicBoolean(true);
        List<List<String>> rounds = Collections.synchronizedList(new ArrayList<>());
        // Each round waits a random while, then for a moment when a chunk is in a transaction, and
        // ends every connection of the instance, busy or idle; between rounds the database is
        // there long enough for the chunks hit to be written again.
        Thread terminator = new Thread(() -> {
            try (Connection connection = db.connect()) {
                Waits.await(() -> db.count("SELECT count(*) FROM things") > 0 || !uploading.get());
                for (int round = 0; round < TERMINATIONS && uploading.get(); round++) {
                    Waits.sleep(100 + random.nextInt(200));
                    List<String> states = List.of();
                    while (states.isEmpty() && uploading.get()) {
                        states = terminateWhileInTransaction(connection, "tally");
                    }
                    rounds.add(states);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        terminator.start();
        HttpResponse<String> response;
        try {
            response = upload(port, "onConflict=skip&chunkSize=50", slowly(CodedThings.lines(1, lines), 25, 25))
                    .get(3, TimeUnit.MINUTES);
        } finally {
            uploading.set(false);
            terminator.join();
        }

        log.info("Seed {}: terminated connections in these states: {}", SEED, rounds);
        assertThat(rounds.stream()
                        .filter(states -> states.stream().anyMatch(DatabaseLossIntegrationTests::inTransaction)))
                .as("rounds that ended a connection in a transaction")
                .hasSizeGreaterThanOrEqualTo(TERMINATIONS / 2);
        List<JsonNode> events = events(response);
        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, lines, lines, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(60);
        assertThat(summed(events, "inserted")).isEqualTo(lines);
        assertThat(summed(events, "skipped")).isZero();
        String job = end.get("job").asString();
        assertLedger(job, 60, lines);
        assertThat(db.query(
                        "SELECT status, received, inserted, skipped, chunks FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of(
                        "status", "completed", "received", 3000L, "inserted", 3000L, "skipped", 0L, "chunks", 60));
        CodedThings.assertTable(db, lines);
    }

    @Test
    void aChunkWhoseCommitAnswerIsLostCountsItsInsertsOnce() {
        assertCleanUploadDespite(Fault.ANSWER_LOST);
    }

    @Test
    void aChunkWhoseCommitNeverArrivedIsWrittenAgain() {
        assertCleanUploadDespite(Fault.COMMIT_LOST);
    }

    /** 200 lines in 10 chunks, chunk 2's COMMIT broken by {@code fault}: the upload ends as if nothing happened. */
    private void assertCleanUploadDespite(Fault fault) {
        db.update("TRUNCATE things");
        proxy.breakCommit(2, fault);
        int faultsBefore = proxy.faults();

        List<JsonNode> events = new UploadClient(proxiedPort())
                .events("things", "onConflict=skip&chunkSize=20", String.join("", CodedThings.lines(1, 200)));

        assertThat(proxy.faults()).isEqualTo(faultsBefore + 1);
        assertCleanUpload(events, 200, 10);
    }

    @Test
    void aDatabaseAwayLongerThanTheBudgetFailsTheJobWithTheLedgersTotals() throws Exception {
        db.update("TRUNCATE things");
        CompletableFuture<HttpResponse<String>> response;
        List<String> terminated;
        try (Connection admin = db.connect("postgres")) {
            try (Connection holder = db.connect();
                    Statement hold = holder.createStatement()) {
                // Chunk 6 (lines 101-120) waits on this uncommitted row: it is in flight when the database goes.
                holder.setAutoCommit(false);
                hold.execute("INSERT INTO things (id, code, label) VALUES (101, 'held', 'held')");
                response = upload(proxiedPort(), "onConflict=skip&chunkSize=20", CodedThings.lines(1, 200));
                Waits.await(() -> db.count("SELECT count(*) FROM things") == 100
                        && db.count(
                                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                                + " AND application_name = ? AND wait_event_type = 'Lock'",
                                        PROXIED)
                                >= 1);
                execute(admin, "ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS false");
                terminated = terminate(admin, PROXIED, false);
                holder.rollback();
            }
            JsonNode end;
            HttpResponse<String> refused;
            try {
                end = events(response.get(1, TimeUnit.MINUTES)).getLast();
                refused = upload(proxiedPort(), "onConflict=skip", CodedThings.lines(1, 1))
                        .get(1, TimeUnit.MINUTES);
            } finally {
                execute(admin, "ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS true");
            }

            assertThat(terminated).contains("active");
            // While the database is away a new upload is refused before it starts.
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(end.get("event").asString()).isEqualTo("failed");
            assertThat(end.get("error").get("code").asString()).isEqualTo("database_unavailable");
            assertThat(end.get("error").get("message").asString()).startsWith("chunk 6 (lines 101-120): ");
            assertTotals(end, 100, 100, 0, 0, 0, 0);
            assertThat(end.get("chunks").asInt()).isEqualTo(5);
            String job = end.get("job").asString();
            // The job's row could not be written while the database was away; the instance writes it once it is back.
            Waits.await(() ->
                    db.count("SELECT count(*) FROM tally.job WHERE id = ?::uuid AND status = 'failed'", job) == 1);
            assertThat(db.query(
                            "SELECT error->>'code' AS code, received, inserted, chunks FROM tally.job WHERE id = ?::uuid",
                            job))
                    .containsExactly(
                            Map.of("code", "database_unavailable", "received", 100L, "inserted", 100L, "chunks", 5));
            assertLedger(job, 5, 100);
            CodedThings.assertTable(db, 100);
        }
    }

    /** The events, job row, ledger and table of one clean upload of lines 1..lines into an empty table. */
    private void assertCleanUpload(List<JsonNode> events, int lines, int chunks) {
        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, lines, lines, 0, 0, 0, 0);
        assertThat(events)
                .filteredOn(e -> e.get("event").asString().equals("chunk"))
                .extracting(
                        e -> e.get("chunk").asInt(),
                        e -> e.get("counts").get("inserted").asInt())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, chunks)
                        .mapToObj(chunk -> org.assertj.core.groups.Tuple.tuple(chunk, lines / chunks))
                        .toList());
        String job = end.get("job").asString();
        assertLedger(job, chunks, lines);
        assertThat(db.query("SELECT status, received, inserted, chunks FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of(
                        "status", "completed", "received", (long) lines, "inserted", (long) lines, "chunks", chunks));
        CodedThings.assertTable(db, lines);
    }

    /** The ledger holds chunks 1..chunks once each, every line inserted, and the row log nothing. */
    private void assertLedger(String job, int chunks, int lines) {
        assertThat(db.query(
                        "SELECT count(*) AS chunks, min(chunk) AS first, max(chunk) AS last, sum(received) AS received,"
                                + " sum(inserted) AS inserted FROM tally.chunk WHERE job_id = ?::uuid",
                        job))
                .containsExactly(Map.of(
                        "chunks", (long) chunks,
                        "first", 1,
                        "last", chunks,
                        "received", (long) lines,
                        "inserted", (long) lines));
        assertThat(db.count("SELECT count(*) FROM tally.row_log WHERE job_id = ?::uuid", job))
                .isZero();
    }

    /** The lines as a body sent {@code perBlock} lines at a time, {@code pauseMs} apart. */
    private static HttpRequest.BodyPublisher slowly(List<String> lines, int perBlock, int pauseMs) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new SlowLines(lines, perBlock, pauseMs));
    }

    private static CompletableFuture<HttpResponse<String>> upload(int port, String query, List<String> lines) {
        return upload(port, query, HttpRequest.BodyPublishers.ofString(String.join("", lines), StandardCharsets.UTF_8));
    }

    private static CompletableFuture<HttpResponse<String>> upload(
            int port, String query, HttpRequest.BodyPublisher body) {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://localhost:%d/v1/datasets/things/records?%s".formatted(port, query)))
                .header("Authorization", TestTokens.bearer())
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/x-ndjson")
                .POST(body)
                .timeout(Duration.ofMinutes(3))
                .build();
        HttpClient client = HttpClient.newHttpClient();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> client.close());
    }

    private static List<JsonNode> events(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().lines().map(JSON::readTree).toList();
    }

    /** One outcome summed over the chunk events, merged or not. */
    private static long summed(List<JsonNode> events, String outcome) {
        return events.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .mapToLong(e -> e.get("counts").get(outcome).asLong())
                .sum();
    }

    /**
     * Terminates the sessions of the named application on the test database, if one of them is in
     * a transaction at that moment; returns their states.
     */
    private List<String> terminateWhileInTransaction(Connection connection, String application) {
        Waits.sleep(5);
        return terminate(connection, application, true);
    }

    private List<String> terminate(Connection connection, String application, boolean onlyInTransaction) {
        List<String> states = new ArrayList<>();
        try (var statement = connection.prepareStatement("""
                SELECT coalesce(state, '') AS state, pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = ? AND application_name = ? AND pid <> pg_backend_pid()
                  AND (NOT ? OR EXISTS (SELECT 1 FROM pg_stat_activity busy
                                        WHERE busy.datname = ? AND busy.application_name = ?
                                          AND busy.state IN ('active', 'idle in transaction')))
                """)) {
            statement.setString(1, db.name());
            statement.setString(2, application);
            statement.setBoolean(3, onlyInTransaction);
            statement.setString(4, db.name());
            statement.setString(5, application);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    states.add(rows.getString("state"));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return states;
    }

    private static boolean inTransaction(String state) {
        return state.equals("active") || state.startsWith("idle in transaction");
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private int proxiedPort() {
        return ServiceInstance.port(proxied);
    }

    /** Lines handed out a block at a time, with a pause before each block. */
    private static final class SlowLines extends InputStream {
        private final List<String> lines;
        private final int perBlock;
        private final int pauseMs;
        private int next;
        private byte[] block = new byte[0];
        private int position;

        SlowLines(List<String> lines, int perBlock, int pauseMs) {
            this.lines = lines;
            this.perBlock = perBlock;
            this.pauseMs = pauseMs;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) {
            if (position == block.length) {
                if (next == lines.size()) {
                    return -1;
                }
                Waits.sleep(pauseMs);
                int end = Math.min(next + perBlock, lines.size());
                block = String.join("", lines.subList(next, end)).getBytes(StandardCharsets.UTF_8);
                next = end;
                position = 0;
            }
            int n = Math.min(length, block.length - position);
            System.arraycopy(block, position, bytes, offset, n);
            position += n;
            return n;
        }
    }
}
