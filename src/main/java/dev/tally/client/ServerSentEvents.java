package dev.tally.client;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Gathers the lines of a {@code text/event-stream} into events: {@code id}, {@code event} and
 * {@code data} fields up to a blank line; comments (the keep-alive) and other fields are dropped.
 * One instance per response, fed in order.
 */
final class ServerSentEvents {

    /** One event: its id (null when it had none), name and data. */
    record Sse(@Nullable String id, String name, String data) {}

    private @Nullable String id;
    private @Nullable String name;
    private @Nullable StringBuilder data;

    /** The event this line completes, if it does. */
    Optional<Sse> feed(byte[] bytes) {
        String line = new String(bytes, StandardCharsets.UTF_8);
        if (line.isEmpty()) {
            Optional<Sse> event = data == null
                    ? Optional.empty()
                    : Optional.of(new Sse(id, name == null ? "message" : name, data.toString()));
            name = null;
            data = null;
            return event;
        }
        if (line.startsWith(":")) {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> name = value;
            case "data" ->
                data = data == null
                        ? new StringBuilder(value)
                        : data.append('\n').append(value);
            default -> {
                // retry and unknown fields mean nothing here
            }
        }
        return Optional.empty();
    }
}
