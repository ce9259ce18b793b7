package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ndjson.GzipBytes;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * How far an upload got, for progress displays: the body's announced length ({@code bytesTotal}
 * on the job event and document), the bytes read when each chunk was cut ({@code bytesRead} on
 * chunk events and the document), and when each chunk's ledger row was written ({@code
 * committedAt}, the ledger's own value). Chunks of 10 lines over {@link Things}, 45 lines: 5 chunks.
 */
class UploadProgressIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aBodyWithALengthReportsItsBytesAndEachChunksCommitTime() {
        byte[] body = Things.body(45).getBytes(StandardCharsets.UTF_8);

        List<JsonNode> events = client.events("things", "chunkSize=10", body, null);

        assertThat(events.getFirst().get("bytesTotal").asLong()).isEqualTo(body.length);
        assertChunksProgress(events, body.length);
        JsonNode document = document(events);
        assertThat(document.get("bytesRead").asLong()).isEqualTo(body.length);
        assertThat(document.get("bytesTotal").asLong()).isEqualTo(body.length);
    }

    /** Bytes as sent: a gzip body's are its compressed bytes, which its Content-Length counts. */
    @Test
    void aGzipBodyIsMeasuredAsSent() {
        byte[] body = GzipBytes.gzip(Things.body(45).getBytes(StandardCharsets.UTF_8));

        List<JsonNode> events = client.events("things", "chunkSize=10", body, "gzip");

        assertThat(events.getLast().get("event").asString()).isEqualTo("completed");
        assertThat(events.getFirst().get("bytesTotal").asLong()).isEqualTo(body.length);
        assertChunksProgress(events, body.length);
        assertThat(document(events).get("bytesRead").asLong()).isEqualTo(body.length);
    }

    /** A chunked body announces no length: its total is unknown (null), what was read still counts. */
    @Test
    void aChunkedBodyHasNoTotal() throws Exception {
        String body = Things.body(45);
        List<JsonNode> events;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            upload.send(body);
            upload.finish();
            events = upload.remainingEvents(WAIT);
        }

        assertThat(events.getFirst().get("bytesTotal").isNull()).isTrue();
        assertChunksProgress(events, body.getBytes(StandardCharsets.UTF_8).length);
        JsonNode document = document(events);
        assertThat(document.get("bytesTotal").isNull()).isTrue();
        assertThat(document.get("bytesRead").asLong()).isEqualTo(body.length());
    }

    /**
     * Five chunk events whose bytes read never go down and end at the whole body, and whose commit
     * times, in order, are the ledger's.
     */
    private void assertChunksProgress(List<JsonNode> events, long bodyBytes) {
        List<JsonNode> chunks = events.stream()
                .filter(event -> event.get("event").asString().equals("chunk"))
                .toList();
        assertThat(chunks).hasSize(5);
        assertThat(chunks.stream().map(chunk -> chunk.get("bytesRead").asLong()))
                .isSorted()
                .allMatch(read -> read > 0 && read <= bodyBytes);
        assertThat(chunks.getLast().get("bytesRead").asLong()).isEqualTo(bodyBytes);

        String job = events.getFirst().get("job").asString();
        List<Map<String, Object>> ledger = db.query("""
                SELECT chunk, bytes_read,
                       to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS committed_at
                FROM tally.chunk WHERE job_id = ?::uuid ORDER BY chunk
                """, job);
        assertThat(ledger).hasSize(5);
        for (int i = 0; i < 5; i++) {
            JsonNode chunk = chunks.get(i);
            assertThat(chunk.get("chunk").asLong()).isEqualTo(i + 1);
            assertThat(chunk.get("bytesRead").asLong()).isEqualTo(ledger.get(i).get("bytes_read"));
            assertThat(Instant.parse(chunk.get("committedAt").asString()))
                    .isEqualTo(Instant.parse((String) ledger.get(i).get("committed_at")));
        }
        assertThat(chunks.stream()
                        .map(chunk -> Instant.parse(chunk.get("committedAt").asString())))
                .isSorted();
    }

    private JsonNode document(List<JsonNode> events) {
        return UploadClient.json(
                client.get("/v1/jobs/{id}", events.getFirst().get("job").asString()));
    }
}
