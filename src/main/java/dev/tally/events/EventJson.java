package dev.tally.events;

import dev.tally.job.LoggedRow;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The wire form of job events, as docs/api.md specifies each one's {@code data} object. */
public final class EventJson {

    private final JsonMapper json;

    public EventJson(JsonMapper json) {
        this.json = json;
    }

    /** The event's name: {@code job}, {@code chunk}, or the final status. */
    public static String name(JobEvent event) {
        return switch (event) {
            case JobEvent.Started started -> "job";
            case JobEvent.ChunksCommitted chunks -> "chunk";
            case JobEvent.Ended ended -> ended.status().wireName();
        };
    }

    public ObjectNode data(JobEvent event) {
        ObjectNode data = json.createObjectNode().put("job", event.job().toString());
        switch (event) {
            case JobEvent.Started s ->
                data.put("dataset", s.dataset())
                        .put("onConflict", s.onConflict())
                        .put("chunkSize", s.chunkSize())
                        .put("atomic", s.atomic())
                        .put("dryRun", s.dryRun())
                        .put("startedAt", s.startedAt().toString())
                        .put("bytesTotal", s.bytesTotal());
            case JobEvent.ChunksCommitted c -> {
                if (c.firstChunk() == c.lastChunk()) {
                    data.put("chunk", c.lastChunk());
                } else {
                    data.putObject("chunks").put("first", c.firstChunk()).put("last", c.lastChunk());
                }
                data.putObject("lines").put("first", c.firstLine()).put("last", c.lastLine());
                data.put("committedAt", c.committedAt().toString());
                data.put("bytesRead", c.bytesRead());
                data.set("counts", json.valueToTree(c.counts()));
                data.set("totals", json.valueToTree(c.totals()));
                data.set("skipped", rows(c.skipped()));
                data.set("rejected", rows(c.rejected()));
                data.put("truncated", c.truncated());
            }
            case JobEvent.Ended e -> {
                data.put("status", e.status().wireName());
                data.set("totals", json.valueToTree(e.totals()));
                data.put("chunks", e.chunks());
                data.put("durationMs", e.durationMs());
                data.put("rowsPerSecond", e.rowsPerSecond());
                data.set("error", json.valueToTree(e.error()));
                if (e.committed() != null) {
                    data.put("committed", e.committed());
                }
            }
        }
        return data;
    }

    /** The same object with {@code event} and {@code id}, for one NDJSON line. */
    public ObjectNode line(JobEvent event) {
        return data(event).put("event", name(event)).put("id", event.id());
    }

    private ArrayNode rows(List<LoggedRow> rows) {
        ArrayNode array = json.createArrayNode();
        for (LoggedRow row : rows) {
            ObjectNode node = array.addObject().put("line", row.line());
            if (row.outcome() == LoggedRow.Outcome.SKIPPED) {
                node.set("key", row.key() == null ? null : row.key().json(json));
                node.put("reason", row.reason());
            } else {
                node.put("code", row.reason());
                node.put("message", row.message());
                if (row.key() != null) {
                    node.set("key", row.key().json(json));
                }
            }
        }
        return array;
    }
}
