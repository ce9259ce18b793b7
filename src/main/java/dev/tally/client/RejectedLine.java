package dev.tally.client;

/**
 * A line Tally refused, with the machine-readable code of docs/api.md's "Reject codes".
 */
public record RejectedLine(long line, String code, String message) {}
