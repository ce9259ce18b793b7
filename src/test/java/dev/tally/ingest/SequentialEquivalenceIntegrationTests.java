package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.ingest.SequentialModel.Line;
import dev.tally.ingest.SequentialModel.Logged;
import dev.tally.ingest.SequentialModel.Thing;
import dev.tally.testing.UploadClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Seeded random uploads with repeated keys, identical re-sends, absent fields, explicit nulls,
 * unique-index clashes and bad lines, written in small parallel chunks, compared line by line
 * and row by row with {@link SequentialModel}; the first seed also as an atomic upload, written in
 * one transaction, which keeps nothing when it fails. Set TALLY_TEST_SEED to try other seeds.
 */
@TallyIntegrationTest
class SequentialEquivalenceIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int LINES = 3000;
    private static final int KEYS = 300;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    static Stream<Arguments> uploads() {
        String fromEnvironment = System.getenv("TALLY_TEST_SEED");
        List<Long> seeds = fromEnvironment == null ? List.of(1L, 2L, 3L) : List.of(Long.parseLong(fromEnvironment));
        return seeds.stream().flatMap(seed -> Stream.of("skip", "update", "update-if-newer", "fail")
                .flatMap(policy -> (seed.equals(seeds.getFirst()) ? Stream.of(false, true) : Stream.of(false))
                        .map(atomic -> Arguments.of(policy, seed, atomic))));
    }

    @ParameterizedTest(name = "{0}, seed {1}, atomic {2}")
    @MethodSource("uploads")
    void anUploadEqualsApplyingItsLinesOneAtATime(String policy, long seed, boolean atomic) {
        Random random = new Random(seed * 31 + policy.hashCode());
        db.update("TRUNCATE things");
        // Under fail an existing row stops the job at once: start that policy from an empty table.
        Map<Long, Thing> before = policy.equals("fail")
                ? Map.of()
                : SequentialModel.apply(Map.of(), lines(random, 100, 0.0), "update", Integer.MAX_VALUE).table;
        before.forEach((id, t) -> db.update(
                "INSERT INTO things (id, code, label, qty, note, version) VALUES (?, ?, ?, ?, ?, ?)",
                id,
                t.code(),
                t.label(),
                t.qty(),
                t.note(),
                t.version()));
        int chunkSize = 7 + random.nextInt(60);
        List<Line> lines = lines(random, LINES, policy.equals("fail") ? 0.0 : 0.02);
        StringBuilder body = new StringBuilder();
        for (Line line : lines) {
            body.append(line.raw()).append('\n');
            if (random.nextInt(50) == 0) {
                body.append('\n');
            }
        }
        List<Line> numbered = renumber(lines, body.toString());

        SequentialModel expected = SequentialModel.apply(before, numbered, policy, chunkSize);
        JsonNode end = new UploadClient(port)
                .upload(
                        "things",
                        "onConflict=" + policy + "&chunkSize=" + chunkSize + "&atomic=" + atomic,
                        body.toString());
        // A failed atomic upload keeps nothing, though its final event reports what it had done.
        boolean keptNothing = atomic && expected.failedAt != null;

        List<Logged> log = db
                .query(
                        "SELECT line, outcome, reason FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line",
                        end.get("job").asString())
                .stream()
                .map(row -> new Logged((Long) row.get("line"), (String) row.get("outcome"), (String) row.get("reason")))
                .toList();
        assertThat(firstDifference(log, keptNothing ? List.of() : expected.log, numbered))
                .isEmpty();
        assertThat(end.get("totals").toString()).isEqualTo(expected.totals());
        if (expected.failedAt != null) {
            assertThat(end.get("event").asString()).isEqualTo("failed");
            assertThat(end.get("error").get("line").asLong()).isEqualTo(expected.failedAt);
        } else {
            assertThat(end.get("event").asString()).isEqualTo("completed");
        }
        if (atomic) {
            assertThat(end.get("committed").asBoolean()).isEqualTo(expected.failedAt == null);
        }
        assertThat(SequentialModel.things(db)).isEqualTo(keptNothing ? before : expected.table);
    }

    /** The first line whose logged outcome differs, with the lines on its key, or empty. */
    private static String firstDifference(List<Logged> actual, List<Logged> expected, List<Line> lines) {
        for (int i = 0; i < Math.max(actual.size(), expected.size()); i++) {
            Logged a = i < actual.size() ? actual.get(i) : null;
            Logged e = i < expected.size() ? expected.get(i) : null;
            if (!java.util.Objects.equals(a, e)) {
                long line = Math.min(a == null ? Long.MAX_VALUE : a.line(), e == null ? Long.MAX_VALUE : e.line());
                Long id = lines.stream()
                        .filter(l -> l.number() == line)
                        .findFirst()
                        .map(Line::id)
                        .orElse(null);
                String raw = lines.stream()
                        .filter(l -> l.number() == line)
                        .findFirst()
                        .map(Line::raw)
                        .orElse("?");
                return "service logged " + a + ", model " + e + " for " + raw + "; lines on key " + id + ": "
                        + lines.stream()
                                .filter(l -> l.number() <= line
                                        && ((id != null && id.equals(l.id()))
                                                || (l.fields().get("code") != null
                                                        && l.fields()
                                                                .get("code")
                                                                .equals(code(lines, line)))))
                                .map(l -> l.number() + " " + l.raw())
                                .toList();
            }
        }
        return "";
    }

    private static Object code(List<Line> lines, long line) {
        return lines.stream()
                .filter(l -> l.number() == line)
                .findFirst()
                .map(l -> l.fields().get("code"))
                .orElse(null);
    }

    /** Random lines over a few hundred keys; {@code badShare} of them malformed or with an unknown field. */
    private static List<Line> lines(Random random, int count, double badShare) {
        List<Line> lines = new ArrayList<>();
        Line previous = null;
        for (int i = 0; i < count; i++) {
            if (previous != null && random.nextInt(10) == 0) {
                lines.add(previous); // an identical re-send
                continue;
            }
            long id = 1 + random.nextInt(KEYS);
            Map<String, Object> fields = SequentialModel.fields();
            if (random.nextInt(10) < 8) {
                fields.put("label", random.nextInt(40) == 0 ? null : "label-" + random.nextInt(4));
            }
            if (random.nextInt(10) < 6) {
                fields.put("qty", random.nextInt(4));
            }
            if (random.nextInt(10) < 3) {
                fields.put("code", random.nextInt(5) == 0 ? null : "code-" + random.nextInt(KEYS / 2));
            }
            if (random.nextInt(10) < 3) {
                fields.put("note", random.nextBoolean() ? null : "note-" + random.nextInt(3));
            }
            if (random.nextInt(10) < 8) {
                fields.put("version", random.nextInt(30) == 0 ? null : (Object) (long) (1 + random.nextInt(5)));
            }
            Map<String, Object> object = SequentialModel.fields();
            object.put("id", id);
            object.putAll(fields);
            String raw = JSON.writeValueAsString(object);
            double bad = random.nextDouble();
            if (bad < badShare / 2) {
                lines.add(new Line(0, raw.substring(0, raw.length() / 2), null, fields));
            } else if (bad < badShare) {
                lines.add(new Line(0, raw.substring(0, raw.length() - 1) + ",\"colour\":\"red\"}", null, fields));
            } else {
                lines.add(previous = new Line(0, raw, id, fields));
            }
        }
        return lines;
    }

    /** The lines with their physical numbers in the body (which has blank lines among them). */
    private static List<Line> renumber(List<Line> lines, String body) {
        List<Line> numbered = new ArrayList<>();
        String[] physical = body.split("\n", -1);
        int next = 0;
        for (int n = 0; n < physical.length && next < lines.size(); n++) {
            if (!physical[n].isEmpty()) {
                Line line = lines.get(next++);
                numbered.add(new Line(n + 1, line.raw(), line.id(), line.fields()));
            }
        }
        return numbered;
    }
}
