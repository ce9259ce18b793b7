package dev.tally.client;

import java.util.Map;

/**
 * A line that wrote nothing because its key exists.
 *
 * @param key the line's key columns and values
 * @param reason {@code exists} or {@code stale}
 */
public record SkippedLine(long line, Map<String, Object> key, String reason) {}
