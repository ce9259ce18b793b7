package dev.tally.client;

import org.jspecify.annotations.Nullable;

/**
 * A line Tally refused, with the machine-readable code of docs/api.md's "Reject codes".
 */
public record RejectedLine(
        long line, @Nullable String code, @Nullable String message) {}
