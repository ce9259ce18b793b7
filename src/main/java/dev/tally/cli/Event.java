package dev.tally.cli;

import tools.jackson.databind.JsonNode;

/** One server-sent event of a job: {@code job}, {@code chunk}, or the final one named as the status. */
record Event(String id, String name, JsonNode data) {

    boolean isFinal() {
        return switch (name) {
            case "completed", "failed", "cancelled", "aborted" -> true;
            default -> false;
        };
    }
}
