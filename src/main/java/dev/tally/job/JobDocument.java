package dev.tally.job;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A job as {@code GET /v1/jobs/{id}} shows it: status, settings, totals and timing.
 *
 * @param durationMs from start to end, or to now while it runs
 * @param rowsPerSecond lines received per second over that time
 * @param bytesRead the body's bytes, as sent, that its committed chunks came from (read ahead of
 *     them by at most what the pipeline buffers); all of them once the upload completed
 * @param bytesTotal the body's announced length ({@code Content-Length}), null when it had none
 */
public record JobDocument(
        UUID job,
        String dataset,
        String status,
        String onConflict,
        int chunkSize,
        Long maxRejects,
        boolean atomic,
        boolean dryRun,
        String unknownFields,
        Counts totals,
        int chunks,
        OffsetDateTime startedAt,
        OffsetDateTime endedAt,
        long durationMs,
        double rowsPerSecond,
        long bytesRead,
        Long bytesTotal,
        JsonNode error) {

    /** A job's duration in milliseconds, at least 1: the final event's and the document's. */
    public static long durationMs(Instant startedAt, Instant endedAt) {
        return Math.max(1, Duration.between(startedAt, endedAt).toMillis());
    }

    /** Lines received per second over {@code durationMs}: the final event's and the document's. */
    public static double rowsPerSecond(Counts totals, long durationMs) {
        return totals.received() * 1000.0 / durationMs;
    }
}
