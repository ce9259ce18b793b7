package dev.tally.client;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What an upload (or a followed job) reports, in the order it happened. */
public sealed interface UploadEvent {

    /** The job's id. */
    String job();

    /** The job was accepted: the first event. */
    record JobStarted(
            String job,
            String dataset,
            String onConflict,
            int chunkSize,
            boolean atomic,
            boolean dryRun,
            Instant startedAt)
            implements UploadEvent {}

    /**
     * One chunk committed (or, when the reader was slow, consecutive chunks merged: {@code firstChunk
     * < lastChunk}, counts summed). In atomic and dry-run uploads, written but not yet committed.
     *
     * @param counts this event's lines only
     * @param totals the job's lines up to {@code lastLine}
     * @param skipped the first skipped lines of these chunks ({@code truncated} when cut; the row log has all)
     */
    record ChunkCommitted(
            String job,
            long firstChunk,
            long lastChunk,
            long firstLine,
            long lastLine,
            Counts counts,
            Counts totals,
            List<SkippedLine> skipped,
            List<RejectedLine> rejected,
            boolean truncated)
            implements UploadEvent {}

    /**
     * The final event: the job's status ({@code completed}, {@code failed}, {@code cancelled},
     * {@code aborted}) and its totals.
     *
     * @param error why a failed job failed; null otherwise
     * @param committed in atomic and dry-run uploads whether the work was kept; null for plain uploads
     */
    record JobEnded(
            String job,
            String status,
            Counts totals,
            long chunks,
            long durationMs,
            double rowsPerSecond,
            @Nullable JobError error,
            @Nullable Boolean committed)
            implements UploadEvent {

        public boolean completed() {
            return "completed".equals(status);
        }
    }

    /**
     * The connection broke and the client sends the upload again under its {@code Idempotency-Key}:
     * Tally resumes the same job after {@code committedLine}, the last line reported committed.
     *
     * @param attempt 1 for the first resume
     */
    record Resumed(String job, int attempt, long committedLine, String reason) implements UploadEvent {}
}
