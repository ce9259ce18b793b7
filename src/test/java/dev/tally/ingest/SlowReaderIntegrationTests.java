package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JDK's HttpClient, like browser fetch, reads the response only once it has sent the whole
 * body: the upload must not wait for a reader that is not reading.
 */
@TallyIntegrationTest
class SlowReaderIntegrationTests {

    private static final int LINES = 200_000;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void aClientThatReadsOnlyAfterSendingEverythingCompletesALargeUpload() throws Exception {
        db.update("TRUNCATE things");
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v1/datasets/things/records"))
                .header("Authorization", TestTokens.bearer())
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofInputStream(SlowReaderIntegrationTests::body))
                .timeout(Duration.ofMinutes(5))
                .build();

        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newHttpClient()) {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        }

        assertThat(response.statusCode()).isEqualTo(200);
        JsonMapper json = JsonMapper.builder().build();
        List<JsonNode> events = response.body().lines().map(json::readTree).toList();
        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, LINES, LINES, 0, 0, 0, 0);
        long summed = events.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .mapToLong(e -> e.get("counts").get("inserted").asLong())
                .sum();
        assertThat(summed).isEqualTo(LINES);
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(LINES);
    }

    /** The lines, made as they are read, so the test holds no 200,000-line string. */
    private static InputStream body() {
        List<InputStream> parts = IntStream.range(0, LINES / 1000)
                .mapToObj(block -> (InputStream) new LazyBlock(block))
                .toList();
        return new SequenceInputStream(Collections.enumeration(parts));
    }

    private static final class LazyBlock extends InputStream {
        private final int block;
        private byte[] bytes;
        private int position;

        LazyBlock(int block) {
            this.block = block;
        }

        @Override
        public int read() {
            fill();
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            fill();
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(length, bytes.length - position);
            System.arraycopy(bytes, position, buffer, offset, n);
            position += n;
            return n;
        }

        private void fill() {
            if (bytes == null) {
                StringBuilder text = new StringBuilder();
                for (int i = block * 1000 + 1; i <= (block + 1) * 1000; i++) {
                    text.append("{\"id\":")
                            .append(i)
                            .append(",\"label\":\"thing ")
                            .append(i)
                            .append("\"}\n");
                }
                bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            }
        }
    }
}
