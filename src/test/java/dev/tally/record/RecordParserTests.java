package dev.tally.record;

import static dev.tally.record.Schemas.BENCHMARK_LINE;
import static dev.tally.record.Schemas.customers;
import static dev.tally.record.Schemas.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tally.dataset.Column;
import dev.tally.dataset.TableSchema;
import dev.tally.ndjson.Line;
import dev.tally.record.ParsedLine.Reject;
import dev.tally.record.ParsedLine.Row;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Line-level behaviour: structure, presence, key, order of problems. Values are in ValueConversionTests. */
class RecordParserTests {

    private final RecordParser parser = new RecordParser(customers(), false, false);

    private static final String VALID_REST =
            ",\"email\":\"a@example.com\",\"name\":\"A\",\"updated_at\":\"2026-01-01T00:00:00Z\"}";

    @Test
    void benchmarkLineBecomesRowWithEveryColumnConverted() {
        Line.Text line = line(42, BENCHMARK_LINE);

        Row row = (Row) parser.parse(line);

        assertThat(row.line()).isEqualTo(42);
        assertThat(row.values())
                .containsExactly(
                        1L,
                        "c1@example.com",
                        "Customer 1 v0",
                        new BigDecimal("0.37"),
                        "{\"tier\":\"silver\",\"n\":1}",
                        OffsetDateTime.of(2026, 1, 1, 0, 0, 1, 0, ZoneOffset.UTC));
        assertThat(row.present()).isEqualTo(bits(0, 1, 2, 3, 4, 5));
        assertThat(row.text()).isSameAs(line.bytes());
        assertThat(row.key(List.of(0))).isEqualTo(1L);
        assertThat(row.key(List.of(0, 1))).isEqualTo(List.of(1L, "c1@example.com"));
    }

    @Test
    void tooLongLineIsRejectedWithItsLengthAndHead() {
        byte[] head = "{\"id\":1,\"name\":\"xxxx".getBytes(StandardCharsets.UTF_8);

        Reject reject = (Reject) parser.parse(new Line.TooLong(9, head, 2_000_000));

        assertThat(reject.line()).isEqualTo(9);
        assertThat(reject.code()).isEqualTo(RejectCode.LINE_TOO_LONG);
        assertThat(reject.message()).isEqualTo("line is 2000000 bytes, over the limit");
        assertThat(reject.key()).isNull();
        assertThat(reject.text()).isSameAs(head);
    }

    @Test
    void invalidUtf8IsRejectedNamingTheByteOffset() {
        byte[] bytes = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'};

        Reject reject = (Reject) parser.parse(new Line.Text(3, bytes));

        assertThat(reject.code()).isEqualTo(RejectCode.INVALID_UTF8);
        assertThat(reject.message()).isEqualTo("invalid UTF-8 sequence starting with byte 0xC3 at byte offset 9");
        assertThat(reject.line()).isEqualTo(3);
        assertThat(reject.key()).isNull();
        assertThat(reject.text()).isSameAs(bytes);
    }

    @Test
    void syntaxErrorIsInvalidJsonWithJacksonsMessageAndColumn() {
        assertReject(
                "{\"id\":1,x}",
                RejectCode.INVALID_JSON,
                "Unexpected character ('x' (code 120)): was expecting double-quote to start property name at column 9");
    }

    @Test
    void unterminatedObjectIsInvalidJsonWithoutSourceLocationNoise() {
        assertReject(
                "{\"id\":1",
                RejectCode.INVALID_JSON,
                "Unexpected end-of-input: expected close marker for Object at column 8");
    }

    @Test
    void trailingGarbageAfterTheObjectIsInvalidJson() {
        assertThat(code("{\"id\":1" + VALID_REST + " x")).isEqualTo(RejectCode.INVALID_JSON);
        assertReject(
                "{\"id\":1" + VALID_REST + "{}",
                RejectCode.INVALID_JSON,
                "Trailing content after the JSON object at column 80");
    }

    @Test
    void duplicateFieldIsInvalidJson() {
        assertReject("{\"id\":1,\"id\":2}", RejectCode.INVALID_JSON, "Duplicate field \"id\" at column 9");
    }

    @Test
    void duplicateUnknownFieldIsInvalidJsonEvenWhenUnknownFieldsAreIgnored() {
        RecordParser ignoring = new RecordParser(customers(), true, false);

        Reject reject = (Reject) ignoring.parse(line(1, "{\"x\":1,\"x\":2" + VALID_REST.replace("}", "") + "}"));

        assertThat(reject.code()).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(reject.message()).isEqualTo("Duplicate field \"x\" at column 8");
    }

    @Test
    void jsonThatIsNotAnObjectIsNotAnObject() {
        assertReject("[1,2]", RejectCode.NOT_AN_OBJECT, "expected a JSON object, got an array");
        assertReject("\"text\"", RejectCode.NOT_AN_OBJECT, "expected a JSON object, got a string");
        assertReject(" 12 ", RejectCode.NOT_AN_OBJECT, "expected a JSON object, got a number");
        assertReject("null", RejectCode.NOT_AN_OBJECT, "expected a JSON object, got null");
    }

