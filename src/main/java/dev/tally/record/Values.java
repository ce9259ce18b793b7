package dev.tally.record;

import dev.tally.dataset.ColumnType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One JSON value to one column's Java value, or a {@link Problem}. Called with the parser on the
 * value's first token (never null: the caller handles JSON null); it always returns with the parser
 * on the value's last token, so the caller can read on whatever the outcome.
 */
final class Values {

    private Values() {}

    static Object convert(JsonParser parser, ColumnType type) {
        Object value =
                switch (type.kind()) {
                    case SMALLINT, INTEGER, BIGINT -> Numbers.integer(parser, type);
                    case NUMERIC -> Numbers.numeric(parser, type);
                    case REAL, DOUBLE -> Numbers.floating(parser, type);
                    case BOOLEAN -> bool(parser, type);
                    case TEXT, VARCHAR, CHAR -> Texts.text(parser, type);
                    case UUID -> Texts.uuid(parser, type);
                    case DATE -> Temporals.date(parser, type);
                    case TIMESTAMP, TIMESTAMPTZ -> Temporals.timestamp(parser, type);
                    case JSON, JSONB -> JsonText.copy(parser, type);
                    case ARRAY -> array(parser, type);
                };
        if (value instanceof Problem) {
            parser.skipChildren(); // a refused object or array is still read to its end
        }
        return value;
    }

    private static Object bool(JsonParser parser, ColumnType type) {
        return switch (parser.currentToken()) {
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default ->
                Problem.mismatch("expected true or false for " + type.sqlType() + ", got " + Messages.got(parser));
        };
    }

    /**
     * ARRAY → an array of the element kind's Java type ({@code Long[]}, {@code String[]} …), nulls
     * allowed. Only one dimension: an array inside is refused, except as a json or jsonb element.
     */
    private static Object array(JsonParser parser, ColumnType type) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            return Problem.mismatch("expected an array for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        // RecordParser refuses an array column without a scalar element type up front.
        ColumnType element = Objects.requireNonNull(type.element());
        boolean jsonElements = element.kind() == ColumnType.Kind.JSON || element.kind() == ColumnType.Kind.JSONB;
        List<Object> values = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            Object value;
            if (token == JsonToken.VALUE_NULL) {
                value = null;
            } else if (token == JsonToken.START_ARRAY && !jsonElements) {
                value = Problem.mismatch("a nested array, but " + type.sqlType() + " has one dimension");
                parser.skipChildren();
            } else {
                value = convert(parser, element);
            }
            if (value instanceof Problem problem) {
                skipToEnd(parser);
                return new Problem(problem.code(), "element " + values.size() + ": " + problem.detail());
            }
            values.add(value);
        }
        return values.toArray(newArray(element, values.size()));
    }

    private static void skipToEnd(JsonParser parser) {
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            parser.skipChildren();
        }
    }

    private static Object[] newArray(ColumnType element, int size) {
        return switch (element.kind()) {
            case SMALLINT -> new Short[size];
            case INTEGER -> new Integer[size];
            case BIGINT -> new Long[size];
            case NUMERIC -> new BigDecimal[size];
            case REAL -> new Float[size];
            case DOUBLE -> new Double[size];
            case BOOLEAN -> new Boolean[size];
            case TEXT, VARCHAR, CHAR, JSON, JSONB -> new String[size];
            case UUID -> new UUID[size];
            case DATE -> new LocalDate[size];
            case TIMESTAMP -> new LocalDateTime[size];
            case TIMESTAMPTZ -> new OffsetDateTime[size];
            case ARRAY -> new Object[size][];
        };
    }
}
