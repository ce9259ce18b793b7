package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.ingest.SequentialModel.Line;
import dev.tally.ingest.SequentialModel.Logged;
import dev.tally.ingest.SequentialModel.Thing;
import dev.tally.testing.UploadClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Seeded random corruption of valid uploads into {@code things}: flipped and random bytes, cut
 * lines, stray {@code \r}, NUL bytes, invalid UTF-8, lines in UTF-16, huge numbers, 10,000-deep
 * nesting, duplicate and unknown fields, wrong types, NUL and lone-surrogate escapes, strings too
 * long to index, a line over the line limit, blank and whitespace-only lines. Every upload must answer 200 within a bound, end
 * {@code completed} with {@code received} equal to its non-blank lines, keep the invariant in its
 * totals, the job row and the chunk ledger, and leave the table and row log a model predicts.
 *
 * <p>The model is independent of the service's parser: a line is valid when a strict Jackson tree
 * reader and a strict UTF-8 decoder accept it and its fields have the column's types; valid lines
 * are applied one at a time by {@link SequentialModel}, and every other line must be rejected with
 * a parse code ({@code invalid_utf8} and {@code line_too_long} exactly).
 *
 * <p>{@code TALLY_FUZZ_SEED} and {@code TALLY_FUZZ_ITERATIONS} run other or longer campaigns; a
 * failure names the seed and iteration and writes the body to {@code target/fuzz/}.
 */
@TallyIntegrationTest
class CorruptUploadsFuzzIntegrationTests {

