package dev.tally.job;

import dev.tally.dataset.ConflictPolicy;
import org.jspecify.annotations.Nullable;

/**
 * An upload's settings, as given by its query parameters or their defaults.
 *
 * @param maxRejects the most rejected lines tolerated, or null for no limit
 * @param idempotencyKey the client's Idempotency-Key header, or null
 */
public record JobSettings(
        String dataset,
        ConflictPolicy onConflict,
        int chunkSize,
        @Nullable Long maxRejects,
        boolean atomic,
        boolean dryRun,
        boolean ignoreUnknownFields,
        @Nullable String idempotencyKey) {

    /** {@code unknownFields} as the API and the job's row name it. */
    public String unknownFields() {
        return ignoreUnknownFields ? "ignore" : "reject";
    }
}
