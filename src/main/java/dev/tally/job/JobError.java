package dev.tally.job;

/**
 * Why a job failed.
 *
 * @param line the line that stopped the job, or null when no line did
 */
public record JobError(String code, String message, Long line) {}
