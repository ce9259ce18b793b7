package dev.tally.record;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.UploadClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@TallyIntegrationTest
class FieldPresenceIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    private UploadClient client;

    @BeforeEach
    void oneExistingThing() {
        client = new UploadClient(port);
        db.update("TRUNCATE things, customers");
        db.update("INSERT INTO things (id, code, label, qty, note, version) VALUES (1, 'a', 'one', 5, 'kept', 1)");
    }

    @Test
    void anAbsentFieldTakesTheDefaultOnInsertAndKeepsTheStoredValueOnUpdate() {
        JsonNode end = client.upload(
                "things", "onConflict=update", lines("{\"id\":1,\"label\":\"uno\"}", "{\"id\":2,\"label\":\"two\"}"));

        assertTotals(end, 2, 1, 1, 0, 0, 0);
        assertThat(db.query("SELECT id, code, label, qty, note, version FROM things ORDER BY id"))
                .containsExactly(row(1L, "a", "uno", 5, "kept", 1L), row(2L, null, "two", 0, null, null));
    }

    @Test
    void anExplicitNullSetsNull() {
        JsonNode end = client.upload("things", "onConflict=update", lines("{\"id\":1,\"note\":null,\"code\":null}"));

        assertTotals(end, 1, 0, 1, 0, 0, 0);
        assertThat(db.query("SELECT id, code, label, qty, note, version FROM things"))
                .containsExactly(row(1L, null, "one", 5, null, 1L));
    }

    @Test
    void aLineWithoutARequiredFieldUpdatesAnExistingKeyButCannotInsert() {
        JsonNode end = client.upload(
                "things",
                "onConflict=update",
                lines("{\"id\":1,\"qty\":7}", "{\"id\":2,\"qty\":7}", "{\"id\":3,\"label\":\"three\"}"));

        assertTotals(end, 3, 1, 1, 0, 0, 1);
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(db.query(
                        "SELECT line, reason, message FROM tally.row_log WHERE job_id = ?::uuid",
                        end.get("job").asString()))
                .containsExactly(Map.of(
                        "line", 2L,
                        "reason", "missing_required",
                        "message", "the key does not exist, and inserting needs label, absent from the line"));
        assertThat(db.query("SELECT id, qty FROM things ORDER BY id"))
                .containsExactly(Map.of("id", 1L, "qty", 7), Map.of("id", 3L, "qty", 0));
    }

    @Test
    void identicalValuesInAnotherSpellingAreUnchangedAndWriteNothing() {
        db.update(
                "INSERT INTO customers VALUES (1, 'c1@example.com', 'C1', 2.5, '{\"a\":1,\"b\":[1,2]}', '2026-01-01T10:00:00Z')");
        long versionBefore = db.count("SELECT xmin::text::bigint FROM customers WHERE id = 1");

        JsonNode end = client.upload(
                "customers",
                "onConflict=update",
                lines("{\"id\":1,\"email\":\"c1@example.com\",\"name\":\"C1\",\"balance\":2.50,"
                        + "\"attrs\":{\"b\":[1,2],\"a\":1},\"updated_at\":\"2026-01-01T12:00:00+02:00\"}"));

        assertTotals(end, 1, 0, 0, 1, 0, 0);
        assertThat(db.count("SELECT xmin::text::bigint FROM customers WHERE id = 1"))
                .isEqualTo(versionBefore);
    }

    @Test
    void aRowTheDatabaseRefusesIsRejectedWithItsConstraintAndItsChunkCommits() {
        JsonNode end = client.upload(
                "things",
                "onConflict=update",
                lines(
                        "{\"id\":2,\"label\":\"two\"}",
                        "{\"id\":3,\"label\":\"three\",\"qty\":-1}",
                        "{\"id\":4,\"label\":\"four\",\"code\":\"a\"}",
                        "{\"id\":5,\"label\":\"five\"}"));

        assertTotals(end, 4, 2, 0, 0, 0, 2);
        List<Map<String, Object>> log = db.query(
                "SELECT line, reason, message FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line",
                end.get("job").asString());
        assertThat(log).extracting(r -> r.get("line")).containsExactly(2L, 3L);
        assertThat(log)
                .extracting(r -> r.get("reason"))
                .containsExactly("constraint_violation", "constraint_violation");
        assertThat((String) log.get(0).get("message")).contains("things_qty_check");
        assertThat((String) log.get(1).get("message"))
                .contains("things_code_key")
                .contains("Key (code)=(a) already exists");
        assertThat(db.query("SELECT id FROM things ORDER BY id"))
                .extracting(r -> r.get("id"))
                .containsExactly(1L, 2L, 5L);
    }

    @Test
    void everyChunkAndTheJobAccountForEveryLine() {
        StringBuilder body = new StringBuilder();
        for (int i = 1; i <= 250; i++) {
            body.append(
                            i % 10 == 0
                                    ? "{\"id\":" + i + ",\"label\":\"x\""
                                    : "{\"id\":" + (i % 7 == 0 ? 1 : i) + ",\"label\":\"t" + i + "\"}")
                    .append('\n');
            if (i % 50 == 0) {
                body.append('\n');
            }
        }

        List<JsonNode> events = client.events("things", "onConflict=skip&chunkSize=40", body.toString());

        List<JsonNode> chunks = events.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .toList();
        assertThat(chunks).hasSize(7);
        long[] sum = new long[6];
        for (JsonNode chunk : chunks) {
            JsonNode c = chunk.get("counts");
            assertThat(c.get("received").asLong())
                    .isEqualTo(c.get("inserted").asLong()
                            + c.get("updated").asLong()
                            + c.get("unchanged").asLong()
                            + c.get("skipped").asLong()
                            + c.get("rejected").asLong());
            String[] names = {"received", "inserted", "updated", "unchanged", "skipped", "rejected"};
            for (int i = 0; i < 6; i++) {
                sum[i] += c.get(names[i]).asLong();
            }
        }
        assertThat(chunks.getFirst().get("lines").toString()).isEqualTo("{\"first\":1,\"last\":40}");
        assertThat(chunks.getLast().get("lines").toString()).isEqualTo("{\"first\":245,\"last\":254}");
        // Every 10th line is malformed (25); key 1 exists, and line 1 and the 32 other
        // multiples of 7 that are not multiples of 10 name it (33 skipped); 192 new keys.
        JsonNode end = events.getLast();
        assertTotals(end, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]);
        assertTotals(end, 250, 192, 0, 0, 33, 25);
    }

    private static Map<String, Object> row(Long id, String code, String label, int qty, String note, Long version) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("id", id);
        row.put("code", code);
        row.put("label", label);
        row.put("qty", qty);
        row.put("note", note);
        row.put("version", version);
        return row;
    }
}
