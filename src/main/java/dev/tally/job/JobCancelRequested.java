package dev.tally.job;

import java.util.UUID;

/**
 * Published once a running job's cancel is recorded, so that this instance stops the upload at
 * once when it runs it; another instance learns of it from the ledger at its next chunk.
 */
public record JobCancelRequested(UUID job) {}