    private static final long DEFAULT_SEED = 20261121L;
    private static final int DEFAULT_ITERATIONS = 8;
    private static final int LINES = 200;
    private static final int KEYS = 120;
    private static final int MAX_LINE_BYTES = 1024 * 1024; // tally.ingest.max-line-bytes, not set by the tests
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> POLICIES = List.of("skip", "update", "update-if-newer");
    private static final Set<String> PARSE_CODES = Set.of(
            "invalid_json",
            "not_an_object",
            "unknown_field",
            "missing_key",
            "missing_required",
            "type_mismatch",
            "out_of_range",
            "too_long");
    private static final String PARSE = "a parse code";
    private static final Object INVALID = new Object();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The model's own reader: no duplicate names, no trailing content, decimals kept exact. */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final List<String> HUGE_NUMBERS = List.of(
            "1e999999999",
            "-1e999999999",
            "0e999999999",
            "-0.0e-999999999",
            "1.5e-999999999",
            "99999999999999999999999999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "9223372036854775807",
            "2147483648",
            "-2147483649",
            "2147483647",
            "1.0",
            "1e2",
            "1E+1",
            "100e-2",
            "-0",
            "12.50",
            "1e9999999999",
            "1e-9999999999",
            "1" + "0".repeat(1200)); // longer than Jackson's number limit

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void corruptUploadsCompleteWithTrueCountsAndTheTableOfTheLinesAccepted() throws IOException {
        long seed = fromEnvironment("TALLY_FUZZ_SEED", DEFAULT_SEED);
        long iterations = fromEnvironment("TALLY_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
        UploadClient client = new UploadClient(port, TIMEOUT);
        for (int i = 0; i < iterations; i++) {
            Generator generator = new Generator(new Random(seed * 1_000_003L + i));
            String policy = POLICIES.get(generator.random.nextInt(POLICIES.size()));
            int chunkSize = 5 + generator.random.nextInt(46);
            byte[] body = generator.body(i % 4 == 3);
            try {
                upload(client, generator, policy, chunkSize, body);
            } catch (AssertionError | RuntimeException e) {
                Path saved = Path.of("target", "fuzz", "seed-%d-iteration-%d.ndjson".formatted(seed, i));
                Files.createDirectories(saved.getParent());
                Files.write(saved, body);
                throw new AssertionError(
                        "Fuzz failed: TALLY_FUZZ_SEED=%d, iteration %d (onConflict=%s, chunkSize=%d, body in %s): %s"
                                .formatted(seed, i, policy, chunkSize, saved, e.getMessage()),
                        e);
            }
        }
    }

    private void upload(UploadClient client, Generator generator, String policy, int chunkSize, byte[] body) {
        Map<Long, Thing> before = generator.table();
        db.update("TRUNCATE things");
        insert(before);

        Map<Long, Expected> bad = new TreeMap<>();
        List<Line> valid = new ArrayList<>();
        List<byte[]> lines = physicalLines(body);
        long nonBlank = 0;
        for (int n = 0; n < lines.size(); n++) {
            byte[] line = lines.get(n);
            if (isBlank(line)) {
                continue;
            }
            nonBlank++;
            Verdict verdict = verdict(withoutTrailingCr(line), policy);
            switch (verdict) {
                case Verdict.Bad b -> bad.put(n + 1L, new Expected(b.code(), b.text()));
                case Verdict.Valid v -> valid.add(new Line(n + 1, "{}", v.id(), v.fields()));
            }
        }
        SequentialModel model = SequentialModel.apply(before, valid, policy, Integer.MAX_VALUE);

        List<JsonNode> events = client.events("things", "onConflict=" + policy + "&chunkSize=" + chunkSize, body, null);

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).as("final event %s", end).isEqualTo("completed");
        assertThat(events.getFirst().get("event").asString()).isEqualTo("job");
        assertThat(events.subList(1, events.size() - 1))
                .allSatisfy(e -> assertThat(e.get("event").asString()).isEqualTo("chunk"));
        JsonNode totals = end.get("totals");
        assertThat(totals.get("received").asLong()).as("received").isEqualTo(nonBlank);
        assertThat(totals.get("received").asLong())
                .as("invariant")
                .isEqualTo(totals.get("inserted").asLong()
                        + totals.get("updated").asLong()
                        + totals.get("unchanged").asLong()
                        + totals.get("skipped").asLong()
                        + totals.get("rejected").asLong());

        String job = end.get("job").asString();
        List<Map<String, Object>> log = db.query(
                "SELECT line, outcome, reason, text FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line", job);
        List<Logged> actual = new ArrayList<>();
        for (Map<String, Object> row : log) {
            long line = (Long) row.get("line");
            String reason = (String) row.get("reason");
            Expected expected = bad.get(line);
            if (expected != null) {
                assertThat((String) row.get("text")).as("text of line %d", line).isEqualTo(expected.text());
                if (expected.code().equals(PARSE) && PARSE_CODES.contains(reason)) {
                    reason = PARSE;
                }
            }
            actual.add(new Logged(line, (String) row.get("outcome"), reason));
        }
        List<Logged> expectedLog = new ArrayList<>(model.log);
        bad.forEach((line, e) -> expectedLog.add(new Logged(line, "rejected", e.code())));
        expectedLog.sort((a, b) -> Long.compare(a.line(), b.line()));
        assertThat(firstDifference(actual, expectedLog, lines)).as("row log").isEmpty();
        assertThat(totals.toString()).as("totals").isEqualTo(expectedTotals(model, bad.size()));
        assertCountsAgree(end, events);
        assertThat(SequentialModel.things(db)).as("table").isEqualTo(model.table);
    }

    /** The final totals, the job row, the chunk ledger and the chunk events all say the same. */
    private void assertCountsAgree(JsonNode end, List<JsonNode> events) {
        String job = end.get("job").asString();
        List<String> names = List.of("received", "inserted", "updated", "unchanged", "skipped", "rejected");
        Map<String, Object> ledger = db.query(
                        "SELECT sum(received) AS received, sum(inserted) AS inserted, sum(updated) AS updated,"
                                + " sum(unchanged) AS unchanged, sum(skipped) AS skipped, sum(rejected) AS rejected,"
                                + " count(*) AS chunks FROM tally.chunk WHERE job_id = ?::uuid",
                        job)
                .getFirst();
        Map<String, Object> jobRow = db.query(
                        "SELECT status, received, inserted, updated, unchanged, skipped, rejected, chunks"
                                + " FROM tally.job WHERE id = ?::uuid",
                        job)
                .getFirst();
        assertThat(jobRow.get("status")).isEqualTo("completed");
        for (String name : names) {
            long total = end.get("totals").get(name).asLong();
            assertThat(ledger.get(name) == null ? 0 : ((Number) ledger.get(name)).longValue())
                    .as("ledger " + name)
                    .isEqualTo(total);
            assertThat(((Number) jobRow.get(name)).longValue())
                    .as("job " + name)
                    .isEqualTo(total);
            long inEvents = events.stream()
                    .filter(e -> e.get("event").asString().equals("chunk"))
                    .mapToLong(e -> e.get("counts").get(name).asLong())
                    .sum();
            assertThat(inEvents).as("chunk events " + name).isEqualTo(total);
        }
        assertThat(((Number) ledger.get("chunks")).intValue())
                .isEqualTo(end.get("chunks").asInt());
        assertThat(((Number) jobRow.get("chunks")).intValue())
                .isEqualTo(end.get("chunks").asInt());
    }

    private static String expectedTotals(SequentialModel model, long bad) {
        return "{\"received\":%d,\"inserted\":%d,\"updated\":%d,\"unchanged\":%d,\"skipped\":%d,\"rejected\":%d}"
                .formatted(
                        model.received + bad,
                        model.inserted,
                        model.updated,
                        model.unchanged,
                        model.skipped,
                        model.rejected + bad);
    }

    /** What the model expects of a line it finds invalid: a code (or any parse code) and the logged text. */
    private record Expected(String code, String text) {}

    private sealed interface Verdict {
        record Bad(String code, String text) implements Verdict {}

        record Valid(long id, Map<String, Object> fields) implements Verdict {}
    }

    /** The model's reading of one line (without its terminator), independent of the service's parser. */
    private static Verdict verdict(byte[] line, String policy) {
        int kept = line.length > MAX_LINE_BYTES ? 1024 : line.length;
        String logged = new String(line, 0, kept, StandardCharsets.UTF_8).replace('\u0000', '\uFFFD');
        if (line.length > MAX_LINE_BYTES) {
            return new Verdict.Bad("line_too_long", logged);
        }
        Verdict.Bad invalid = new Verdict.Bad(PARSE, logged);
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line))
                    .toString();
        } catch (CharacterCodingException e) {
            return new Verdict.Bad("invalid_utf8", logged);
        }
        JsonNode node;
        try {
            node = STRICT.readTree(text);
        } catch (JacksonException | NumberFormatException e) {
            return invalid; // not JSON, or a number beyond BigDecimal (1e9999999999): of no column's range
        }
        if (node == null || !node.isObject()) {
            return invalid;
        }
        Long id = null;
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            Object converted =
                    switch (name) {
                        case "id", "version" -> value.isNull() ? null : integer(value, Long.MIN_VALUE, Long.MAX_VALUE);
                        case "qty" -> value.isNull() ? null : integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
                        case "label", "code", "note" -> value.isNull() ? null : text(value);
                        default -> INVALID; // an unknown field
                    };
            // Wrong type, out of range or unstorable; or null where the column is NOT NULL (or the key).
            boolean nullable = name.equals("version") || name.equals("code") || name.equals("note");
            if (converted == INVALID || converted == null && !(value.isNull() && nullable)) {
                return invalid;
            }
            if (name.equals("id")) {
                id = (Long) converted;
            } else {
                fields.put(name, converted);
            }
        }
        if (id == null) {
            return invalid; // the key is absent
        }
        if (policy.equals("update-if-newer") && fields.get("version") == null) {
            return invalid;
        }
        return new Verdict.Valid(id, fields);
    }

    /** A JSON number with an integral value in [min, max] as a Long, else null. */
    private static Long integer(JsonNode value, long min, long max) {
        if (!value.isNumber()) {
            return null;
        }
        BigDecimal decimal = value.decimalValue();
        if (decimal.signum() == 0) {
            return 0L;
        }
        if (decimal.stripTrailingZeros().scale() > 0
                || decimal.compareTo(BigDecimal.valueOf(min)) < 0
                || decimal.compareTo(BigDecimal.valueOf(max)) > 0) {
            return null;
        }
        return decimal.longValueExact();
    }

    /** A JSON string PostgreSQL's text can hold (no NUL, no lone surrogate), else null. */
    private static String text(JsonNode value) {
        if (!value.isString()) {
            return null;
        }
        String text = value.asString();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return null;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return null;
            }
        }
        return text;
    }

    /** The body split on {@code \n}, as the service numbers lines: an unterminated last line counts. */
    private static List<byte[]> physicalLines(byte[] body) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n') {
                lines.add(Arrays.copyOfRange(body, start, i));
                start = i + 1;
            }
        }
        if (start < body.length) {
            lines.add(Arrays.copyOfRange(body, start, body.length));
        }
        return lines;
    }

    /** docs/api.md: a blank line is not a record; blank is nothing but spaces, tabs and {@code \r}. */
    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static byte[] withoutTrailingCr(byte[] line) {
        return line.length > 0 && line[line.length - 1] == '\r' ? Arrays.copyOf(line, line.length - 1) : line;
    }

    /** The first entry where service and model disagree, with the line's bytes, or empty. */
    private static String firstDifference(List<Logged> actual, List<Logged> expected, List<byte[]> lines) {
        for (int i = 0; i < Math.max(actual.size(), expected.size()); i++) {
            Logged a = i < actual.size() ? actual.get(i) : null;
            Logged e = i < expected.size() ? expected.get(i) : null;
            if (!Objects.equals(a, e)) {
                long line = Math.min(a == null ? Long.MAX_VALUE : a.line(), e == null ? Long.MAX_VALUE : e.line());
                return "service logged %s, model %s; line %d is %s"
                        .formatted(a, e, line, printable(lines.get((int) line - 1)));
            }
        }
        return "";
    }

    private static String printable(byte[] line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(line.length, 300); i++) {
            int b = line[i] & 0xFF;
            out.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : "\\x%02X".formatted(b));
        }
        return out.append(line.length > 300 ? "… (" + line.length + " bytes)" : "")
                .toString();
    }

    private void insert(Map<Long, Thing> rows) {
        if (rows.isEmpty()) {
            return;
        }
        List<Object> args = new ArrayList<>();
        rows.forEach((id, t) -> args.addAll(Arrays.asList(id, t.code(), t.label(), t.qty(), t.note(), t.version())));
        db.update(
                "INSERT INTO things (id, code, label, qty, note, version) VALUES "
                        + String.join(", ", Collections.nCopies(rows.size(), "(?, ?, ?, ?, ?, ?)")),
                args.toArray());
    }

    private static long fromEnvironment(String name, long fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Long.parseLong(value.strip());
    }

    /** Valid lines for {@code things}, then corrupted: one seeded generator per upload. */
    private static final class Generator {

        private static final byte[][] INVALID_UTF8 = {
            {(byte) 0xC3, 0x28}, // a lead byte without its continuation
            {(byte) 0xFF}, // never valid
            {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate, encoded
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
            {(byte) 0xE2, (byte) 0x82}, // cut short
            {(byte) 0x80} // a lone continuation byte
        };
        private static final List<String> BLANK = List.of("", " ", "\t", "\r", " \t\r ", "\r\r");
        private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

        final Random random;

        Generator(Random random) {
            this.random = random;
        }

        /** Some rows already in the table, with distinct short codes. */
        Map<Long, Thing> table() {
            Map<Long, Thing> rows = new TreeMap<>();
            for (int i = random.nextInt(40); i > 0; i--) {
                long id = 1 + random.nextInt(KEYS);
                String code = random.nextInt(3) == 0 ? "code-" + id : null;
                rows.put(
                        id,
                        new Thing(
                                code,
                                "label-" + random.nextInt(4),
                                random.nextInt(4),
                                random.nextBoolean() ? null : "note-" + random.nextInt(3),
                                (long) (1 + random.nextInt(5))));
            }
            return rows;
        }

        byte[] body(boolean withOverlongLine) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            List<String[]> previous = null;
            int overlong = withOverlongLine ? random.nextInt(LINES) : -1;
            for (int i = 0; i < LINES; i++) {
                if (random.nextInt(25) == 0) {
                    body.writeBytes(BLANK.get(random.nextInt(BLANK.size())).getBytes(StandardCharsets.UTF_8));
                    body.write('\n');
                }
                List<String[]> fields = previous != null && random.nextInt(10) == 0 ? previous : fields();
                previous = fields;
                byte[] line;
                if (i == overlong) {
                    List<String[]> copy = new ArrayList<>(fields);
                    copy.add(new String[] {"note", quoted(randomText(MAX_LINE_BYTES + 1))});
                    line = render(copy);
                } else if (random.nextInt(100) < 35) {
                    line = corrupt(fields);
                } else {
                    line = render(fields);
                }
                body.writeBytes(line);
                if (i < LINES - 1 || random.nextInt(5) > 0) {
                    body.write('\n');
                }
            }
            return body.toByteArray();
        }

        /** A valid line as (name, JSON value text) pairs, over few keys, codes and labels. */
        private List<String[]> fields() {
            List<String[]> fields = new ArrayList<>();
            fields.add(new String[] {"id", Integer.toString(1 + random.nextInt(KEYS))});
            if (random.nextInt(10) < 8) {
                fields.add(
                        new String[] {"label", random.nextInt(60) == 0 ? "null" : quoted("label-" + random.nextInt(4))
                        });
            }
            if (random.nextInt(10) < 6) {
                fields.add(new String[] {
                    "qty", Integer.toString(random.nextInt(12) == 0 ? -1 - random.nextInt(3) : random.nextInt(4))
                });
            }
            if (random.nextInt(10) < 3) {
                fields.add(new String[] {
                    "code", random.nextInt(5) == 0 ? "null" : quoted("code-" + random.nextInt(KEYS / 2))
                });
            }
            if (random.nextInt(10) < 3) {
                String note =
                        switch (random.nextInt(4)) {
                            case 0 -> "null";
                            case 1 -> quoted("nöte ✓ 😀 \t\\ \"q\"");
                            default -> quoted("note-" + random.nextInt(3));
                        };
                fields.add(new String[] {"note", note});
            }
            if (random.nextInt(10) < 9) {
                fields.add(new String[] {
                    "version", random.nextInt(40) == 0 ? "null" : Integer.toString(1 + random.nextInt(5))
                });
            }
            if (random.nextInt(5) == 0) {
                Collections.shuffle(fields, random);
            }
            return fields;
        }

        private byte[] corrupt(List<String[]> valid) {
            List<String[]> fields = new ArrayList<>(valid);
            int kind = random.nextInt(17);
            switch (kind) {
                case 0 ->
                    value(fields, pick("id", "qty", "version"), HUGE_NUMBERS.get(random.nextInt(HUGE_NUMBERS.size())));
                case 1 -> value(fields, pick("note", "label", "qty", "colour"), nested(10_000));
                case 2 -> fields.add(new String[] {pick("label", "id", "qty", "colour"), pick("\"dup\"", "7", "null")});
                case 3 ->
                    value(
                            fields,
                            pick("note", "label", "code"),
                            pick("\"a\\u0000b\"", "\"\\ud800x\"", "\"\\udc00\"", "\"ok \\ud83d\\ude00\""));
                case 4 ->
                    value(
                            fields,
                            pick("code", "label", "note"),
                            quoted(randomText(
                                    random.nextBoolean() ? 3000 + random.nextInt(3000) : 100 + random.nextInt(900))));
                case 5 ->
                    value(
                            fields,
                            pick("qty", "label", "id", "version"),
                            pick("\"5\"", "5", "true", "[1]", "{}", "null", "\"\"", "4.5", "nu\u0000ll", "t\u0000rue"));
                case 6 -> fields.add(new String[] {pick("colour", "ID", "label ", "\u00e9", "\"x\\u0000y\""), "1"});
                case 7 -> value(fields, pick("label", "note"), "\"a" + pick("\t", "\u0001", "\r", "\u001f") + "b\"");
                case 8 -> {
                    String name = pick("id", "label");
                    fields.removeIf(f -> f[0].equals(name));
                }
                default -> {
                    return bytes(render(fields), kind);
                }
            }
            byte[] line = render(fields);
            return random.nextInt(4) == 0 ? bytes(line, 9 + random.nextInt(8)) : line;
        }

        /** One byte-level corruption of a rendered line. */
        private byte[] bytes(byte[] line, int kind) {
            int at = line.length == 0 ? 0 : random.nextInt(line.length + 1);
            return switch (kind) {
                case 9 -> {
                    if (line.length > 0) {
                        line[Math.min(at, line.length - 1)] ^= (byte) (1 << random.nextInt(8));
                    }
                    yield line;
                }
                case 10 -> {
                    if (line.length > 0) {
                        line[Math.min(at, line.length - 1)] = (byte) random.nextInt(256);
                    }
                    yield line;
                }
                case 11 -> Arrays.copyOf(line, random.nextInt(Math.max(1, line.length)));
                case 12 -> insert(line, at, new byte[] {'\r'});
                case 13 ->
                    insert(
                            line,
                            random.nextInt(3) == 0 ? random.nextInt(Math.min(4, line.length + 1)) : at,
                            new byte[] {0});
                case 14 -> insert(line, at, INVALID_UTF8[random.nextInt(INVALID_UTF8.length)]);
                case 15 -> nestedLine();
                default ->
                    new String(line, StandardCharsets.UTF_8)
                            .getBytes(random.nextBoolean() ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16BE);
            };
        }

        /** A line that is nothing but deep nesting, closed or not. */
        private byte[] nestedLine() {
            String nested = nested(10_000);
            return (random.nextBoolean() ? nested : nested.substring(0, nested.length() / 2 + 7))
                    .getBytes(StandardCharsets.UTF_8);
        }

        private String nested(int depth) {
            return random.nextBoolean()
                    ? "[".repeat(depth) + "]".repeat(depth)
                    : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        }

        private void value(List<String[]> fields, String name, String value) {
            fields.removeIf(f -> f[0].equals(name));
            fields.add(random.nextInt(fields.size() + 1), new String[] {name, value});
        }

        private String pick(String... choices) {
            return choices[random.nextInt(choices.length)];
        }

        private String randomText(int length) {
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
            }
            return text.toString();
        }

        private static String quoted(String text) {
            return JSON.writeValueAsString(text);
        }

        private static byte[] render(List<String[]> fields) {
            StringBuilder line = new StringBuilder("{");
            for (String[] field : fields) {
                if (line.length() > 1) {
                    line.append(',');
                }
                // A name already in quotes is raw JSON, escapes and all.
                line.append(field[0].startsWith("\"") ? field[0] : quoted(field[0]))
                        .append(':')
                        .append(field[1]);
            }
            return line.append('}').toString().getBytes(StandardCharsets.UTF_8);
        }

        private static byte[] insert(byte[] line, int at, byte[] inserted) {
            byte[] out = new byte[line.length + inserted.length];
            System.arraycopy(line, 0, out, 0, at);
            System.arraycopy(inserted, 0, out, at, inserted.length);
            System.arraycopy(line, at, out, at + inserted.length, line.length - at);
            return out;
        }
    }
}