    @Test
    void brokenJsonThatStartsLikeAnArrayIsInvalidJsonNotNotAnObject() {
        assertThat(code("[1,2")).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(code("[1] [2]")).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(code("   ")).isEqualTo(RejectCode.INVALID_JSON);
    }

    @Test
    void brokenJsonLaterInTheLineOutranksAnEarlierBadValue() {
        assertThat(code("{\"id\":\"one\",\"name\":}")).isEqualTo(RejectCode.INVALID_JSON);
    }

    @Test
    void unknownFieldIsRejectedWithItsNameAndTheLinesKey() {
        Reject reject = (Reject) parser.parse(line(5, "{\"id\":7,\"nickname\":{\"a\":[1]}" + VALID_REST));

        assertThat(reject.code()).isEqualTo(RejectCode.UNKNOWN_FIELD);
        assertThat(reject.message()).isEqualTo("unknown field \"nickname\"");
        assertThat(reject.key()).isEqualTo(Map.of("id", 7L));
        assertThat(reject.line()).isEqualTo(5);
    }

    @Test
    void unknownFieldIsSkippedWhenIgnored() {
        RecordParser ignoring = new RecordParser(customers(), true, false);

        Row row = (Row) ignoring.parse(line(1, "{\"nickname\":{\"a\":[1,{\"b\":2}]},\"id\":7" + VALID_REST));

        assertThat(row.values()[0]).isEqualTo(7L);
        assertThat(row.present()).isEqualTo(bits(0, 1, 2, 5));
    }

    @Test
    void absentKeyIsMissingKey() {
        assertReject("{\"name\":\"A\"}", RejectCode.MISSING_KEY, "key column \"id\" is absent");
    }

    @Test
    void nullKeyIsMissingKey() {
        Reject reject = (Reject) parser.parse(line(1, "{\"id\":null" + VALID_REST));

        assertThat(reject.code()).isEqualTo(RejectCode.MISSING_KEY);
        assertThat(reject.message()).isEqualTo("key column \"id\" is null");
        assertThat(reject.key()).isNull();
    }

    @Test
    void explicitNullInNotNullColumnIsMissingRequired() {
        Reject reject = (Reject) parser.parse(line(1, "{\"id\":3,\"name\":null}"));

        assertThat(reject.code()).isEqualTo(RejectCode.MISSING_REQUIRED);
        assertThat(reject.message()).isEqualTo("field \"name\" is null but the column is NOT NULL");
        assertThat(reject.key()).isEqualTo(Map.of("id", 3L));
    }

    @Test
    void absentNotNullColumnIsLeftForWriteTimeToJudge() {
        Row row = (Row) parser.parse(line(1, "{\"id\":3}"));

        assertThat(row.present()).isEqualTo(bits(0));
        assertThat(row.values()).containsExactly(3L, null, null, null, null, null);
    }

    @Test
    void explicitNullIsPresentAndAbsentIsNot() {
        Row withNull = (Row) parser.parse(line(1, "{\"id\":3,\"attrs\":null}"));
        Row without = (Row) parser.parse(line(2, "{\"id\":3}"));

        assertThat(withNull.present()).isEqualTo(bits(0, 4));
        assertThat(withNull.values()[4]).isNull();
        assertThat(without.present()).isEqualTo(bits(0));
    }

    @Test
    void requiredVersionThatIsAbsentOrNullIsMissingRequired() {
        RecordParser versioned = new RecordParser(nullableVersion(), false, true);

        Reject absent = (Reject) versioned.parse(line(1, "{\"id\":3,\"name\":\"A\"}"));
        Reject isNull = (Reject) versioned.parse(line(2, "{\"id\":3,\"updated_at\":null}"));

        assertThat(absent.code()).isEqualTo(RejectCode.MISSING_REQUIRED);
        assertThat(absent.message()).isEqualTo("version column \"updated_at\" is absent, and update-if-newer needs it");
        assertThat(absent.key()).isEqualTo(Map.of("id", 3L));
        assertThat(isNull.code()).isEqualTo(RejectCode.MISSING_REQUIRED);
        assertThat(isNull.message()).isEqualTo("version column \"updated_at\" is null, and update-if-newer needs it");
    }

    @Test
    void versionIsOptionalUnlessRequired() {
        assertThat(parser.parse(line(1, "{\"id\":3}"))).isInstanceOf(Row.class);
        RecordParser versioned = new RecordParser(customers(), false, true);
        assertThat(versioned.parse(line(1, "{\"id\":3,\"updated_at\":\"2026-01-01T00:00:00Z\"}")))
                .isInstanceOf(Row.class);
    }

