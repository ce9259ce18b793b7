package dev.tally.job;

import org.jspecify.annotations.Nullable;

/**
 * Why a job failed.
 *
 * @param line the line that stopped the job, or null when no line did
 */
public record JobError(
        String code, String message, @Nullable Long line) {}
