package dev.tally.record;

import static dev.tally.record.Schemas.arrayOf;
import static dev.tally.record.Schemas.character;
import static dev.tally.record.Schemas.line;
import static dev.tally.record.Schemas.numeric;
import static dev.tally.record.Schemas.varchar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.dataset.ColumnType;
import dev.tally.dataset.ColumnType.Kind;
import dev.tally.record.ParsedLine.Reject;
import dev.tally.record.ParsedLine.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** One field of each kind, converted in table {@code t(id bigint PK, v <type>)}. */
class ValueConversionTests {

    private static final ColumnType SMALLINT = ColumnType.of(Kind.SMALLINT, "smallint");
    private static final ColumnType INTEGER = ColumnType.of(Kind.INTEGER, "integer");
    private static final ColumnType BIGINT = Schemas.BIGINT;
    private static final ColumnType NUMERIC = ColumnType.of(Kind.NUMERIC, "numeric");
    private static final ColumnType REAL = ColumnType.of(Kind.REAL, "real");
    private static final ColumnType DOUBLE = ColumnType.of(Kind.DOUBLE, "double precision");
    private static final ColumnType BOOLEAN = ColumnType.of(Kind.BOOLEAN, "boolean");
    private static final ColumnType TEXT = Schemas.TEXT;
    private static final ColumnType UUID_TYPE = ColumnType.of(Kind.UUID, "uuid");
    private static final ColumnType DATE = ColumnType.of(Kind.DATE, "date");
    private static final ColumnType TIMESTAMP = ColumnType.of(Kind.TIMESTAMP, "timestamp without time zone");
    private static final ColumnType TIMESTAMPTZ = Schemas.TIMESTAMPTZ;
    private static final ColumnType JSON = ColumnType.of(Kind.JSON, "json");
    private static final ColumnType JSONB = Schemas.JSONB;

    // integers

