package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestTokens;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.UploadClient;
import dev.tally.testing.Waits;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;

/**
 * An upload in one transaction ({@code atomic=true}, {@code dryRun=true}) whose connection the
 * database ends mid-upload, or after its last chunk, before its commit or rollback (the chaos run
 * met both with PostgreSQL restarts): its transaction is gone, so the job fails, but with {@code
 * database_unavailable}, and the same upload sent again under its Idempotency-Key is written whole,
 * rather than answered with the failure forever.
 */
class OneTransactionConnectionLossIntegrationTests extends ServiceIntegrationTest {

    private static final String BODY = "{\"id\":1,\"label\":\"one\"}\n{\"id\":2,\"label\":\"two\"}\n";

    @ParameterizedTest(name = "{0}, lost before line 2: {1}")
    @CsvSource({"atomic, true", "dryRun, true", "atomic, false", "dryRun, false"})
    void aLostConnectionFailsTheJobAsDatabaseUnavailableAndTheResendIsWrittenWhole(String mode, boolean beforeLine2)
            throws Exception {
        String query = mode + "=true&chunkSize=1";
        String key = "lost-" + mode + "-" + System.nanoTime();
        Sinks.Many<DataBuffer> body = Sinks.many().unicast().onBackpressureBuffer();
        body.tryEmitNext(buffer("{\"id\":1,\"label\":\"one\"}\n"));
        if (!beforeLine2) {
            body.tryEmitNext(buffer("{\"id\":2,\"label\":\"two\"}\n"));
        }
        List<JsonNode> seen = new CopyOnWriteArrayList<>();
        WebClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.bearer())
                .build()
                .post()
                .uri("/v1/datasets/things/records?" + query)
                .header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .body(BodyInserters.fromDataBuffers(body.asFlux()))
                .retrieve()
                .bodyToFlux(String.class)
                .map(UploadClient::json)
                .subscribe(seen::add);
        // Chunk 1 (or 2) is written, its transaction open and waiting for the body's next line or end.
        int written = beforeLine2 ? 1 : 2;
        Waits.await(() -> seen.stream()
                .anyMatch(e -> e.get("event").asString().equals("chunk")
                        && e.get("totals").get("received").asInt() == written));
        assertThat(db.query("SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname ="
                        + " current_database() AND application_name = 'tally' AND state LIKE 'idle in transaction%'"))
                .hasSize(1);
        if (beforeLine2) {
            body.tryEmitNext(buffer("{\"id\":2,\"label\":\"two\"}\n"));
        }
        body.tryEmitComplete(); // without line 2 to write, the commit (atomic) or rollback (dry run) meets the loss
        Waits.await(() -> seen.getLast().get("event").asString().equals("failed"));

        JsonNode failed = seen.getLast();
        assertThat(failed.get("error").get("code").asString()).isEqualTo("database_unavailable");
        assertThat(failed.get("committed").asBoolean()).isFalse();
        assertThat(things()).isEmpty();

        List<JsonNode> again = Arrays.stream(client.web()
                        .post()
                        .uri("/v1/datasets/things/records?" + query)
                        .header("Idempotency-Key", key)
                        .contentType(MediaType.APPLICATION_NDJSON)
                        .accept(MediaType.APPLICATION_NDJSON)
                        .bodyValue(BODY)
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody()
                        .split("\n"))
                .filter(line -> !line.isBlank())
                .map(UploadClient::json)
                .toList();
        JsonNode end = again.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 2, 2, 0, 0, 0, 0);
        if (mode.equals("atomic")) {
            assertThat(end.get("job").asString()).isEqualTo(failed.get("job").asString());
            assertThat(end.get("committed").asBoolean()).isTrue();
            assertThat(things()).containsExactly("1|one", "2|two");
        } else {
            assertThat(end.get("committed").asBoolean()).isFalse();
            assertThat(things()).isEmpty();
        }
    }

    private static DataBuffer buffer(String text) {
        return DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> things() {
        return db.query("SELECT format('%s|%s', id, label) AS t FROM things ORDER BY id").stream()
                .map(row -> (String) row.get("t"))
                .toList();
    }
}
