package dev.tally.record;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.UploadClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * One bad line between two good ones, for every reject code: the bad line is rejected with its
 * code, line number and message, and both neighbours are written.
 */
@TallyIntegrationTest
class RejectCodesIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void emptyTables() {
        db.update("TRUNCATE typed, things");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            invalid_json       | typed  | {"id":2,"t":"x"                         | Unexpected end-of-input: expected close marker for Object at column 16
            not_an_object      | typed  | [2,"x"]                                 | expected a JSON object, got an array
            unknown_field      | typed  | {"id":2,"colour":"red"}                 | unknown field "colour"
            missing_key        | typed  | {"t":"no id"}                           | key column "id" is absent
            type_mismatch      | typed  | {"id":2,"i4":"12"}                      | field "i4": expected an integer for integer, got a string
            out_of_range       | typed  | {"id":2,"i8":9223372036854775808}       | field "i8": 9223372036854775808 is out of range for bigint
            too_long           | typed  | {"id":2,"vc":"abcdef"}                  | field "vc": value is 6 characters, over character varying(5)
            naive_timestamp    | typed  | {"id":2,"tstz":"2026-01-01T10:00:00"}   | field "tstz": timestamp "2026-01-01T10:00:00" has no offset; timestamp with time zone needs Z or ±hh:mm
            missing_required   | things | {"id":2,"label":null}                   | field "label" is null but the column is NOT NULL
            """)
    void aBadLineIsRejectedWithItsCodeAndItsNeighboursAreWritten(
            String code, String dataset, String badLine, String message) {
        String good1 = dataset.equals("typed") ? "{\"id\":1,\"t\":\"first\"}" : "{\"id\":1,\"label\":\"first\"}";
        String good3 = dataset.equals("typed") ? "{\"id\":3,\"t\":\"third\"}" : "{\"id\":3,\"label\":\"third\"}";

        JsonNode end = new UploadClient(port).upload(dataset, "", lines(good1, badLine, good3));

        assertTotals(end, 3, 2, 0, 0, 0, 1);
        List<java.util.Map<String, Object>> log = db.query(
                "SELECT line, outcome, reason, message, text FROM tally.row_log WHERE job_id = ?::uuid",
                end.get("job").asString());
        assertThat(log).hasSize(1);
        assertThat(log.getFirst())
                .containsEntry("line", 2L)
                .containsEntry("outcome", "rejected")
                .containsEntry("reason", code)
                .containsEntry("text", badLine);
        assertThat((String) log.getFirst().get("message")).isEqualTo(message);
        assertThat(db.query("SELECT id FROM " + dataset + " ORDER BY id"))
                .extracting(row -> row.get("id"))
                .containsExactly(1L, 3L);
    }

    @Test
    void aLineThatIsNotUtf8IsRejectedAndItsNeighboursAreWritten() {
        // 0xFF never occurs in UTF-8; the row log keeps the line with U+FFFD in its place.
        var body = new ByteArrayOutputStream();
        body.writeBytes(lines("{\"id\":1,\"t\":\"first\"}").getBytes(StandardCharsets.UTF_8));
        body.writeBytes("{\"id\":2,\"t\":\"caf".getBytes(StandardCharsets.UTF_8));
        body.write(0xFF);
        body.writeBytes(lines("\"}", "{\"id\":3,\"t\":\"third\"}").getBytes(StandardCharsets.UTF_8));

        JsonNode end = new UploadClient(port)
                .events("typed", "", body.toByteArray(), null)
                .getLast();

        assertTotals(end, 3, 2, 0, 0, 0, 1);
        assertThat(db.query(
                        "SELECT line, outcome, reason, message, text FROM tally.row_log WHERE job_id = ?::uuid",
                        end.get("job").asString()))
                .containsExactly(Map.of(
                        "line", 2L,
                        "outcome", "rejected",
                        "reason", "invalid_utf8",
                        "message", "invalid UTF-8 sequence starting with byte 0xFF at byte offset 16",
                        "text", "{\"id\":2,\"t\":\"caf\uFFFD\"}"));
        assertThat(db.query("SELECT id, t FROM typed ORDER BY id"))
                .containsExactly(Map.of("id", 1L, "t", "first"), Map.of("id", 3L, "t", "third"));
    }
}
