package dev.tally.upsert;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.system.TallyProperties;
import dev.tally.testing.ServiceIntegrationTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rows the database refuses although they parsed (a check, a foreign key, a unique index other
 * than the conflict target, a trigger): each is isolated by bisection and rejected alone, with the
 * constraint's name and the database's detail, and every other line of its chunk commits with its
 * true outcome. The table {@code refused} and its trigger are in db/test/V101__refused_rows.sql.
 */
class RefusedRowsIntegrationTests extends ServiceIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String CHECK = "new row for relation \"refused\" violates check constraint"
            + " \"refused_qty_not_negative\": Failing row contains ";
    private static final String FOREIGN_KEY = "insert or update on table \"refused\" violates foreign key constraint"
            + " \"refused_parent_exists\": Key (parent)=(9) is not present in table \"refused_parent\".";
    private static final String UNIQUE =
            "duplicate key value violates unique constraint \"refused_email_unique\": Key (email)=(%s) already exists.";
    private static final String RAISED = "label 'raise' is refused: refused_guard allows no such label";

    @Autowired
    TallyProperties properties;

    @BeforeEach
    void twoExistingRows() {
        db.update("TRUNCATE refused");
        db.update("INSERT INTO refused (id, email, label, qty, parent, version)"
                + " VALUES (10, 'ten@x', 'ten', 1, 1, 1), (11, 'eleven@x', 'eleven', 1, NULL, 2)");
    }

    @Test
    void aCheckViolationRejectsTheRowNamingTheConstraintAndItsNeighboursCommit() {
        String bad = "{\"id\":2,\"email\":\"two@x\",\"label\":\"two\",\"qty\":-1}";
        List<JsonNode> events = client.events(
                "refused",
                "",
                lines(
                        "{\"id\":1,\"email\":\"one@x\",\"label\":\"one\",\"qty\":1}",
                        bad,
                        "{\"id\":3,\"email\":\"three@x\",\"label\":\"three\",\"qty\":3}"));
        JsonNode end = events.getLast();
        String message = CHECK + "(2, two@x, two, -1, null, null).";

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 3, 2, 0, 0, 0, 1);
        JsonNode chunk = events.get(1);
        assertThat(chunk.get("event").asString()).isEqualTo("chunk");
        assertThat(chunk.get("rejected").toString())
                .isEqualTo("[{\"line\":2,\"code\":\"constraint_violation\",\"message\":"
                        + JSON.writeValueAsString(message) + ",\"key\":{\"id\":2}}]");
        assertThat(rowLog(end, "rejected")).containsExactly(rejected(2, "constraint_violation", 2, message, bad));
        assertThat(table())
                .containsExactly(
                        row(1, "one@x", "one", 1, null, null),
                        row(3, "three@x", "three", 3, null, null),
                        row(10, "ten@x", "ten", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 1);
    }

    @Test
    void aForeignKeyViolationRejectsTheRowOnInsertAndOnUpdate() {
        String badUpdate = "{\"id\":10,\"email\":\"ten@x\",\"label\":\"ten\",\"parent\":9}";
        String badInsert = "{\"id\":4,\"email\":\"four@x\",\"label\":\"four\",\"parent\":9}";

        JsonNode end = client.upload(
                "refused",
                "onConflict=update",
                lines(
                        "{\"id\":1,\"email\":\"one@x\",\"label\":\"one\",\"parent\":2}",
                        badUpdate,
                        "{\"id\":3,\"email\":\"three@x\",\"label\":\"three\",\"parent\":null}",
                        badInsert));

        assertTotals(end, 4, 2, 0, 0, 0, 2);
        assertThat(rowLog(end, "rejected"))
                .containsExactly(
                        rejected(2, "constraint_violation", 10, FOREIGN_KEY, badUpdate),
                        rejected(4, "constraint_violation", 4, FOREIGN_KEY, badInsert));
        assertThat(table())
                .containsExactly(
                        row(1, "one@x", "one", 0, 2, null),
                        row(3, "three@x", "three", 0, null, null),
                        row(10, "ten@x", "ten", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 1);
    }

    @Test
    void aUniqueIndexOtherThanTheConflictTargetRejectsTheLaterLineOnly() {
        String takenByARow = "{\"id\":2,\"email\":\"ten@x\",\"label\":\"two\"}";
        String takenByLine1 = "{\"id\":3,\"email\":\"one@x\",\"label\":\"three\"}";

        JsonNode end = client.upload(
                "refused",
                "onConflict=skip",
                lines(
                        "{\"id\":1,\"email\":\"one@x\",\"label\":\"one\"}",
                        takenByARow,
                        takenByLine1,
                        // The key exists: skipped, and the clash on email never arises.
                        "{\"id\":11,\"email\":\"ten@x\",\"label\":\"eleven\"}",
                        "{\"id\":5,\"email\":\"five@x\",\"label\":\"five\"}"));

        assertTotals(end, 5, 2, 0, 0, 1, 2);
        assertThat(rowLog(end, null))
                .containsExactly(
                        rejected(2, "constraint_violation", 2, UNIQUE.formatted("ten@x"), takenByARow),
                        rejected(3, "constraint_violation", 3, UNIQUE.formatted("one@x"), takenByLine1),
                        skipped(4, "exists", 11));
        assertThat(table())
                .containsExactly(
                        row(1, "one@x", "one", 0, null, null),
                        row(5, "five@x", "five", 0, null, null),
                        row(10, "ten@x", "ten", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 1);
    }

    /**
     * The SQLSTATE decides: RAISE EXCEPTION (P0001) and a data exception (22012) are db_error with
     * the database's message; a trigger raising a constraint's SQLSTATE (23514) is a
     * constraint_violation, and the message names the constraint it gave.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            raise       | db_error             | label 'raise' is refused: refused_guard allows no such label
            raise-check | constraint_violation | label 'raise-check' breaks the label rule (constraint "refused_label_rule"): labels must not name a rule
            divide      | db_error             | division by zero
            """)
    void aTriggersExceptionRejectsTheRowWithACodeBySqlState(String label, String code, String message) {
        String bad = "{\"id\":2,\"label\":\"" + label + "\"}";

        JsonNode end = client.upload(
                "refused", "", lines("{\"id\":1,\"label\":\"one\"}", bad, "{\"id\":3,\"label\":\"three\"}"));

        assertTotals(end, 3, 2, 0, 0, 0, 1);
        assertThat(rowLog(end, "rejected")).containsExactly(rejected(2, code, 2, message, bad));
        assertThat(table())
                .containsExactly(
                        row(1, null, "one", 0, null, null),
                        row(3, null, "three", 0, null, null),
                        row(10, "ten@x", "ten", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2));
    }

    /** A value too large for an index entry (54000, program limit exceeded) is the row's fault too. */
    @Test
    void aValueTooLargeForItsIndexIsADbErrorAndOnlyItsRowIsRejected() {
        StringBuilder email = new StringBuilder();
        Random random = new Random(7);
        while (email.length() < 3000) { // random, so that PostgreSQL cannot compress it below the limit
            email.append(Long.toString(random.nextLong() >>> 1, 36));
        }
        String bad = "{\"id\":2,\"email\":\"" + email + "\",\"label\":\"two\"}";

        JsonNode end = client.upload(
                "refused", "", lines("{\"id\":1,\"label\":\"one\"}", bad, "{\"id\":3,\"label\":\"three\"}"));

        assertTotals(end, 3, 2, 0, 0, 0, 1);
        List<JsonNode> log = rowLog(end, "rejected");
        assertThat(log).hasSize(1);
        assertThat(log.getFirst().get("line").asLong()).isEqualTo(2);
        assertThat(log.getFirst().get("code").asString()).isEqualTo("db_error");
        assertThat(log.getFirst().get("text").asString()).isEqualTo(bad);
        assertThat(log.getFirst().get("message").asString())
                .matches("index row size \\d+ exceeds btree version 4 maximum 2704 for index \"refused_email_unique\""
                        + ": Index row references tuple \\(\\d+,\\d+\\) in relation \"refused\"\\.");
        assertThat(table())
                .containsExactly(
                        row(1, null, "one", 0, null, null),
                        row(3, null, "three", 0, null, null),
                        row(10, "ten@x", "ten", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2));
    }

    /**
     * Two refused rows among an insert, a changed row, an identical re-send and an older version,
     * all in one chunk: after the bisection every other line has the outcome its policy gives.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"skip", "update", "update-if-newer"})
    void twoBadRowsInOneChunkAreRejectedAndEveryOtherLineKeepsItsTrueOutcome(String policy) {
        String check = "{\"id\":2,\"email\":\"two@x\",\"label\":\"two\",\"qty\":-2,\"parent\":null,\"version\":1}";
        String foreignKey = "{\"id\":4,\"email\":\"four@x\",\"label\":\"four\",\"qty\":4,\"parent\":9,\"version\":1}";
        String body = lines(
                "{\"id\":1,\"email\":\"one@x\",\"label\":\"one\",\"qty\":1,\"parent\":null,\"version\":1}",
                "{\"id\":10,\"email\":\"ten@x\",\"label\":\"ten v2\",\"qty\":2,\"parent\":1,\"version\":2}",
                "{\"id\":11,\"email\":\"eleven@x\",\"label\":\"eleven\",\"qty\":1,\"parent\":null,\"version\":2}",
                check,
                "{\"id\":3,\"email\":\"three@x\",\"label\":\"three\",\"qty\":3,\"parent\":2,\"version\":1}",
                foreignKey,
                "{\"id\":10,\"email\":\"ten@x\",\"label\":\"ten v0\",\"qty\":0,\"parent\":1,\"version\":0}");

        List<JsonNode> events = client.events("refused", "onConflict=" + policy, body);
        JsonNode end = events.getLast();

        JsonNode rejectedCheck = rejected(4, "constraint_violation", 2, CHECK + "(2, two@x, two, -2, null, 1).", check);
        JsonNode rejectedForeignKey = rejected(6, "constraint_violation", 4, FOREIGN_KEY, foreignKey);
        List<Object> ten =
                switch (policy) {
                    case "skip" -> row(10, "ten@x", "ten", 1, 1, 1);
                    case "update" -> row(10, "ten@x", "ten v0", 0, 1, 0);
                    default -> row(10, "ten@x", "ten v2", 2, 1, 2);
                };
        switch (policy) {
            case "skip" -> {
                assertTotals(end, 7, 2, 0, 0, 3, 2);
                assertThat(rowLog(end, null))
                        .containsExactly(
                                skipped(2, "exists", 10),
                                skipped(3, "exists", 11),
                                rejectedCheck,
                                rejectedForeignKey,
                                skipped(7, "exists", 10));
            }
            case "update" -> {
                assertTotals(end, 7, 2, 2, 1, 0, 2);
                assertThat(rowLog(end, null)).containsExactly(rejectedCheck, rejectedForeignKey);
            }
            default -> {
                assertTotals(end, 7, 2, 1, 0, 2, 2);
                assertThat(rowLog(end, null))
                        .containsExactly(
                                skipped(3, "stale", 11), rejectedCheck, rejectedForeignKey, skipped(7, "stale", 10));
            }
        }
        assertThat(events).extracting(e -> e.get("event").asString()).containsExactly("job", "chunk", "completed");
        assertThat(events.get(1).get("counts").toString())
                .isEqualTo(end.get("totals").toString());
        assertThat(table())
                .containsExactly(
                        row(1, "one@x", "one", 1, null, 1),
                        row(3, "three@x", "three", 3, 2, 1),
                        ten,
                        row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 1);
    }

    /**
     * Lines without the NOT NULL label take the statement that updates existing rows in place:
     * a refused update there is isolated too, beside an unchanged row and a line that lacks what
     * an insert needs.
     */
    @Test
    void aBadRowAmongUnchangedOnesInTheUpdateInPlaceStatementIsRejectedAlone() {
        JsonNode end = client.upload(
                "refused",
                "onConflict=update",
                lines(
                        "{\"id\":10,\"qty\":1}",
                        "{\"id\":11,\"qty\":-5}",
                        "{\"id\":12,\"qty\":3}",
                        "{\"id\":10,\"qty\":4}"));

        assertTotals(end, 4, 0, 1, 1, 0, 2);
        assertThat(rowLog(end, null))
                .containsExactly(
                        rejected(
                                2,
                                "constraint_violation",
                                11,
                                CHECK + "(11, eleven@x, eleven, -5, null, 2).",
                                "{\"id\":11,\"qty\":-5}"),
                        rejected(
                                3,
                                "missing_required",
                                12,
                                "the key does not exist, and inserting needs label, absent from the line",
                                "{\"id\":12,\"qty\":3}"));
        assertThat(table())
                .containsExactly(row(10, "ten@x", "ten", 4, 1, 1), row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 1);
    }

    @Test
    void chunksWhereEveryRowIsBadCommitWithEveryLineRejected() {
        List<String> body = new ArrayList<>();
        List<JsonNode> expected = new ArrayList<>();
        for (int id = 1; id <= 8; id++) {
            Refusal refusal = Refusal.values()[(id - 1) % 4];
            body.add(refusal.line(id));
            expected.add(rejected(id, refusal.code(), id, refusal.message(id), refusal.line(id)));
        }

        List<JsonNode> events = client.events("refused", "chunkSize=4", lines(body.toArray(String[]::new)));
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 8, 0, 0, 0, 0, 8);
        assertThat(db.query(
                        "SELECT chunk, received, rejected FROM tally.chunk WHERE job_id = ?::uuid ORDER BY chunk",
                        end.get("job").asString()))
                .containsExactly(
                        Map.of("chunk", 1, "received", 4, "rejected", 4),
                        Map.of("chunk", 2, "received", 4, "rejected", 4));
        assertThat(rowLog(end, "rejected")).containsExactlyElementsOf(expected);
        assertThat(table())
                .containsExactly(row(10, "ten@x", "ten", 1, 1, 1), row(11, "eleven@x", "eleven", 1, null, 2));
        assertLedgerIsTheTotals(end, 2);
    }

    /**
     * Bad rows of every kind spread over many chunks written in parallel; one of them clashes with
     * a row an earlier chunk inserts, which the key gate orders.
     */
    @Test
    void badRowsInManyChunksWrittenInParallelAreEachRejectedAlone() {
        assertThat(properties.ingest().writeConcurrency()).isGreaterThan(1);
        List<String> body = new ArrayList<>();
        List<JsonNode> expectedLog = new ArrayList<>();
        List<List<Object>> expectedTable = new ArrayList<>();
        for (int id = 1; id <= 400; id++) {
            if (id % 29 == 0) {
                Refusal refusal = Refusal.values()[id / 29 % 4];
                String line = refusal == Refusal.UNIQUE
                        ? "{\"id\":%d,\"email\":\"e1@x\",\"label\":\"l%d\"}".formatted(id, id)
                        : refusal.line(id);
                String message = refusal == Refusal.UNIQUE ? UNIQUE.formatted("e1@x") : refusal.message(id);
                body.add(line);
                expectedLog.add(rejected(id, refusal.code(), id, message, line));
                continue;
            }
            Long parent = id % 3 == 0 ? 1L : null;
            body.add("{\"id\":%d,\"email\":\"e%d@x\",\"label\":\"l%d\",\"qty\":%d,\"parent\":%s}"
                    .formatted(id, id, id, id % 7, parent));
            if (id == 10 || id == 11) {
                continue; // the key exists: skipped
            }
            expectedTable.add(row(id, "e" + id + "@x", "l" + id, id % 7, parent, null));
        }
        expectedTable.add(row(10, "ten@x", "ten", 1, 1, 1));
        expectedTable.add(row(11, "eleven@x", "eleven", 1, null, 2));
        expectedTable.sort(Comparator.comparing(r -> (Long) r.getFirst()));

        List<JsonNode> events = client.events("refused", "chunkSize=25", lines(body.toArray(String[]::new)));
        JsonNode end = events.getLast();

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 400, 400 - 13 - 2, 0, 0, 2, 13);
        assertThat(rowLog(end, "rejected")).containsExactlyElementsOf(expectedLog);
        assertThat(rowLog(end, "skipped")).containsExactly(skipped(10, "exists", 10), skipped(11, "exists", 11));
        assertThat(table()).containsExactlyElementsOf(expectedTable);
        assertLedgerIsTheTotals(end, 16);
        long eventRejects = events.stream()
                .filter(e -> e.get("event").asString().equals("chunk"))
                .mapToLong(e -> e.get("counts").get("rejected").asLong())
                .sum();
        assertThat(eventRejects).isEqualTo(13);
    }

    /**
     * Chunk 1 moves row 10's email away, slowly (its trigger sleeps); chunk 2, whose keys the gate
     * finds disjoint, takes that email and is written first. The database refuses it then, but
     * applied in order the line succeeds: the refusal is not final until chunk 2's turn, when it
     * is written again.
     */
    @Test
    void aRowRefusedWhileAnEarlierChunkIsStillWritingIsWrittenAgainInItsTurn() {
        assertThat(properties.ingest().writeConcurrency()).isGreaterThan(1);

        JsonNode end = client.upload(
                "refused",
                "onConflict=update&chunkSize=1",
                lines(
                        "{\"id\":10,\"email\":\"moved@x\",\"label\":\"slow\"}",
                        "{\"id\":20,\"email\":\"ten@x\",\"label\":\"twenty\"}"));

        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertTotals(end, 2, 1, 1, 0, 0, 0);
        assertThat(rowLog(end, null)).isEmpty();
        assertThat(table())
                .containsExactly(
                        row(10, "moved@x", "slow", 1, 1, 1),
                        row(11, "eleven@x", "eleven", 1, null, 2),
                        row(20, "ten@x", "twenty", 0, null, null));
        assertLedgerIsTheTotals(end, 2);
    }

    /** One line for each way the database refuses a row of {@code refused}, by id. */
    private enum Refusal {
        CHECK,
        FOREIGN_KEY,
        UNIQUE,
        TRIGGER;

        String line(int id) {
            return switch (this) {
                case CHECK -> "{\"id\":%d,\"label\":\"l%d\",\"qty\":-1}".formatted(id, id);
                case FOREIGN_KEY -> "{\"id\":%d,\"label\":\"l%d\",\"parent\":9}".formatted(id, id);
                case UNIQUE -> "{\"id\":%d,\"label\":\"l%d\",\"email\":\"ten@x\"}".formatted(id, id);
                case TRIGGER -> "{\"id\":%d,\"label\":\"raise\"}".formatted(id);
            };
        }

        String code() {
            return this == TRIGGER ? "db_error" : "constraint_violation";
        }

        String message(int id) {
            return switch (this) {
                case CHECK -> RefusedRowsIntegrationTests.CHECK + "(%d, null, l%d, -1, null, null).".formatted(id, id);
                case FOREIGN_KEY -> RefusedRowsIntegrationTests.FOREIGN_KEY;
                case UNIQUE -> RefusedRowsIntegrationTests.UNIQUE.formatted("ten@x");
                case TRIGGER -> RAISED;
            };
        }
    }

    /** The job row, the final event and the sum of the chunk ledger agree, over this many chunks. */
    private void assertLedgerIsTheTotals(JsonNode end, int chunks) {
        String job = end.get("job").asString();
        String sums = "sum(received) AS received, sum(inserted) AS inserted, sum(updated) AS updated,"
                + " sum(unchanged) AS unchanged, sum(skipped) AS skipped, sum(rejected) AS rejected";
        Map<String, Object> ledger = db.query(
                        "SELECT " + sums + ", count(*) AS chunks FROM tally.chunk WHERE job_id = ?::uuid", job)
                .getFirst();
        Map<String, Object> jobRow = db.query(
                        "SELECT received, inserted, updated, unchanged, skipped, rejected, chunks"
                                + " FROM tally.job WHERE id = ?::uuid",
                        job)
                .getFirst();
        JsonNode totals = end.get("totals");
        for (String count : List.of("received", "inserted", "updated", "unchanged", "skipped", "rejected")) {
            assertThat(((Number) ledger.get(count)).longValue())
                    .as("ledger " + count)
                    .isEqualTo(totals.get(count).asLong());
            assertThat(((Number) jobRow.get(count)).longValue())
                    .as("job " + count)
                    .isEqualTo(totals.get(count).asLong());
        }
        assertThat(((Number) ledger.get("chunks")).intValue()).isEqualTo(chunks);
        assertThat(((Number) jobRow.get("chunks")).intValue()).isEqualTo(chunks);
    }

    private List<List<Object>> table() {
        return db.query("SELECT id, email, label, qty, parent, version FROM refused ORDER BY id").stream()
                .map(r -> Arrays.asList(r.values().toArray()))
                .toList();
    }

    /** A row of {@code refused} as {@link #table()} reads it: bigint as Long, integer as Integer. */
    private static List<Object> row(long id, String email, String label, int qty, Number parent, Number version) {
        return Arrays.asList(
                id,
                email,
                label,
                qty,
                parent == null ? null : parent.longValue(),
                version == null ? null : version.longValue());
    }

    /** The row log, one JSON object per line; every outcome when {@code outcome} is null. */
    private List<JsonNode> rowLog(JsonNode end, String outcome) {
        String job = end.get("job").asString();
        String body = outcome == null
                ? client.get("/v1/jobs/{id}/rows", job)
                : client.get("/v1/jobs/{id}/rows?outcome={outcome}", job, outcome);
        return body == null ? List.of() : body.lines().map(JSON::readTree).toList();
    }

    private static JsonNode rejected(long line, String code, long id, String message, String text) {
        ObjectNode row = JSON.createObjectNode()
                .put("line", line)
                .put("outcome", "rejected")
                .put("code", code);
        row.putObject("key").put("id", id);
        return reparsed(row.put("message", message).put("text", text));
    }

    private static JsonNode skipped(long line, String reason, long id) {
        ObjectNode row = JSON.createObjectNode()
                .put("line", line)
                .put("outcome", "skipped")
                .put("reason", reason);
        row.putObject("key").put("id", id);
        return reparsed(row);
    }

    /** As the row log's NDJSON reads back, so that equal numbers are equal nodes. */
    private static JsonNode reparsed(JsonNode node) {
        return JSON.readTree(node.toString());
    }
}