    @Test
    void integersConvertToTheirBoxedJavaType() {
        assertThat(value(SMALLINT, "-32768")).isEqualTo((short) -32768);
        assertThat(value(SMALLINT, "32767")).isEqualTo((short) 32767);
        assertThat(value(INTEGER, "-2147483648")).isEqualTo(Integer.MIN_VALUE);
        assertThat(value(BIGINT, "9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(value(BIGINT, "-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void integerBeyondTheTypesRangeIsOutOfRange() {
        assertRejected(SMALLINT, "32768", RejectCode.OUT_OF_RANGE, "field \"v\": 32768 is out of range for smallint");
        assertRejected(
                INTEGER, "2147483648", RejectCode.OUT_OF_RANGE, "field \"v\": 2147483648 is out of range for integer");
        assertRejected(
                BIGINT,
                "9223372036854775808",
                RejectCode.OUT_OF_RANGE,
                "field \"v\": 9223372036854775808 is out of range for bigint");
        assertThat(code(BIGINT, "-9223372036854775809")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(BIGINT, "1e400")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(BIGINT, "9223372036854775808.0")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(SMALLINT, "32768.0")).isEqualTo(RejectCode.OUT_OF_RANGE);
    }

    @Test
    void numberWithZeroFractionIsAnInteger() {
        assertThat(value(BIGINT, "5.0")).isEqualTo(5L);
        assertThat(value(BIGINT, "5e2")).isEqualTo(500L);
        assertThat(value(INTEGER, "-7.000")).isEqualTo(-7);
        assertThat(value(BIGINT, "-0.0")).isEqualTo(0L);
    }

    @Test
    void aNumberWhoseExponentIsBeyondBigDecimalsIsOutOfRange() {
        assertRejected(
                BIGINT,
                "1e9999999999",
                RejectCode.OUT_OF_RANGE,
                "field \"v\": 1e9999999999 is out of range for bigint");
        assertThat(code(INTEGER, "-1.5e-9999999999")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(NUMERIC, "1e9999999999")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(numeric(5, 2), "1e-9999999999")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(DOUBLE, "1e9999999999")).isEqualTo(RejectCode.OUT_OF_RANGE);
    }

    @Test
    void zeroIsZeroHoweverLargeItsExponent() {
        assertThat(value(BIGINT, "0e999999999")).isEqualTo(0L);
        assertThat(value(SMALLINT, "-0.0e400")).isEqualTo((short) 0);
        assertThat(value(INTEGER, "0E+20")).isEqualTo(0);
    }

    @Test
    void nonIntegralNumberOrNonNumberIsTypeMismatchForAnInteger() {
        assertRejected(BIGINT, "1.5", RejectCode.TYPE_MISMATCH, "field \"v\": expected an integer for bigint, got 1.5");
        assertRejected(
                BIGINT, "\"5\"", RejectCode.TYPE_MISMATCH, "field \"v\": expected an integer for bigint, got a string");
        assertRejected(
                INTEGER,
                "true",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected an integer for integer, got a boolean");
        assertThat(code(SMALLINT, "{\"a\":1}")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(SMALLINT, "[1]")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(BIGINT, "1e-400")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // numeric

    @Test
    void numericIsRoundedHalfUpToTheDeclaredScale() {
        assertThat(value(numeric(12, 2), "2.5")).isEqualTo(new BigDecimal("2.50"));
        assertThat(value(numeric(12, 2), "12")).isEqualTo(new BigDecimal("12.00"));
        assertThat(value(numeric(12, 2), "0.005")).isEqualTo(new BigDecimal("0.01"));
        assertThat(value(numeric(12, 2), "-0.005")).isEqualTo(new BigDecimal("-0.01"));
        assertThat(value(numeric(12, 2), "0.0049999")).isEqualTo(new BigDecimal("0.00"));
        assertThat(value(numeric(12, 2), "1e-999999999")).isEqualTo(new BigDecimal("0.00"));
        assertThat(value(numeric(12, 2), "0")).isEqualTo(new BigDecimal("0.00"));
        assertThat(value(numeric(5, 2), "999.994")).isEqualTo(new BigDecimal("999.99"));
        assertThat(value(numeric(10, 0), "1.5e3")).isEqualTo(new BigDecimal("1500"));
    }

    @Test
    void numericIsReadExactlyNotThroughADouble() {
        assertThat(value(numeric(38, 20), "0.10000000000000000001"))
                .isEqualTo(new BigDecimal("0.10000000000000000001"));
    }

    @Test
    void numericNeedingMoreIntegerDigitsThanDeclaredIsOutOfRange() {
        assertRejected(
                numeric(5, 2),
                "999.995",
                RejectCode.OUT_OF_RANGE,
                "field \"v\": 999.995 is out of range for numeric(5,2)");
        assertThat(code(numeric(5, 2), "-999.995")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(numeric(5, 2), "1000")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(numeric(12, 2), "1e999999999")).isEqualTo(RejectCode.OUT_OF_RANGE);
    }

    @Test
    void unconstrainedNumericKeepsTheValueWithoutTrailingZeros() {
        assertThat(value(NUMERIC, "2.50")).isEqualTo(new BigDecimal("2.5"));
        assertThat(value(NUMERIC, "1e3")).isEqualTo(new BigDecimal("1000"));
        assertThat(value(NUMERIC, "1200")).isEqualTo(new BigDecimal("1200"));
        assertThat(value(NUMERIC, "0.000")).isEqualTo(new BigDecimal("0"));
        assertThat(value(NUMERIC, "12345678901234567890.123456789"))
                .isEqualTo(new BigDecimal("12345678901234567890.123456789"));
    }

    @Test
    void numericFromAStringIsTypeMismatch() {
        assertRejected(
                numeric(12, 2),
                "\"2.5\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected a number for numeric(12,2), got a string");
        assertThat(code(NUMERIC, "\"NaN\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(NUMERIC, "NaN")).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(code(NUMERIC, "Infinity")).isEqualTo(RejectCode.INVALID_JSON);
    }

    @Test
    void numberLongerThanJacksonsLimitIsInvalidJson() {
        Reject reject = (Reject) parser(NUMERIC).parse(line(1, "{\"id\":1,\"v\":1" + "0".repeat(1200) + "}"));

        assertThat(reject.code()).isEqualTo(RejectCode.INVALID_JSON);
        assertThat(reject.message()).isEqualTo("Number value length (1201) exceeds the maximum allowed (1000)");
    }

    // floating point

    @Test
    void floatingPointNumbersConvert() {
        assertThat(value(REAL, "1.5")).isEqualTo(1.5f);
        assertThat(value(REAL, "3")).isEqualTo(3f);
        assertThat(value(DOUBLE, "1e308")).isEqualTo(1e308);
        assertThat(value(DOUBLE, "0.1")).isEqualTo(0.1);
        assertThat(value(DOUBLE, "-0.0e5")).isEqualTo(-0.0);
    }

    @Test
    void floatingPointOverflowOrUnderflowIsOutOfRange() {
        assertRejected(REAL, "3.5e38", RejectCode.OUT_OF_RANGE, "field \"v\": 3.5e38 is out of range for real");
        assertThat(code(REAL, "1e-50")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(DOUBLE, "1e309")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(DOUBLE, "-1e400")).isEqualTo(RejectCode.OUT_OF_RANGE);
        assertThat(code(DOUBLE, "\"1.5\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // boolean

    @Test
    void booleanAcceptsOnlyTrueAndFalse() {
        assertThat(value(BOOLEAN, "true")).isEqualTo(Boolean.TRUE);
        assertThat(value(BOOLEAN, "false")).isEqualTo(Boolean.FALSE);
        assertRejected(
                BOOLEAN,
                "\"true\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected true or false for boolean, got a string");
        assertThat(code(BOOLEAN, "1")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // text

    @Test
    void textAcceptsOnlyStrings() {
        assertThat(value(TEXT, "\"h\\u00e9llo \\ud83d\\ude00\"")).isEqualTo("héllo 😀");
        assertThat(value(TEXT, "\"\"")).isEqualTo("");
        assertRejected(TEXT, "5", RejectCode.TYPE_MISMATCH, "field \"v\": expected a string for text, got a number");
    }

    @Test
    void textWithNulIsTypeMismatch() {
        assertRejected(
                TEXT,
                "\"a\\u0000b\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": contains the NUL character \\u0000, which PostgreSQL cannot store");
    }

    @Test
    void textWithUnpairedSurrogateIsTypeMismatch() {
        assertRejected(
                TEXT,
                "\"a\\ud800b\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": contains an unpaired surrogate \\ud800, which is not a character");
    }

    @Test
    void varcharCountsCharactersNotBytesOrUtf16Units() {
        assertThat(value(varchar(5), "\"héllo\"")).isEqualTo("héllo");
        assertThat(value(varchar(5), "\"😀😀😀😀😀\"")).isEqualTo("😀😀😀😀😀");
        assertThat(value(varchar(-1), "\"" + "x".repeat(5000) + "\"")).isEqualTo("x".repeat(5000));
    }

    @Test
    void stringLongerThanVarcharIsTooLong() {
        assertRejected(
                varchar(20),
                "\"" + "x".repeat(25) + "\"",
                RejectCode.TOO_LONG,
                "field \"v\": value is 25 characters, over character varying(20)");
        assertThat(code(varchar(5), "\"😀😀😀😀😀😀\"")).isEqualTo(RejectCode.TOO_LONG);
        assertThat(code(character(2), "\"abc\"")).isEqualTo(RejectCode.TOO_LONG);
        assertThat(value(character(3), "\"abc\"")).isEqualTo("abc");
    }

    // uuid

    @Test
    void uuidIsParsedFromItsCanonicalForm() {
        UUID expected = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        assertThat(value(UUID_TYPE, "\"123e4567-e89b-12d3-a456-426614174000\"")).isEqualTo(expected);
        assertThat(value(UUID_TYPE, "\"123E4567-E89B-12D3-A456-426614174000\"")).isEqualTo(expected);
        assertThat(value(UUID_TYPE, "\"ffffffff-ffff-ffff-ffff-ffffffffffff\"")).isEqualTo(new UUID(-1L, -1L));
    }

    @Test
    void uuidInAnyOtherFormIsTypeMismatch() {
        assertRejected(
                UUID_TYPE,
                "\"123e4567e89b12d3a456426614174000\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected a UUID like 123e4567-e89b-12d3-a456-426614174000 for uuid, got "
                        + "\"123e4567e89b12d3a456426614174000\"");
        assertThat(code(UUID_TYPE, "\"1-1-1-1-1\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(UUID_TYPE, "\"g23e4567-e89b-12d3-a456-426614174000\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(UUID_TYPE, "\"+23e4567-e89b-12d3-a456-426614174000\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(UUID_TYPE, "12")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // date and time

    @Test
    void dateIsParsedFromYearMonthDay() {
        assertThat(value(DATE, "\"2026-02-28\"")).isEqualTo(LocalDate.of(2026, 2, 28));
        assertThat(value(DATE, "\"2024-02-29\"")).isEqualTo(LocalDate.of(2024, 2, 29));
    }

    @Test
    void invalidDateIsTypeMismatch() {
        assertRejected(
                DATE,
                "\"2026-02-29\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected a date like 2026-01-31 for date, got \"2026-02-29\"");
        assertThat(code(DATE, "\"2026-1-01\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(DATE, "\"2026-01-01T00:00:00\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(DATE, "\"0000-01-01\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(DATE, "20260101")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    @Test
    void timestampIsALocalDateTimeWithEitherSeparator() {
        assertThat(value(TIMESTAMP, "\"2026-01-31T12:34:56.123456\""))
                .isEqualTo(LocalDateTime.of(2026, 1, 31, 12, 34, 56, 123_456_000));
        assertThat(value(TIMESTAMP, "\"2026-01-31 12:34:56\"")).isEqualTo(LocalDateTime.of(2026, 1, 31, 12, 34, 56));
        assertThat(value(TIMESTAMP, "\"2026-01-31T12:34\"")).isEqualTo(LocalDateTime.of(2026, 1, 31, 12, 34));
        assertThat(value(TIMESTAMP, "\"2026-01-31T12:34:56.5\""))
                .isEqualTo(LocalDateTime.of(2026, 1, 31, 12, 34, 56, 500_000_000));
    }

    @Test
    void timestampGivenAnOffsetIsTypeMismatch() {
        assertRejected(
                TIMESTAMP,
                "\"2026-01-31T12:34:56Z\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": timestamp without time zone given an offset: \"2026-01-31T12:34:56Z\"");
        assertThat(code(TIMESTAMP, "\"2026-01-31T12:34:56+01:00\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    @Test
    void malformedTimestampIsTypeMismatch() {
        assertRejected(
                TIMESTAMP,
                "\"2026-01-31T24:00:00\"",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected a timestamp like 2026-01-31T12:00:00 for timestamp without time zone, got "
                        + "\"2026-01-31T24:00:00\"");
        assertThat(code(TIMESTAMP, "\"2026-01-31\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMP, "\"2026-01-31T12:34:5\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMP, "\"2026-01-31T12:34:56.\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMP, "\"2026-01-31T12:34:56.1234567890\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMP, "\"2026-01-31X12:34:56\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMP, "1769862896")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    @Test
    void timestamptzIsNormalisedToUtc() {
        OffsetDateTime expected = OffsetDateTime.of(2026, 1, 1, 0, 0, 1, 500_000_000, ZoneOffset.UTC);
        assertThat(value(TIMESTAMPTZ, "\"2026-01-01T00:00:01.5Z\"")).isEqualTo(expected);
        assertThat(value(TIMESTAMPTZ, "\"2026-01-01 02:00:01.5+02:00\"")).isEqualTo(expected);
        assertThat(value(TIMESTAMPTZ, "\"2026-01-01T05:30:01.500+0530\"")).isEqualTo(expected);
        assertThat(value(TIMESTAMPTZ, "\"2025-12-31T19:00:01.5-05\"")).isEqualTo(expected);
        assertThat(value(TIMESTAMPTZ, "\"2026-01-01T00:00:01.5-00:00\"")).isEqualTo(expected);
    }

    @Test
    void timestamptzWithoutOffsetIsNaiveTimestamp() {
        assertRejected(
                TIMESTAMPTZ,
                "\"2026-01-01T00:00:01\"",
                RejectCode.NAIVE_TIMESTAMP,
                "field \"v\": timestamp \"2026-01-01T00:00:01\" has no offset; timestamp with time zone needs Z or ±hh:mm");
    }

    @Test
    void timestamptzWithImpossibleOffsetIsTypeMismatch() {
        assertThat(code(TIMESTAMPTZ, "\"2026-01-01T00:00:01+19:00\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMPTZ, "\"2026-01-01T00:00:01+01:60\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMPTZ, "\"2026-01-01T00:00:01Z+01\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(code(TIMESTAMPTZ, "\"2026-01-01T00:00:01+1\"")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // json

    @Test
    void jsonValueBecomesItsCompactText() {
        assertThat(value(JSONB, "{ \"a\" : [1, 2.50, \"x\", 1e3], \"b\" : null, \"c\": {} }"))
                .isEqualTo("{\"a\":[1,2.50,\"x\",1e3],\"b\":null,\"c\":{}}");
        assertThat(value(JSONB, "[ ]")).isEqualTo("[]");
        assertThat(value(JSON, "\"h\\u00e9\\\"\"")).isEqualTo("\"hé\\\"\"");
        assertThat(value(JSON, "0.1000000000000000000001")).isEqualTo("0.1000000000000000000001");
        assertThat(value(JSONB, "false")).isEqualTo("false");
        assertThat(value(JSON, "\"a\\nb\\u0001\\t\\\"/\\\\\"")).isEqualTo("\"a\\nb\\u0001\\t\\\"/\\\\\"");
    }

    @Test
    void jsonNullIsSqlNull() {
        Row row = row(JSONB, "null");
        assertThat(row.values()[1]).isNull();
        assertThat(row.present().get(1)).isTrue();
    }

    @Test
    void nulIsRefusedInJsonbButKeptInJson() {
        assertRejected(
                JSONB,
                "{\"a\":\"x\\u0000\"}",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": contains the NUL character \\u0000, which PostgreSQL cannot store in jsonb");
        assertThat(value(JSON, "{\"a\":\"x\\u0000\"}")).isEqualTo("{\"a\":\"x\\u0000\"}");
        assertThat(code(JSON, "[\"\\udc00\"]")).isEqualTo(RejectCode.TYPE_MISMATCH);
    }

    // arrays

    @Test
    void arrayConvertsEachElementWithNullsAllowed() {
        assertThat(value(arrayOf(BIGINT), "[1, null, 3]")).isEqualTo(new Long[] {1L, null, 3L});
        assertThat(value(arrayOf(TEXT), "[\"a\",\"b\"]")).isEqualTo(new String[] {"a", "b"});
        assertThat(value(arrayOf(numeric(5, 1)), "[1.25]")).isEqualTo(new BigDecimal[] {new BigDecimal("1.3")});
        assertThat(value(arrayOf(TEXT), "[]")).isEqualTo(new String[0]);
        assertThat(value(arrayOf(JSONB), "[[1], {\"a\": 1}, null]")).isEqualTo(new String[] {"[1]", "{\"a\":1}", null});
    }

    @Test
    void badArrayElementIsRejectedNamingTheElement() {
        assertRejected(
                arrayOf(BIGINT),
                "[1, \"2\", 3]",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": element 1: expected an integer for bigint, got a string");
        assertThat(code(arrayOf(varchar(1)), "[\"a\", \"bc\"]")).isEqualTo(RejectCode.TOO_LONG);
        assertThat(code(arrayOf(ColumnType.of(Kind.SMALLINT, "smallint")), "[70000]"))
                .isEqualTo(RejectCode.OUT_OF_RANGE);
    }

    @Test
    void nestedArrayOrNonArrayIsTypeMismatch() {
        assertRejected(
                arrayOf(BIGINT),
                "[[1], [2]]",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": element 0: a nested array, but bigint[] has one dimension");
        assertRejected(
                arrayOf(BIGINT),
                "1",
                RejectCode.TYPE_MISMATCH,
                "field \"v\": expected an array for bigint[], got a number");
    }

    @Test
    void fieldsAfterARejectedStructureAreStillRead() {
        Reject reject = (Reject) parser(arrayOf(BIGINT)).parse(line(1, "{\"v\":[[1,[2]],{\"a\":[3]},4],\"id\":9}"));

        assertThat(reject.code()).isEqualTo(RejectCode.TYPE_MISMATCH);
        assertThat(reject.key()).containsExactly(Map.entry("id", 9L));
    }

    private static RecordParser parser(ColumnType type) {
        return new RecordParser(Schemas.withValue(type), false, false);
    }

    private static Row row(ColumnType type, String json) {
        ParsedLine parsed = parser(type).parse(line(1, "{\"id\":1,\"v\":" + json + "}"));
        assertThat(parsed).isInstanceOf(Row.class);
        return (Row) parsed;
    }

    private static Object value(ColumnType type, String json) {
        return row(type, json).values()[1];
    }

    private static RejectCode code(ColumnType type, String json) {
        ParsedLine parsed = parser(type).parse(line(1, "{\"id\":1,\"v\":" + json + "}"));
        return parsed instanceof Reject reject ? reject.code() : null;
    }

    private static void assertRejected(ColumnType type, String json, RejectCode code, String message) {
        ParsedLine parsed = parser(type).parse(line(1, "{\"id\":1,\"v\":" + json + "}"));
        assertThat(parsed).isInstanceOf(Reject.class);
        Reject reject = (Reject) parsed;
        assertThat(reject.code()).isEqualTo(code);
        assertThat(reject.message()).isEqualTo(message);
        assertThat(reject.key()).containsExactly(Map.entry("id", 1L));
    }
}
