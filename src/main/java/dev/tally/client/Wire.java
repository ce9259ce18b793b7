package dev.tally.client;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads Tally's JSON documents (docs/api.md) into the client's records. */
final class Wire {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    private final JsonMapper json;

    Wire(JsonMapper json) {
        this.json = json;
    }

    JsonMapper json() {
        return json;
    }

    /** One NDJSON event line: the event's data with its {@code event} name. */
    UploadEvent eventLine(byte[] line) {
        JsonNode data = json.readTree(line);
        return event(data.path("event").asString(), data);
    }

    /** The event named {@code name} ({@code job}, {@code chunk} or a final status) with this data. */
    UploadEvent event(String name, JsonNode data) {
        String job = data.path("job").asString();
        return switch (name) {
            case "job" ->
                new UploadEvent.JobStarted(
                        job,
                        data.path("dataset").asString(),
                        data.path("onConflict").asString(),
                        data.path("chunkSize").asInt(),
                        data.path("atomic").asBoolean(),
                        data.path("dryRun").asBoolean(),
                        Instant.parse(data.path("startedAt").asString()));
            case "chunk" -> chunk(job, data);
            default ->
                new UploadEvent.JobEnded(
                        job,
                        data.path("status").asString(name),
                        counts(data.path("totals")),
                        data.path("chunks").asLong(),
                        data.path("durationMs").asLong(),
                        data.path("rowsPerSecond").asDouble(),
                        error(data.path("error")),
                        data.path("committed").isBoolean()
                                ? data.path("committed").asBoolean()
                                : null);
        };
    }

    RowLogEntry row(byte[] line) {
        JsonNode row = json.readTree(line);
        return new RowLogEntry(
                row.path("line").asLong(),
                row.path("outcome").asString(),
                text(row.path("reason")),
                text(row.path("code")),
                key(row.path("key")),
                text(row.path("message")),
                text(row.path("text")));
    }

    /** The problem document of a refused request; a body that is not one still gives the status. */
    TallyProblemException problem(int status, String reason, byte[] body) {
        Map<String, Object> problem;
        try {
            problem = json.readValue(body, OBJECT);
        } catch (RuntimeException notJson) {
            problem = Map.of();
        }
        Object title = problem.getOrDefault("title", reason);
        Object detail = problem.getOrDefault("detail", null);
        return new TallyProblemException(
                status, String.valueOf(title), detail == null ? null : detail.toString(), problem);
    }

    private UploadEvent.ChunkCommitted chunk(String job, JsonNode data) {
        JsonNode merged = data.path("chunks");
        long first = merged.isObject()
                ? merged.path("first").asLong()
                : data.path("chunk").asLong();
        long last = merged.isObject() ? merged.path("last").asLong() : first;
        List<SkippedLine> skipped = new ArrayList<>();
        for (JsonNode row : data.path("skipped")) {
            skipped.add(new SkippedLine(row.path("line").asLong(), key(row.path("key")), text(row.path("reason"))));
        }
        List<RejectedLine> rejected = new ArrayList<>();
        for (JsonNode row : data.path("rejected")) {
            rejected.add(
                    new RejectedLine(row.path("line").asLong(), text(row.path("code")), text(row.path("message"))));
        }
        return new UploadEvent.ChunkCommitted(
                job,
                first,
                last,
                data.path("lines").path("first").asLong(),
                data.path("lines").path("last").asLong(),
                counts(data.path("counts")),
                counts(data.path("totals")),
                List.copyOf(skipped),
                List.copyOf(rejected),
                data.path("truncated").asBoolean());
    }

    private static Counts counts(JsonNode counts) {
        return new Counts(
                counts.path("received").asLong(),
                counts.path("inserted").asLong(),
                counts.path("updated").asLong(),
                counts.path("unchanged").asLong(),
                counts.path("skipped").asLong(),
                counts.path("rejected").asLong());
    }

    private static @Nullable JobError error(JsonNode error) {
        if (!error.isObject()) {
            return null;
        }
        JsonNode line = error.path("line");
        return new JobError(
                text(error.path("code")), text(error.path("message")), line.isNumber() ? line.asLong() : null);
    }

    private @Nullable Map<String, Object> key(JsonNode key) {
        return key.isObject() ? json.convertValue(key, OBJECT) : null;
    }

    private static @Nullable String text(JsonNode node) {
        return node.isString() ? node.asString() : null;
    }
}
