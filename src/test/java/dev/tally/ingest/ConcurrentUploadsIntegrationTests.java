package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * More uploads at once than the pool has connections for their chunks (14 uploads × 4 chunks in
 * flight against 12 connections): the write slots share the connections, and every upload ends
 * with every chunk committed.
 */
@TallyIntegrationTest
class ConcurrentUploadsIntegrationTests {

    private static final int UPLOADS = 14;
    private static final int LINES = 500;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void manyUploadsAtOnceAllCommitEveryChunk() {
        db.update("TRUNCATE things");
        JsonMapper json = JsonMapper.builder().build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            List<CompletableFuture<HttpResponse<String>>> uploads = IntStream.range(0, UPLOADS)
                    .mapToObj(upload -> client.sendAsync(request(upload), HttpResponse.BodyHandlers.ofString()))
                    .toList();

            for (CompletableFuture<HttpResponse<String>> upload : uploads) {
                HttpResponse<String> response = upload.join();
                assertThat(response.statusCode()).isEqualTo(200);
                List<JsonNode> events =
                        response.body().lines().map(json::readTree).toList();
                JsonNode end = events.getLast();
                assertThat(end.get("event").asString()).isEqualTo("completed");
                assertThat(end.get("chunks").asInt()).isEqualTo(LINES / 10);
                assertTotals(end, LINES, LINES, 0, 0, 0, 0);
                String job = end.get("job").asString();
                assertThat(db.count("SELECT count(*) FROM tally.chunk WHERE job_id = ?::uuid AND received = 10", job))
                        .isEqualTo(LINES / 10);
            }
        }
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(UPLOADS * LINES);
    }

    /** Upload number {@code upload}: ids of its own, so that the uploads' keys are disjoint. */
    private HttpRequest request(int upload) {
        String body = IntStream.rangeClosed(upload * LINES + 1, (upload + 1) * LINES)
                .mapToObj(id -> "{\"id\":%d,\"label\":\"thing %d\"}".formatted(id, id))
                .collect(Collectors.joining("\n", "", "\n"));
        return HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/datasets/things/records?chunkSize=10"))
                .header("Authorization", TestTokens.bearer())
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofMinutes(2))
                .build();
    }
}
