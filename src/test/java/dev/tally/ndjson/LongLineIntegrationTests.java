package dev.tally.ndjson;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.UploadClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * A plain body with one line of 200 MiB, sent as a stream while the tests and the service share
 * one JVM of {@code -Xmx256m} (failsafe's argLine): holding the line, or any doubling copy of it,
 * would end in OutOfMemoryError instead of one {@code line_too_long} reject.
 */
@TallyIntegrationTest
class LongLineIntegrationTests {

    private static final int LONG_LINE = 200 << 20;
    private static final int PIECE = 64 << 10;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void aLineOf200MebibytesIsRejectedUnheldAndTheNextLineIsWritten() {
        db.update("TRUNCATE things");
        byte[] piece = new byte[PIECE];
        Arrays.fill(piece, (byte) 'a');
        Flux<DataBuffer> body = Flux.concat(
                Flux.just(buffer("{\"id\":1,\"label\":\"one\"}\n".getBytes(StandardCharsets.UTF_8))),
                Flux.range(0, LONG_LINE / PIECE).map(i -> buffer(piece)),
                Flux.just(buffer("\n{\"id\":3,\"label\":\"three\"}\n".getBytes(StandardCharsets.UTF_8))));

        // WebClient, not WebTestClient, whose wiretap would keep a copy of the whole request.
        String response = WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.bearer())
                .build()
                .post()
                .uri("/v1/datasets/things/records")
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .body(body, DataBuffer.class)
                .retrieve()
                .bodyToMono(String.class)
                .block(Duration.ofMinutes(2));

        List<JsonNode> events =
                Arrays.stream(response.split("\n")).map(UploadClient::json).toList();
        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 3, 2, 0, 0, 0, 1);
        assertThat(db.query(
                        "SELECT line, reason, message, length(text) AS kept FROM tally.row_log WHERE job_id = ?::uuid",
                        end.get("job").asString()))
                .containsExactly(Map.of(
                        "line",
                        2L,
                        "reason",
                        "line_too_long",
                        "message",
                        "line is " + LONG_LINE + " bytes, over the limit",
                        "kept",
                        1024));
        assertThat(db.query("SELECT id, label FROM things ORDER BY id"))
                .containsExactly(Map.of("id", 1L, "label", "one"), Map.of("id", 3L, "label", "three"));
    }

    private static DataBuffer buffer(byte[] bytes) {
        return DefaultDataBufferFactory.sharedInstance.wrap(bytes);
    }
}
