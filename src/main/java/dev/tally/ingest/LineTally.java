package dev.tally.ingest;

import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.LoggedRow;
import java.util.HashMap;
import java.util.Map;

/** What some written chunks add up to for the metrics: lines by outcome, and rejected lines by code. */
record LineTally(Counts counts, Map<String, Long> rejectCodes) {

    static final LineTally NONE = new LineTally(Counts.ZERO, Map.of());

    /** A chunk's; its row log is read only when it rejected lines. */
    static LineTally of(ChunkRecord chunk) {
        if (chunk.counts().rejected() == 0) {
            return new LineTally(chunk.counts(), Map.of());
        }
        Map<String, Long> codes = new HashMap<>();
        for (LoggedRow row : chunk.rows()) {
            if (row.outcome() == LoggedRow.Outcome.REJECTED) {
                codes.merge(row.reason(), 1L, Long::sum);
            }
        }
        return new LineTally(chunk.counts(), codes);
    }

    LineTally plus(LineTally other) {
        Map<String, Long> codes = new HashMap<>(rejectCodes);
        other.rejectCodes.forEach((code, lines) -> codes.merge(code, lines, Long::sum));
        return new LineTally(counts.plus(other.counts), codes);
    }
}
