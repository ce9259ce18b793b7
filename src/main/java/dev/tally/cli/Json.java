package dev.tally.cli;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Reading the service's documents leniently: a field that is absent or null is a value too. */
final class Json {

    private Json() {}

    static long count(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asLong() : 0;
    }

    /** The number, or -1 when the service did not send it (or sent null: not known). */
    static long optionalCount(JsonNode node, String field) {
        return node.hasNonNull(field) && node.get(field).isNumber()
                ? node.get(field).asLong()
                : -1;
    }

    static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asString() : "";
    }

    static @Nullable Instant instant(JsonNode node, String field) {
        try {
            return node.hasNonNull(field) ? Instant.parse(node.get(field).asString()) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