    @Test
    void requiringAVersionOfATableWithoutOneIsRefused() {
        TableSchema noVersion = Schemas.withValue(Schemas.TEXT);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> new RecordParser(noVersion, false, true))
                .withMessage("\"public\".\"t\" has no version column to require");
    }

    @Test
    void firstProblemInFieldOrderWins() {
        assertThat(code("{\"id\":1,\"balance\":\"x\",\"nickname\":1}")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code("{\"id\":1,\"nickname\":1,\"balance\":\"x\"}")).isEqualTo(RejectCode.UNKNOWN_FIELD);
        assertThat(code("{\"id\":1,\"name\":null,\"balance\":\"x\"}")).isEqualTo(RejectCode.MISSING_REQUIRED);
    }

    @Test
    void keyCheckComesAfterTheFields() {
        assertReject(
                "{\"balance\":\"x\"}",
                RejectCode.TYPE_MISMATCH,
                "field \"balance\": expected a number for numeric(12,2), got a string");
    }

    @Test
    void rejectCarriesTheKeyEvenWhenItComesAfterTheBadField() {
        Reject reject = (Reject) parser.parse(line(1, "{\"balance\":\"x\",\"attrs\":[1],\"id\":12}"));

        assertThat(reject.code()).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(reject.key()).isEqualTo(Map.of("id", 12L));
    }

    @Test
    void rejectHasNoKeyWhenTheKeyDidNotConvert() {
        Reject reject = (Reject) parser.parse(line(1, "{\"id\":\"12\"}"));

        assertThat(reject.code()).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(reject.message()).isEqualTo("field \"id\": expected an integer for bigint, got a string");
        assertThat(reject.key()).isNull();
    }

    @Test
    void compositeKeyIsReportedInKeyOrder() {
        TableSchema schema = new TableSchema(
                "public",
                "pairs",
                List.of(
                        new Column("a", 0, Schemas.TEXT, false, false),
                        new Column("b", 1, Schemas.BIGINT, false, false),
                        new Column("c", 2, Schemas.BIGINT, true, false)),
                List.of(1, 0),
                -1,
                List.of());

        Reject reject =
                (Reject) new RecordParser(schema, false, false).parse(line(1, "{\"a\":\"x\",\"c\":true,\"b\":2}"));

        assertThat(reject.key()).containsExactly(Map.entry("b", 2L), Map.entry("a", "x"));
    }

    @Test
    void parsesTheSameFromManyThreadsAsFromOne() {
        List<Line> lines = IntStream.rangeClosed(1, 20_000)
                .mapToObj(i -> (Line)
                        line(i, i % 10 == 0 ? "{\"id\":\"bad\"}" : BENCHMARK_LINE.replace("\"id\":1", "\"id\":" + i)))
                .toList();

        List<String> sequential = lines.stream()
                .map(parser::parse)
                .map(RecordParserTests::describe)
                .toList();
        List<String> parallel = lines.parallelStream()
                .map(parser::parse)
                .map(RecordParserTests::describe)
                .toList();

        assertThat(parallel).isEqualTo(sequential);
        assertThat(sequential.get(9)).isEqualTo("10 TYPE_MISMATCH");
        assertThat(sequential.get(10)).startsWith("11 [11, c1@example.com");
    }

    private static String describe(ParsedLine parsed) {
        return switch (parsed) {
            case Row row -> row.line() + " " + Arrays.toString(row.values()) + row.present();
            case Reject reject -> reject.line() + " " + reject.code();
        };
    }

    @Test
    void aLineInUtf16IsInvalidJsonNotDecodedAsUtf16() {
        for (var charset : List.of(
                StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, java.nio.charset.Charset.forName("UTF-32BE"))) {
            byte[] bytes = ("{\"id\":1" + VALID_REST).getBytes(charset);

            ParsedLine parsed = parser.parse(new Line.Text(1, bytes));

            assertThat(parsed).as(charset.name()).isInstanceOf(Reject.class);
            assertThat(((Reject) parsed).code()).isEqualTo(RejectCode.INVALID_JSON);
        }
    }

    @Test
    void aNulByteInAnUnrecognisedTokenStaysOutOfTheMessage() {
        Reject reject = (Reject) parser.parse(line(1, "{\"id\":1,\"name\":nu\u0000ll}"));

        assertThat(reject.code()).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(reject.message()).doesNotContain("\u0000").contains("\\u0000");
    }

    private static TableSchema nullableVersion() {
        TableSchema c = customers();
        List<Column> columns = new ArrayList<>(c.columns());
        columns.set(5, new Column("updated_at", 5, Schemas.TIMESTAMPTZ, true, false));
        return new TableSchema(c.schema(), c.table(), columns, c.key(), c.versionColumn(), c.uniqueIndexes());
    }

    private RejectCode code(String json) {
        ParsedLine parsed = parser.parse(line(1, json));
        return parsed instanceof Reject reject ? reject.code() : null;
    }

    private void assertReject(String json, RejectCode code, String message) {
        ParsedLine parsed = parser.parse(line(1, json));
        assertThat(parsed).isInstanceOf(Reject.class);
        Reject reject = (Reject) parsed;
        assertThat(reject.code()).isEqualTo(code);
        assertThat(reject.message()).isEqualTo(message);
    }

    private static BitSet bits(int... indexes) {
        BitSet bits = new BitSet();
        for (int index : indexes) {
            bits.set(index);
        }
        return bits;
    }
}
