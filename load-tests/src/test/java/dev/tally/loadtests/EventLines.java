package dev.tally.loadtests;

import dev.tally.loadtests.UploadLog.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Server-sent events read line by line from a response of the JDK's HTTP client, each time-stamped
 * (wall clock, epoch ms) when its {@code data:} line is read. Tally's events are one {@code data:}
 * line each; comments ({@code : keep-alive}) are skipped.
 */
final class EventLines {

    private EventLines() {}

    static List<Event> read(Stream<String> lines) {
        List<Event> events = new ArrayList<>();
        String[] current = {null, null};
        lines.forEach(line -> {
            if (line.startsWith("event:")) {
                current[0] = line.substring(6).strip();
            } else if (line.startsWith("id:")) {
                current[1] = line.substring(3).strip();
            } else if (line.startsWith("data:")) {
                events.add(new Event(
                        current[0], current[1], System.currentTimeMillis(), UploadLog.parse(line.substring(5))));
            } else if (line.isEmpty()) {
                current[0] = null;
                current[1] = null;
            }
        });
        return events;
    }

    /** The final event: the last one, unless it is a {@code job} or {@code chunk} event (the stream was cut). */
    static Event last(List<Event> events) {
        Event last = events.isEmpty() ? null : events.get(events.size() - 1);
        return last == null || "job".equals(last.name()) || "chunk".equals(last.name()) ? null : last;
    }
}
