package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ProgressLineTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void aQuarterDoneAfterTenSecondsHasThirtySecondsToGo() {
        Progress progress = Progress.start(4_000_000)
                .started(json("{\"job\":\"j\",\"dataset\":\"customers\",\"startedAt\":\"2026-11-22T10:00:00Z\"}"))
                .committed(chunk(7, 8000, 1_000_000, "2026-11-22T10:00:10Z"));

        assertThat(ProgressLine.of(progress, START.plusSeconds(99)))
                .isEqualTo("[#####---------------]  25%  8,000 lines  799 rows/s  ETA 0:30"
                        + "  | inserted 7,950  updated 0  unchanged 0  skipped 40  rejected 10");
    }

    @Test
    void withoutCommitTimesTheRateIsUpToNowAndWithoutASizeThereIsNoBar() {
        Progress progress = Progress.start(-1)
                .started(json("{\"job\":\"j\",\"startedAt\":\"2026-11-22T10:00:00Z\",\"bytesTotal\":null}"))
                .committed(chunk(7, 8000, -1, null));

        assertThat(ProgressLine.of(progress, START.plusSeconds(4)))
                .isEqualTo(
                        "8,000 lines  1,998 rows/s  | inserted 7,950  updated 0  unchanged 0  skipped 40  rejected 10");
    }

    @Test
    void theServicesSizeWinsAndMergedChunksCountTheirLast() {
        Progress progress = Progress.start(-1)
                .started(json("{\"job\":\"j\",\"startedAt\":\"2026-11-22T10:00:00Z\",\"bytesTotal\":2000}"))
                .committed(json("{\"chunks\":{\"first\":1,\"last\":9},\"lines\":{\"first\":1,\"last\":90},"
                        + "\"bytesRead\":2000,\"committedAt\":\"2026-11-22T10:00:02Z\",\"totals\":{\"received\":90,"
                        + "\"inserted\":90}}"));

        assertThat(progress.chunks()).isEqualTo(9);
        assertThat(ProgressLine.of(progress, START))
                .isEqualTo("[####################] 100%  90 lines  45 rows/s"
                        + "  | inserted 90  updated 0  unchanged 0  skipped 0  rejected 0");
    }

    /** Each narrower terminal drops one more field, in a fixed order; no line reaches the last column. */
    @Test
    void theLineFitsTheTerminalsWidth() {
        Progress progress = Progress.start(4_000_000)
                .started(json("{\"job\":\"j\",\"dataset\":\"customers\",\"startedAt\":\"2026-11-22T10:00:00Z\"}"))
                .committed(chunk(7, 8000, 1_000_000, "2026-11-22T10:00:10Z"));

        assertThat(ProgressLine.of(progress, START, 200)).isEqualTo(ProgressLine.of(progress, START));
        assertThat(ProgressLine.of(progress, START, 200))
                .isEqualTo("[#####---------------]  25%  8,000 lines  799 rows/s  ETA 0:30"
                        + "  | inserted 7,950  updated 0  unchanged 0  skipped 40  rejected 10");
        assertThat(ProgressLine.of(progress, START, 120))
                .isEqualTo("[#####---------------]  25%  8,000 lines  799 rows/s  ETA 0:30"
                        + "  | ins 7,950 upd 0 unch 0 skip 40 rej 10");
        assertThat(ProgressLine.of(progress, START, 100))
                .isEqualTo(
                        "[#####---------------]  25%  8,000 lines  799 rows/s  ETA 0:30  | ins 7,950 skip 40 rej 10");
        assertThat(ProgressLine.of(progress, START, 90))
                .isEqualTo("[###-------]  25%  8,000 lines  799 rows/s  ETA 0:30  | ins 7,950 skip 40 rej 10");
        assertThat(ProgressLine.of(progress, START, 80))
                .isEqualTo("25%  8,000 lines  799 rows/s  ETA 0:30  | ins 7,950 skip 40 rej 10");
        assertThat(ProgressLine.of(progress, START, 60))
                .isEqualTo("25%  8,000 lines  ETA 0:30  | ins 7,950 skip 40 rej 10");
        assertThat(ProgressLine.of(progress, START, 40)).isEqualTo("25%  8,000 lines  ETA 0:30  | rej 10");
        assertThat(ProgressLine.of(progress, START, 30)).isEqualTo("25%  8,000 lines  | rej 10");
        assertThat(ProgressLine.of(progress, START, 12)).isEqualTo("25%  8,000 ");
        for (int columns = 1; columns <= 200; columns++) {
            assertThat(ProgressLine.of(progress, START, columns)).hasSizeLessThan(columns);
        }
    }

    @Test
    void aClockHasHoursOnlyFromAnHourOn() {
        assertThat(ProgressLine.clock(Duration.ofSeconds(59))).isEqualTo("0:59");
        assertThat(ProgressLine.clock(Duration.ofSeconds(3599))).isEqualTo("59:59");
        assertThat(ProgressLine.clock(Duration.ofSeconds(3661))).isEqualTo("1:01:01");
    }

    private static JsonNode chunk(long chunk, long last, long bytesRead, String committedAt) {
        return json("{\"chunk\":" + chunk + ",\"lines\":{\"first\":7001,\"last\":" + last + "},"
                + (bytesRead < 0 ? "" : "\"bytesRead\":" + bytesRead + ",")
                + (committedAt == null ? "" : "\"committedAt\":\"" + committedAt + "\",")
                + "\"totals\":{\"received\":7990,\"inserted\":7950,\"updated\":0,\"unchanged\":0,\"skipped\":40,"
                + "\"rejected\":10}}");
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }
}
