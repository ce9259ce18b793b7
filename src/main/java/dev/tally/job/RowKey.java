package dev.tally.job;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A logged row's key, a JSON object of its key columns, as the row log stores it. It is parsed
 * only for the event that lists the row: a chunk's events list a few of its rows, its row log all.
 */
public record RowKey(String text) {

    /** The key of this JSON text, or null for none. */
    public static @Nullable RowKey of(@Nullable String text) {
        return text == null ? null : new RowKey(text);
    }

    public JsonNode json(JsonMapper mapper) {
        return mapper.readTree(text);
    }
}
