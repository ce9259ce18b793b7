package dev.tally.client;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a job's row log ({@code GET /v1/jobs/{id}/rows}): a skipped or rejected line.
 *
 * @param outcome {@code skipped} or {@code rejected}
 * @param reason why a skipped line was skipped ({@code exists}, {@code stale}); null for a rejected one
 * @param code a rejected line's reject code; null for a skipped one
 * @param key the line's key, or null when it could not be read
 * @param text the line as sent (its first 1 KiB for a line too long to keep), or null
 */
public record RowLogEntry(
        long line,
        String outcome,
        @Nullable String reason,
        @Nullable String code,
        @Nullable Map<String, Object> key,
        @Nullable String message,
        @Nullable String text) {}
