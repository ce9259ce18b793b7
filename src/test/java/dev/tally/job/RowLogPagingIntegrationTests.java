package dev.tally.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/jobs/{id}/rows} across chunk boundaries, the row log being one row per chunk:
 * pages that start inside a chunk, end in a later one, and span more chunks than {@link RowLog}
 * reads a query. The upload is 60 lines of {@link Things} in chunks of 5 rows into a table that
 * already has every third thing: lines 3, 6, … 60 are skipped (but 39, blank, and 51, invalid),
 * 17, 34 and 51 rejected.
 */
class RowLogPagingIntegrationTests extends ServiceIntegrationTest {

    private static final List<Long> SKIPPED = LongStream.rangeClosed(1, 20)
            .map(n -> 3 * n)
            .filter(n -> n != 39 && n != 51)
            .boxed()
            .toList();

    private String job;

    @BeforeEach
    void uploadSixtyThingsAThirdOfThemThere() {
        db.update("INSERT INTO things (id, label) SELECT 3 * n, 'there' FROM generate_series(1, 20) n");
        JsonNode end = client.upload("things", "chunkSize=5", Things.body(60));
        assertThat(end.get("event").asString()).as(end.toString()).isEqualTo("completed");
        assertThat(end.get("totals").toString())
                .isEqualTo(
                        "{\"received\":56,\"inserted\":35,\"updated\":0,\"unchanged\":0,\"skipped\":18,\"rejected\":3}");
        job = end.get("job").asString();
    }

    @Test
    void theRowLogHoldsOneRowPerChunkThatSkippedOrRejectedALine() {
        assertThat(db.query(
                        "SELECT chunk, first_line, last_line, lines::text AS lines, outcomes::text AS outcomes"
                                + " FROM tally.chunk_row_log WHERE job_id = ?::uuid ORDER BY chunk",
                        job))
                .extracting(row -> row.values().stream().map(String::valueOf).toList())
                .containsExactly(
                        List.of("1", "3", "3", "{3}", "{skipped}"),
                        List.of("2", "6", "9", "{6,9}", "{skipped,skipped}"),
                        List.of("3", "12", "15", "{12,15}", "{skipped,skipped}"),
                        List.of("4", "17", "21", "{17,18,21}", "{rejected,skipped,skipped}"),
                        List.of("5", "24", "27", "{24,27}", "{skipped,skipped}"),
                        List.of("6", "30", "30", "{30}", "{skipped}"),
                        List.of("7", "33", "36", "{33,34,36}", "{skipped,rejected,skipped}"),
                        List.of("8", "42", "42", "{42}", "{skipped}"),
                        List.of("9", "45", "48", "{45,48}", "{skipped,skipped}"),
                        List.of("10", "51", "54", "{51,54}", "{rejected,skipped}"),
                        List.of("11", "57", "57", "{57}", "{skipped}"),
                        List.of("12", "60", "60", "{60}", "{skipped}"));
    }

    @Test
    void allOfItIsEveryLoggedLineInLineOrderWithItsReasonOrCodeKeyMessageAndText() {
        List<String> all = new ArrayList<>();
        for (long line = 1; line <= 60; line++) {
            if (line % 17 == 0) {
                all.add(rejected(line));
            } else if (SKIPPED.contains(line)) {
                all.add(skipped(line));
            }
        }

        assertThat(rows("")).hasSize(21).isEqualTo(all);
        assertThat(rows("limit=10000")).isEqualTo(all);
    }

    @Test
    void pagesOfFourStartAndEndInsideChunksAndCrossTheirBoundaries() {
        // Chunk 3 logs 12 and 15, chunk 4 17, 18 and 21; chunk 7 33, 34 and 36, chunk 8 42, chunk 9 45 and 48.
        assertThat(rows("limit=4")).containsExactly(skipped(3), skipped(6), skipped(9), skipped(12));
        assertThat(rows("after=12&limit=4")).containsExactly(skipped(15), rejected(17), skipped(18), skipped(21));
        assertThat(rows("after=21&limit=4")).containsExactly(skipped(24), skipped(27), skipped(30), skipped(33));
        assertThat(rows("after=33&limit=4")).containsExactly(rejected(34), skipped(36), skipped(42), skipped(45));
        assertThat(rows("after=45&limit=4")).containsExactly(skipped(48), rejected(51), skipped(54), skipped(57));
        assertThat(rows("after=57&limit=4")).containsExactly(skipped(60));
        assertThat(rows("after=60&limit=4")).isEmpty();
        assertThat(rows("after=1000")).isEmpty();
    }

    @Test
    void afterALineThatWasNotLoggedStartsAtTheNextOneThatWas() {
        assertThat(rows("after=16&limit=2")).containsExactly(rejected(17), skipped(18));
        assertThat(rows("after=19&limit=3")).containsExactly(skipped(21), skipped(24), skipped(27));
        assertThat(rows("after=37&limit=1")).containsExactly(skipped(42));
    }

    @Test
    void aPageOverMoreChunksThanOneQueryReadsHasThemAll() {
        // Seven chunks, where RowLog reads four a query.
        assertThat(rows("after=0&limit=12"))
                .containsExactly(
                        skipped(3),
                        skipped(6),
                        skipped(9),
                        skipped(12),
                        skipped(15),
                        rejected(17),
                        skipped(18),
                        skipped(21),
                        skipped(24),
                        skipped(27),
                        skipped(30),
                        skipped(33));
        assertThat(RowLog.CHUNKS_PER_QUERY).isLessThan(7);
    }

    @Test
    void anOutcomePagesOverChunksWithoutIt() {
        assertThat(rows("outcome=rejected")).containsExactly(rejected(17), rejected(34), rejected(51));
        assertThat(rows("outcome=rejected&after=17&limit=1")).containsExactly(rejected(34));
        assertThat(rows("outcome=rejected&after=34&limit=1")).containsExactly(rejected(51));
        assertThat(rows("outcome=rejected&after=51&limit=1")).isEmpty();
        assertThat(rows("outcome=skipped&after=15&limit=3")).containsExactly(skipped(18), skipped(21), skipped(24));
        assertThat(rows("outcome=skipped&after=33&limit=2")).containsExactly(skipped(36), skipped(42));
        assertThat(rows("outcome=skipped&after=48&limit=5")).containsExactly(skipped(54), skipped(57), skipped(60));
        assertThat(rows("outcome=skipped"))
                .hasSize(18)
                .isEqualTo(SKIPPED.stream()
                        .map(RowLogPagingIntegrationTests::skipped)
                        .toList());
    }

    private static String skipped(long line) {
        return "{\"line\":%d,\"outcome\":\"skipped\",\"reason\":\"exists\",\"key\":{\"id\":%d}}".formatted(line, line);
    }

    private static String rejected(long line) {
        return ("{\"line\":%d,\"outcome\":\"rejected\",\"code\":\"invalid_json\",\"message\":\"Unexpected end-of-input:"
                        + " expected close marker for Object at column 28\",\"text\":\"{\\\"id\\\":%d,\\\"label\\\":\\\"thing %d\\\"\"}")
                .formatted(line, line, line);
    }

    private List<String> rows(String query) {
        String body = client.get("/v1/jobs/{id}/rows?" + query, job);
        return body == null ? List.of() : new ArrayList<>(body.lines().toList());
    }
}
