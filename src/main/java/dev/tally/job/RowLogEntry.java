package dev.tally.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One object of {@code GET /v1/jobs/{id}/rows}: a skipped line carries {@code reason}, a rejected
 * one {@code code}; {@code text} is the line as sent (rejected lines only).
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record RowLogEntry(
        long line,
        String outcome,
        @Nullable String reason,
        @Nullable String code,
        @Nullable JsonNode key,
        @Nullable String message,
        @Nullable String text) {}
