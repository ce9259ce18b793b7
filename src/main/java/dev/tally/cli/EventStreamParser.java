package dev.tally.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cuts a {@code text/event-stream} into {@link Event}s as its bytes arrive, in pieces cut anywhere:
 * lines are decoded only when whole, so a character split between two pieces stays intact. Not
 * thread-safe: one parser per response, fed in order.
 */
final class EventStreamParser {

    private final JsonMapper json;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private @Nullable String id;
    private @Nullable String name;
    private @Nullable StringBuilder data;

    EventStreamParser(JsonMapper json) {
        this.json = json;
    }

    /** The events that these bytes complete, in order. */
    List<Event> feed(byte[] bytes) {
        List<Event> events = new ArrayList<>();
        for (byte b : bytes) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                field(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text, events);
            } else {
                line.write(b);
            }
        }
        return events;
    }

    private void field(String text, List<Event> events) {
        if (text.isEmpty()) {
            if (data != null) {
                events.add(new Event(id, name == null ? "message" : name, json.readTree(data.toString())));
            }
            name = null;
            data = null;
            return;
        }
        if (text.startsWith(":")) {
            return; // a comment: the keep-alive
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
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
                // retry and unknown fields mean nothing to this client
            }
        }
    }
}
