package dev.tally.cli;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The service answered with an error status, before any event: its problem+json, if it sent one. */
final class Refused extends RuntimeException {

    final int status;
    final String title;
    final String detail;

    Refused(int status, String title, String detail) {
        super(status + " " + title + (detail.isEmpty() ? "" : ": " + detail));
        this.status = status;
        this.title = title;
        this.detail = detail;
    }

    static Refused of(int status, String body, JsonMapper json) {
        try {
            JsonNode problem = json.readTree(body);
            if (problem.isObject() && problem.hasNonNull("title")) {
                return new Refused(
                        status,
                        problem.get("title").asString(),
                        problem.hasNonNull("detail") ? problem.get("detail").asString() : "");
            }
        } catch (JacksonException e) {
            // not a problem document: the body itself is the best detail there is
        }
        String detail = body.strip();
        return new Refused(status, "HTTP " + status, detail.length() > 300 ? detail.substring(0, 300) + "…" : detail);
    }
}
