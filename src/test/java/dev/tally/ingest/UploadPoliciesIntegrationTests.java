package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class UploadPoliciesIntegrationTests extends ServiceIntegrationTest {

    private static final String BODY = lines(
            "{\"id\":1,\"label\":\"one\",\"qty\":1,\"code\":\"a\",\"version\":1}",
            "{\"id\":2,\"label\":\"TWO\",\"code\":\"b\",\"version\":2}",
            "{\"id\":3,\"label\":\"three\",\"code\":\"c\",\"version\":1}",
            "",
            "{\"id\":3,\"label\":\"three again\",\"code\":\"c\",\"version\":2}");

    @BeforeEach
    void twoExistingThings() {
        Things.twoExisting(db);
    }

    @Test
    void skipLeavesExistingKeysAloneAndLogsThem() {
        JsonNode end = client.upload("things", "onConflict=skip", BODY);

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 4, 1, 0, 0, 3, 0);
        assertThat(things())
                .containsExactly(
                        List.of(1L, "a", "one", 1, "", 1L),
                        List.of(2L, "b", "two", 2, "", 1L),
                        List.of(3L, "c", "three", 0, "", 1L));
        assertThat(rowLog(end, "skipped"))
                .containsExactly(
                        "{\"line\":1,\"outcome\":\"skipped\",\"reason\":\"exists\",\"key\":{\"id\":1}}",
                        "{\"line\":2,\"outcome\":\"skipped\",\"reason\":\"exists\",\"key\":{\"id\":2}}",
                        "{\"line\":5,\"outcome\":\"skipped\",\"reason\":\"exists\",\"key\":{\"id\":3}}");
    }

    @Test
    void updateWritesChangedRowsKeepsAbsentFieldsAndReportsIdenticalOnesUnchanged() {
        JsonNode end = client.upload("things", "onConflict=update", BODY);

        assertTotals(end, 4, 1, 2, 1, 0, 0);
        assertThat(things())
                .containsExactly(
                        List.of(1L, "a", "one", 1, "", 1L),
                        List.of(2L, "b", "TWO", 2, "", 2L),
                        List.of(3L, "c", "three again", 0, "", 2L));
    }

    @Test
    void updateIfNewerSkipsLinesWhoseVersionIsNotGreater() {
        JsonNode end = client.upload("things", "onConflict=update-if-newer", BODY);

        assertTotals(end, 4, 1, 2, 0, 1, 0);
        assertThat(things())
                .containsExactly(
                        List.of(1L, "a", "one", 1, "", 1L),
                        List.of(2L, "b", "TWO", 2, "", 2L),
                        List.of(3L, "c", "three again", 0, "", 2L));
        assertThat(rowLog(end, "skipped"))
                .containsExactly("{\"line\":1,\"outcome\":\"skipped\",\"reason\":\"stale\",\"key\":{\"id\":1}}");
    }

    @Test
    void failStopsAtTheFirstExistingKeyKeepingEarlierChunksOnly() {
        String body = lines(
                "{\"id\":3,\"label\":\"three\"}",
                "{\"id\":4,\"label\":\"four\"}",
                "{\"id\":1,\"label\":\"one\"}",
                "{\"id\":5,\"label\":\"five\"}",
                "{\"id\":6,\"label\":\"six\"}");

        List<JsonNode> events = client.events("things", "onConflict=fail&chunkSize=2", body);
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").toString())
                .isEqualTo(
                        "{\"code\":\"key_exists\",\"message\":\"line 3: the key {\\\"id\\\":1} already exists and onConflict=fail\",\"line\":3}");
        assertTotals(end, 2, 2, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isEqualTo(1);
        assertThat(events).extracting(e -> e.get("event").asString()).containsExactly("job", "chunk", "failed");
        assertThat(db.query("SELECT id FROM things ORDER BY id"))
                .extracting(row -> row.get("id"))
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(db.query(
                        "SELECT status, received, inserted, chunks FROM tally.job WHERE id = ?::uuid",
                        end.get("job").asString()))
                .containsExactly(Map.of("status", "failed", "received", 2L, "inserted", 2L, "chunks", 1));
    }

    @Test
    void updateIfNewerIsRefusedForADatasetWithoutVersionColumn() {
        client.web()
                .post()
                .uri("/v1/datasets/typed/records?onConflict=update-if-newer")
                .contentType(org.springframework.http.MediaType.APPLICATION_NDJSON)
                .bodyValue("{\"id\":1}\n")
                .exchange()
                .expectStatus()
                .isEqualTo(409)
                .expectHeader()
                .contentType("application/problem+json");
    }

    private List<List<Object>> things() {
        return db
                .query("SELECT id, code, label, qty, coalesce(note, '') AS note, version FROM things ORDER BY id")
                .stream()
                .map(row -> List.copyOf(row.values()))
                .toList();
    }

    private List<String> rowLog(JsonNode end, String outcome) {
        String body = client.get(
                "/v1/jobs/{id}/rows?outcome={outcome}", end.get("job").asString(), outcome);
        return body == null ? List.of() : body.lines().toList();
    }
}
