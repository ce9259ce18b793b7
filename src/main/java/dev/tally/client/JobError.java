package dev.tally.client;

import org.jspecify.annotations.Nullable;

/**
 * Why a job failed: a code such as {@code key_exists} or {@code max_rejects}, and the line that
 * stopped it (null when no line did).
 */
public record JobError(
        @Nullable String code,
        @Nullable String message,
        @Nullable Long line) {}
