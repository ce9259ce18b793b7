package dev.tally.cli;

import tools.jackson.databind.JsonNode;

/** A job's final event and the progress that led to it. */
record JobEnd(Progress progress, Event end) {

    String status() {
        return end.name();
    }

    Totals totals() {
        return Totals.of(end.data().get("totals"));
    }

    JsonNode error() {
        return end.data().path("error");
    }

    int exitCode(boolean allowRejects) {
        if (!status().equals("completed")) {
            return ExitCode.JOB_FAILED;
        }
        return totals().rejected() > 0 && !allowRejects ? ExitCode.REJECTED : ExitCode.OK;
    }
}
