package dev.tally.job;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A logged row's key, a JSON object of its key columns: as the row log stores it, and parsed once,
 * as every event that lists the row sends it.
 */
public record RowKey(String text, JsonNode json) {

    /** The key of this JSON text, or null for none. */
    public static @Nullable RowKey parse(@Nullable String text, JsonMapper mapper) {
        return text == null ? null : new RowKey(text, mapper.readTree(text));
    }
}
