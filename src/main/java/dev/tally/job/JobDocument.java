package dev.tally.job;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A job as {@code GET /v1/jobs/{id}} shows it: status, settings, totals and timing.
 *
 * @param durationMs from start to end, or to now while it runs
 * @param rowsPerSecond lines received per second over that time, to one decimal
 * @param bytesRead the body's bytes, as sent, that its committed chunks came from (read ahead of
 *     them by at most what the pipeline buffers); all of them once the upload completed
 * @param bytesTotal the body's announced length ({@code Content-Length}), null when it had none
 */
public record JobDocument(
        UUID job,
        String dataset,
        JobStatus status,
        String onConflict,
        int chunkSize,
        @Nullable Long maxRejects,
        boolean atomic,
        boolean dryRun,
        String unknownFields,
        Counts totals,
        int chunks,
        OffsetDateTime startedAt,
        @Nullable OffsetDateTime endedAt,
        long durationMs,
        double rowsPerSecond,
        long bytesRead,
        @Nullable Long bytesTotal,
        @Nullable JobError error) {

    /** A job's duration in milliseconds, at least 1: the final event's and the document's. */
    public static long durationMs(Instant startedAt, Instant endedAt) {
        return Math.max(1, Duration.between(startedAt, endedAt).toMillis());
    }

    /**
     * Lines received per second over {@code durationMs}, rounded to one decimal: the final event's
     * and the document's, so that a replayed final event equals the live one.
     */
    public static double rowsPerSecond(Counts totals, long durationMs) {
        return Math.round(totals.received() * 1000.0 / durationMs * 10) / 10.0;
    }
}
