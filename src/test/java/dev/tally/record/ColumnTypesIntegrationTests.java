package dev.tally.record;

import static dev.tally.testing.Totals.assertTotals;
import static dev.tally.testing.UploadClient.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.UploadClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Every column type Tally converts, written and read back through PostgreSQL's own text form. */
@TallyIntegrationTest
class ColumnTypesIntegrationTests {

    private static final String EVERY_TYPE = "{\"id\":1,\"i2\":-32768,\"i4\":2147483647,\"i8\":-9223372036854775808,"
            + "\"num\":999.994,\"num_free\":12345678901234567890.123456789,\"r\":1.5,\"d\":-2.25e-3,\"b\":true,"
            + "\"t\":\"tab\\tquote\\\" é 😀\",\"vc\":\"abcde\",\"ch\":\"ab\",\"u\":\"123E4567-e89b-12d3-a456-426614174000\","
            + "\"dt\":\"2026-02-28\",\"ts\":\"2026-02-28 13:14:15.123456\",\"tstz\":\"2026-02-28T13:14:15+05:30\","
            + "\"j\":{\"b\":1,\"a\":[true,null]},\"jb\":{\"b\":1,\"a\":\"x\"},\"arr_i\":[1,null,-3],"
            + "\"arr_t\":[\"a,b\",\"NULL\",null,\"q\\\"uote\",\"\"]}";

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void emptyTable() {
        db.update("TRUNCATE typed");
    }

    @Test
    void everyTypeIsStoredAsSent() {
        JsonNode end = new UploadClient(port).upload("typed", "", lines(EVERY_TYPE, "{\"id\":2}"));

        assertTotals(end, 2, 2, 0, 0, 0, 0);
        assertThat(textOf(1))
                .containsExactlyEntriesOf(expected(
                        "1",
                        "-32768",
                        "2147483647",
                        "-9223372036854775808",
                        "999.99",
                        "12345678901234567890.123456789",
                        "1.5",
                        "-0.00225",
                        "true",
                        "tab\tquote\" é 😀",
                        "abcde",
                        "ab",
                        "123e4567-e89b-12d3-a456-426614174000",
                        "2026-02-28",
                        "2026-02-28 13:14:15.123456",
                        "2026-02-28 07:44:15",
                        "{\"b\":1,\"a\":[true,null]}",
                        "{\"a\": \"x\", \"b\": 1}",
                        "{1,NULL,-3}",
                        "{\"a,b\",\"NULL\",NULL,\"q\\\"uote\",\"\"}"));
        assertThat(textOf(2))
                .containsExactlyEntriesOf(expected(
                        "2", null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null));
    }

    @Test
    void updatingEveryTypeWithTheSameValuesIsUnchanged() {
        UploadClient client = new UploadClient(port);
        client.upload("typed", "", lines(EVERY_TYPE));

        JsonNode end = client.upload("typed", "onConflict=update", lines(EVERY_TYPE));

        assertTotals(end, 1, 0, 0, 1, 0, 0);
    }

    private Map<String, Object> textOf(long id) {
        List<Map<String, Object>> rows = db.query(
                "SELECT id::text, i2::text, i4::text, i8::text, num::text, num_free::text, r::text, d::text, b::text,"
                        + " t, vc, ch::text, u::text, dt::text, ts::text, (tstz AT TIME ZONE 'UTC')::text AS tstz, j::text, jb::text, arr_i::text,"
                        + " arr_t::text FROM typed WHERE id = ?",
                id);
        assertThat(rows).hasSize(1);
        return rows.getFirst();
    }

    private static Map<String, Object> expected(String... values) {
        String[] columns = {
            "id",
            "i2",
            "i4",
            "i8",
            "num",
            "num_free",
            "r",
            "d",
            "b",
            "t",
            "vc",
            "ch",
            "u",
            "dt",
            "ts",
            "tstz",
            "j",
            "jb",
            "arr_i",
            "arr_t"
        };
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i++) {
            row.put(columns[i], values[i]);
        }
        return row;
    }
}
