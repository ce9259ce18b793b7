package dev.tally.client;

/**
 * Why a job failed: a code such as {@code key_exists} or {@code max_rejects}, and the line that
 * stopped it (null when no line did).
 */
public record JobError(String code, String message, Long line) {}
