package dev.tally.client;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A job event as Tally sent it: its id, its name ({@code job}, {@code chunk} or a final status) and
 * its whole {@code data} object, with the fields beyond {@link UploadEvent}'s (such as {@code
 * bytesTotal}, {@code bytesRead} and {@code committedAt}, for progress displays).
 */
public record EventDocument(@Nullable String id, String name, JsonNode data) {

    /** Whether this is the job's final event. */
    public boolean isFinal() {
        return switch (name) {
            case "completed", "failed", "cancelled", "aborted" -> true;
            default -> false;
        };
    }
}
