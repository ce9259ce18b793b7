package dev.tally.job;

import java.time.OffsetDateTime;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** A job as {@code GET /v1/jobs/{id}} shows it: status, settings, totals and timing. */
public record JobDocument(
        UUID job,
        String dataset,
        String status,
        String onConflict,
        int chunkSize,
        Long maxRejects,
        boolean atomic,
        boolean dryRun,
        String unknownFields,
        Counts totals,
        int chunks,
        OffsetDateTime startedAt,
        OffsetDateTime endedAt,
        JsonNode error) {}
