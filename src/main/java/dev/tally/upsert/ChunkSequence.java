package dev.tally.upsert;

import dev.tally.dataset.TableSchema;
import dev.tally.job.ChunkLedger;
import dev.tally.job.JobError;
import dev.tally.job.LoggedRow;
import io.r2dbc.spi.Connection;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The steps of writing a chunk, whichever transaction it is in: its rows upserted and accounted
 * for, the policies that stop a job checked ({@code onConflict=fail} meeting an existing key, one
 * rejected line more than {@code maxRejects}), then its ledger row and row log recorded.
 */
final class ChunkSequence {

    private final ChunkUpsert upsert;
    private final TableSchema schema;
    private final UUID job;
    private final @Nullable Long maxRejects;
    private final JsonMapper json;

    ChunkSequence(ChunkWriter.Context context) {
        this.upsert = new ChunkUpsert(context.schema(), context.settings().onConflict(), context.meters()::split);
        this.schema = context.schema();
        this.job = context.job();
        this.maxRejects = context.settings().maxRejects();
        this.json = context.json();
    }

    /** Upserts the chunk's rows on the connection's open transaction, and accounts for every line. */
    Mono<ChunkOutcomes> write(Connection connection, ParsedChunk chunk) {
        return upsert.write(connection, chunk.rows())
                .map(written -> ChunkOutcomes.of(job, chunk, written, schema, json));
    }

    /** Releases the savepoint {@link #write} leaves, for many chunks in one transaction ({@link ChunkUpsert#release}). */
    Mono<Void> release(Connection connection) {
        return upsert.release(connection);
    }

    /**
     * Why the job stops at this chunk, given the lines rejected in the chunks before it: its first
     * key that exists under {@code onConflict=fail} or its rejected line that passes {@code
     * maxRejects}, whichever comes first in the file, as one line at a time would stop; null when
     * it does not stop the job.
     */
    @Nullable
    JobError stop(ChunkOutcomes outcomes, long rejectedBefore) {
        RowOutcome.KeyExists exists = outcomes.firstKeyExists();
        JobError rejects = tooManyRejects(outcomes, rejectedBefore);
        Long rejectedAt = rejects == null ? null : rejects.line();
        if (exists == null || (rejectedAt != null && rejectedAt < exists.row().line())) {
            return rejects;
        }
        return keyExists(exists);
    }

    /**
     * Whether this existing key stops the job whatever the chunks before it rejected: no limit on
     * rejects, or no line of its chunk before it was rejected (else one of those may pass {@code
     * maxRejects} first, which only the chunk's turn tells).
     */
    boolean stopsWhateverCameBefore(ChunkOutcomes outcomes, RowOutcome.KeyExists exists) {
        return maxRejects == null
                || outcomes.record().rows().stream()
                        .noneMatch(row -> row.outcome() == LoggedRow.Outcome.REJECTED
                                && row.line() < exists.row().line());
    }

    /** Records the chunk's ledger row and row log; last, so that its committed_at is the commit's time, near enough. */
    Mono<ChunkLedger.Recorded> record(Connection connection, ChunkOutcomes outcomes) {
        return ChunkLedger.record(connection, outcomes.record());
    }

    /** The error of a chunk's first key that exists under {@code onConflict=fail}. */
    JobError keyExists(RowOutcome.KeyExists exists) {
        long line = exists.row().line();
        String key = ChunkOutcomes.key(exists.row(), schema, json);
        return new JobError(
                "key_exists", "line %d: the key %s already exists and onConflict=fail".formatted(line, key), line);
    }

    private @Nullable JobError tooManyRejects(ChunkOutcomes outcomes, long rejectedBefore) {
        if (maxRejects == null || rejectedBefore + outcomes.record().counts().rejected() <= maxRejects) {
            return null;
        }
        LoggedRow last = outcomes.record().rows().stream()
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
