package dev.tally.cli;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** One server-sent event of a job: {@code job}, {@code chunk}, or the final one named as the status. */
record Event(@Nullable String id, String name, JsonNode data) {

    boolean isFinal() {
        return switch (name) {
            case "completed", "failed", "cancelled", "aborted" -> true;
            default -> false;
        };
    }
}
