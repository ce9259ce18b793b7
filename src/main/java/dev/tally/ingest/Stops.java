package dev.tally.ingest;

import dev.tally.dataset.TableSchema;
import dev.tally.job.ChunkRecord;
import dev.tally.job.JobError;
import dev.tally.job.LoggedRow;
import dev.tally.upsert.RowOutcome;
import tools.jackson.databind.json.JsonMapper;

/**
 * The policies that stop a job, whichever way its chunks are written: a key that exists under
 * {@code onConflict=fail}, and one rejected line more than {@code maxRejects}.
 */
final class Stops {

    private Stops() {}

    static JobError keyExists(RowOutcome.KeyExists conflict, TableSchema schema, JsonMapper json) {
        long line = conflict.row().line();
        String key = ChunkOutcomes.key(conflict.row(), schema, json);
        return new JobError(
                "key_exists", "line %d: the key %s already exists and onConflict=fail".formatted(line, key), line);
    }

    /**
     * The error naming the rejected line that passes {@code maxRejects}, when this chunk's rejects
     * after {@code rejectedBefore} in the chunks before it do; null when they do not or there is no limit.
     */
    static JobError tooManyRejects(ChunkRecord chunk, long rejectedBefore, Long maxRejects) {
        if (maxRejects == null || rejectedBefore + chunk.counts().rejected() <= maxRejects) {
            return null;
        }
        LoggedRow last = chunk.rows().stream()
                .filter(row -> row.outcome() == LoggedRow.Outcome.REJECTED)
                .skip(maxRejects - rejectedBefore)
                .findFirst()
                .orElseThrow();
        return new JobError(
                "max_rejects",
                "line %d is rejected line number %d, over maxRejects=%d"
                        .formatted(last.line(), maxRejects + 1, maxRejects),
                last.line());
    }
}
