package dev.tally.ingest;

import dev.tally.TestDatabase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The meaning of an upload into {@code things}, written as plainly as possible: the lines applied
 * one at a time, in file order. The property test compares the service with it.
 */
final class SequentialModel {

    /** A line as the generator made it: a field absent from {@code fields} was not sent. */
    record Line(int number, String raw, Long id, Map<String, Object> fields) {
        boolean has(String field) {
            return fields.containsKey(field);
        }
    }

    record Thing(String code, String label, long qty, String note, Long version) {}

    /** The {@code things} table as it is, in the model's shape, by id. */
    static Map<Long, Thing> things(TestDatabase db) {
        Map<Long, Thing> rows = new TreeMap<>();
        for (Map<String, Object> row : db.query("SELECT id, code, label, qty, note, version FROM things")) {
            rows.put(
                    (Long) row.get("id"),
                    new Thing(
                            (String) row.get("code"),
                            (String) row.get("label"),
                            ((Number) row.get("qty")).longValue(),
                            (String) row.get("note"),
                            (Long) row.get("version")));
        }
        return rows;
    }

    /** An outcome the row log shows: skipped with a reason, or rejected with a code. */
    record Logged(long line, String outcome, String reason) {}

    final Map<Long, Thing> table = new TreeMap<>();
    final List<Logged> log = new ArrayList<>();
    long received, inserted, updated, unchanged, skipped, rejected;
    Long failedAt;

    /**
     * Applies the lines chunk by chunk (a chunk is {@code chunkSize} consecutive non-blank lines); under
     * {@code fail} the chunk holding the first existing key is not kept, and nothing after it.
     */
    static SequentialModel apply(Map<Long, Thing> initial, List<Line> lines, String policy, int chunkSize) {
        SequentialModel committed = new SequentialModel();
        committed.table.putAll(initial);
        for (int start = 0; start < lines.size(); start += chunkSize) {
            SequentialModel attempt = committed.copy();
            for (Line line : lines.subList(start, Math.min(lines.size(), start + chunkSize))) {
                attempt.apply(line, policy);
                if (attempt.failedAt != null) {
                    committed.failedAt = attempt.failedAt;
                    return committed;
                }
            }
            committed = attempt;
        }
        return committed;
    }

    private void apply(Line line, String policy) {
        received++;
        boolean wellFormed = line.raw().endsWith("}");
        // The parser reports a line's first field problem in field order (the unknown field comes
        // last), then the key, then the version; broken JSON anywhere wins.
        if (wellFormed && line.has("label") && line.fields().get("label") == null) {
            reject(line, "missing_required");
            return;
        }
        if (line.id() == null) {
            reject(line, wellFormed ? "unknown_field" : "invalid_json");
            return;
        }
        if (line.has("label") && line.fields().get("label") == null) {
            reject(line, "missing_required");
            return;
        }
        if (policy.equals("update-if-newer") && line.fields().get("version") == null) {
            reject(line, "missing_required");
            return;
        }
        // A line with every column an insert needs takes the insert statement, which checks CHECK
        // constraints before it looks for a conflict: a negative qty is refused even where the key exists.
        if (line.has("label") && line.has("qty") && ((Number) line.fields().get("qty")).longValue() < 0) {
            reject(line, "constraint_violation");
            return;
        }
        Thing stored = table.get(line.id());
        if (stored == null) {
            insert(line);
            return;
        }
        switch (policy) {
            case "skip" -> skip(line, "exists");
            case "fail" -> failedAt = (long) line.number();
            case "update" -> update(line, stored, false);
            case "update-if-newer" -> {
                long version = ((Number) line.fields().get("version")).longValue();
                if (stored.version() != null && version > stored.version()) {
                    update(line, stored, true);
                } else {
                    skip(line, "stale");
                }
            }
            default -> throw new IllegalArgumentException(policy);
        }
    }

    private void insert(Line line) {
        if (!line.has("label")) {
            reject(line, "missing_required");
            return;
        }
        Thing thing = new Thing(
                (String) line.fields().get("code"),
                (String) line.fields().get("label"),
                line.has("qty") ? ((Number) line.fields().get("qty")).longValue() : 0,
                (String) line.fields().get("note"),
                line.fields().get("version") == null
                        ? null
                        : ((Number) line.fields().get("version")).longValue());
        if (unindexable(thing.code())) {
            reject(line, "db_error");
            return;
        }
        if (codeTaken(thing.code(), line.id())) {
            reject(line, "constraint_violation");
            return;
        }
        table.put(line.id(), thing);
        inserted++;
    }

    private void update(Line line, Thing stored, boolean evenIfEqual) {
        Map<String, Object> f = line.fields();
        Thing next = new Thing(
                f.containsKey("code") ? (String) f.get("code") : stored.code(),
                f.containsKey("label") ? (String) f.get("label") : stored.label(),
                f.containsKey("qty") ? ((Number) f.get("qty")).longValue() : stored.qty(),
                f.containsKey("note") ? (String) f.get("note") : stored.note(),
                f.containsKey("version") && f.get("version") != null
                        ? Long.valueOf(((Number) f.get("version")).longValue())
                        : f.containsKey("version") ? null : stored.version());
        if (!evenIfEqual && next.equals(stored)) {
            unchanged++;
            return;
        }
        if (next.qty() < 0) {
            reject(line, "constraint_violation");
            return;
        }
        if (!Objects.equals(next.code(), stored.code()) && unindexable(next.code())) {
            reject(line, "db_error");
            return;
        }
        if (!Objects.equals(next.code(), stored.code()) && codeTaken(next.code(), line.id())) {
            reject(line, "constraint_violation");
            return;
        }
        table.put(line.id(), next);
        updated++;
    }

    /**
     * A code too long for an entry of the unique index on code (PostgreSQL's B-tree limit is 2704
     * bytes); the generators make codes either well below it or, incompressible, well above.
     */
    private static boolean unindexable(String code) {
        return code != null && code.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 2704;
    }

    private boolean codeTaken(String code, long id) {
        return code != null
                && table.entrySet().stream()
                        .anyMatch(e ->
                                e.getKey() != id && code.equals(e.getValue().code()));
    }

    private void skip(Line line, String reason) {
        skipped++;
        log.add(new Logged(line.number(), "skipped", reason));
    }

    private void reject(Line line, String code) {
        rejected++;
        log.add(new Logged(line.number(), "rejected", code));
    }

    String totals() {
        return "{\"received\":%d,\"inserted\":%d,\"updated\":%d,\"unchanged\":%d,\"skipped\":%d,\"rejected\":%d}"
                .formatted(received, inserted, updated, unchanged, skipped, rejected);
    }

    private SequentialModel copy() {
        SequentialModel copy = new SequentialModel();
        copy.table.putAll(table);
        copy.log.addAll(log);
        copy.received = received;
        copy.inserted = inserted;
        copy.updated = updated;
        copy.unchanged = unchanged;
        copy.skipped = skipped;
        copy.rejected = rejected;
        return copy;
    }

    static Map<String, Object> fields() {
        return new LinkedHashMap<>();
    }
}
