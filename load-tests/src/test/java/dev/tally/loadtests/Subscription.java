package dev.tally.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.loadtests.UploadLog.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * What one subscriber of {@code GET /v1/jobs/{id}/events} received, checked as soon as its stream
 * ended and kept compact for the after hook (a thousand subscribers' whole events would not be).
 *
 * @param connectedAt when the subscriber sent its request (wall clock, epoch ms)
 * @param chunkEvents chunk events received, merged ones included
 * @param mergedEvents chunk events that stood for more than one chunk
 * @param receivedAt per chunk event, Gatling's arrival time (epoch ms)
 * @param lastChunk per chunk event, its (last) chunk number
 * @param finalReceivedAt the final event's arrival time, or -1 when none came
 * @param problems what was wrong with the sequence; empty when it was right
 */
record Subscription(
        int subscriber,
        long connectedAt,
        int chunkEvents,
        int mergedEvents,
        long[] receivedAt,
        int[] lastChunk,
        long finalReceivedAt,
        List<String> problems) {

    private static final List<String> COUNTS =
            List.of("received", "inserted", "updated", "unchanged", "skipped", "rejected");

    /**
     * Checks one subscriber's events (those before the final one, in arrival order) and its final
     * event (null when none came) against an upload of {@code lines}
     * lines that all insert: one {@code job} event (id 0) first; then chunk events whose chunks follow
     * on from 1 without gap or overlap (a merged event, {@code "chunks":{"first","last"}}, standing for
     * its range) and whose id is their last chunk, so ids strictly increase; line ranges contiguous
     * from line 1, with {@code counts.received} the range's length; every event's totals the sum of
     * the counts so far; a final event {@code completed}, id chunks + 1, whose chunks is the last chunk
     * seen and whose totals are those sums, {@code lines} received and inserted.
     */
    static Subscription check(
            int subscriber,
            long connectedAt,
            String job,
            List<Event> events,
            Event finalEvent,
            long lines) {
        List<String> problems = new ArrayList<>();
        int chunkEvents = 0;
        int merged = 0;
        long[] receivedAt = new long[events.size()];
        int[] lastChunk = new int[events.size()];
        long[] sums = new long[COUNTS.size()];
        int chunk = 0;
        long line = 0;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (i == 0) {
                if (!"job".equals(e.name()) || !"0".equals(e.id())) {
                    problems.add("first event is %s id %s, not job id 0".formatted(e.name(), e.id()));
                }
                continue;
            }
            if (!"chunk".equals(e.name())) {
                problems.add("event %d is %s id %s: %s".formatted(i, e.name(), e.id(), e.data()));
                continue;
            }
            JsonNode data = e.data();
            int[] numbers = RunReport.chunkNumbers(data);
            if (numbers.length == 0 || numbers[0] != chunk + 1) {
                problems.add("event %d has chunks %s after chunk %d".formatted(i, rangeOf(data), chunk));
            }
            if (numbers.length > 0) {
                chunk = numbers[numbers.length - 1];
            }
            if (!String.valueOf(chunk).equals(e.id())) {
                problems.add("event %d has id %s for chunks %s".formatted(i, e.id(), rangeOf(data)));
            }
            if (!job.equals(data.path("job").asText())) {
                problems.add("event %d is of job %s".formatted(i, data.path("job").asText()));
            }
            long first = data.path("lines").path("first").asLong(-1);
            long last = data.path("lines").path("last").asLong(-1);
            if (first != line + 1 || data.path("counts").path("received").asLong(-1) != last - first + 1) {
                problems.add("event %d has lines %d..%d and received %s after line %d"
                        .formatted(i, first, last, data.path("counts").path("received"), line));
            }
            line = last;
            addCounts(data, sums);
            if (!equalsCounts(data.path("totals"), sums)) {
                problems.add("event %d has totals %s, the counts so far add up to %s"
                        .formatted(i, data.path("totals"), countsOf(sums)));
            }
            receivedAt[chunkEvents] = e.receivedAt();
            lastChunk[chunkEvents] = chunk;
            chunkEvents++;
            merged += numbers.length > 1 ? 1 : 0;
        }
        if (events.isEmpty()) {
            problems.add("no job event");
        }
        if (finalEvent == null) {
            problems.add("no final event");
        } else {
            JsonNode data = finalEvent.data();
            JsonNode totals = data.path("totals");
            if (!"completed".equals(finalEvent.name())
                    || !String.valueOf(chunk + 1).equals(finalEvent.id())
                    || data.path("chunks").asInt(-1) != chunk
                    || !equalsCounts(totals, sums)
                    || totals.path("received").asLong(-1) != lines
                    || totals.path("inserted").asLong(-1) != lines) {
                problems.add("final event %s id %s %s after chunk %d with counts adding up to %s, %d lines uploaded"
                        .formatted(finalEvent.name(), finalEvent.id(), data, chunk, countsOf(sums), lines));
            }
        }
        return new Subscription(
                subscriber,
                connectedAt,
                chunkEvents,
                merged,
                java.util.Arrays.copyOf(receivedAt, chunkEvents),
                java.util.Arrays.copyOf(lastChunk, chunkEvents),
                finalEvent == null ? -1 : finalEvent.receivedAt(),
                List.copyOf(problems));
    }

    private static String rangeOf(JsonNode data) {
        return data.has("chunk") ? data.path("chunk").toString() : data.path("chunks").toString();
    }

    private static void addCounts(JsonNode data, long[] sums) {
        for (int c = 0; c < COUNTS.size(); c++) {
            sums[c] += data.path("counts").path(COUNTS.get(c)).asLong();
        }
    }

    private static boolean equalsCounts(JsonNode counts, long[] sums) {
        for (int c = 0; c < COUNTS.size(); c++) {
            if (counts.path(COUNTS.get(c)).asLong(-1) != sums[c]) {
                return false;
            }
        }
        return true;
    }

    private static String countsOf(long[] sums) {
        StringBuilder sb = new StringBuilder("{");
        for (int c = 0; c < COUNTS.size(); c++) {
            sb.append(c == 0 ? "" : ",").append(COUNTS.get(c)).append('=').append(sums[c]);
        }
        return sb.append('}').toString();
    }
}
