package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.ndjson.GzipBytes;
import dev.tally.testing.UploadClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** A body without records, plain or gzip, completes at once with all-zero totals and no chunk. */
@TallyIntegrationTest
class EmptyBodyIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    static Stream<Arguments> emptyBodies() {
        byte[] blankLines = "\n \r\n\t\n".getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of("no bytes", null, new byte[0]),
                Arguments.of("blank lines only", null, blankLines),
                Arguments.of("no bytes, gzip", "gzip", new byte[0]),
                Arguments.of("a gzip member of nothing", "gzip", GzipBytes.gzip(new byte[0])),
                Arguments.of("blank lines only, gzip", "gzip", GzipBytes.gzip(blankLines)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("emptyBodies")
    void completesWithAllZeroTotals(String description, String contentEncoding, byte[] body) {
        long things = db.count("SELECT count(*) FROM things");

        List<JsonNode> events = new UploadClient(port).events("things", "", body, contentEncoding);

        assertThat(events).extracting(event -> event.get("event").asString()).containsExactly("job", "completed");
        JsonNode end = events.getLast();
        assertTotals(end, 0, 0, 0, 0, 0, 0);
        assertThat(end.get("chunks").asInt()).isZero();
        assertThat(end.get("error").isNull()).isTrue();
        String job = end.get("job").asString();
        assertThat(db.query(
                        "SELECT status, received, inserted, updated, unchanged, skipped, rejected, chunks,"
                                + " error IS NULL AS no_error FROM tally.job WHERE id = ?::uuid",
                        job))
                .containsExactly(Map.of(
                        "status", "completed",
                        "received", 0L,
                        "inserted", 0L,
                        "updated", 0L,
                        "unchanged", 0L,
                        "skipped", 0L,
                        "rejected", 0L,
                        "chunks", 0,
                        "no_error", true));
        assertThat(db.count("SELECT count(*) FROM tally.chunk WHERE job_id = ?::uuid", job))
                .isZero();
        assertThat(db.count("SELECT count(*) FROM tally.row_log WHERE job_id = ?::uuid", job))
                .isZero();
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(things);
    }
}
