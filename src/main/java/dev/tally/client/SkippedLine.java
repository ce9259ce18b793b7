package dev.tally.client;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A line that wrote nothing because its key exists.
 *
 * @param key the line's key columns and values
 * @param reason {@code exists} or {@code stale}
 */
public record SkippedLine(
        long line,
        @Nullable Map<String, Object> key,
        @Nullable String reason) {}
