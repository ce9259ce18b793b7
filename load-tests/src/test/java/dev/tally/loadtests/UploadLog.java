package dev.tally.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What each virtual user saw of its upload, kept for the after hook: when it sent the request,
 * every event it received with the client's wall-clock arrival time, and the final event.
 */
final class UploadLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server-sent event as Gatling delivered it: {@code receivedAt} is Gatling's clock, epoch ms. */
    record Event(String name, String id, long receivedAt, JsonNode data) {}

    /**
     * One uploader's upload. {@code finalEvent} is the whole SSE message Gatling matched as the
     * final event ({@code {"event":…,"id":…,"data":{…}}}), or null when none came.
     */
    record Upload(int uploader, long sentAt, long endedAt, List<Event> events, JsonNode finalEvent) {

        String job() {
            if (finalEvent != null && finalEvent.path("data").hasNonNull("job")) {
                return finalEvent.path("data").path("job").asText();
            }
            return events.stream()
                    .filter(e -> e.data().hasNonNull("job"))
                    .map(e -> e.data().path("job").asText())
                    .findFirst()
                    .orElse(null);
        }
    }

    private final Queue<Upload> uploads = new ConcurrentLinkedQueue<>();

    void add(Upload upload) {
        uploads.add(upload);
    }

    List<Upload> uploads() {
        return new ArrayList<>(uploads);
    }

    /** Parses Gatling's JSON rendering of an SSE message; data that is not JSON is kept as a text node. */
    static Event event(long receivedAt, String message) {
        JsonNode node = parse(message);
        return new Event(node.path("event").asText(null), node.path("id").asText(null), receivedAt, node.path("data"));
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }
}
