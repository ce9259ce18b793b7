package dev.tally.job;

import org.jspecify.annotations.Nullable;

/**
 * One line of the row log: a skipped or rejected line.
 *
 * @param reason for a skipped line {@code exists} or {@code stale}; for a rejected one its code
 * @param key the line's key, or null when it could not be read
 * @param text the line as sent, for rejected lines; null for skipped ones
 */
public record LoggedRow(
        long line,
        Outcome outcome,
        String reason,
        @Nullable RowKey key,
        @Nullable String message,
        @Nullable String text) {

    public enum Outcome {
        SKIPPED,
        REJECTED;

        public String wireName() {
            return this == SKIPPED ? "skipped" : "rejected";
        }
    }
}
