package dev.tally.record;

import dev.tally.dataset.ColumnType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * JSON numbers to integer, numeric and floating-point columns. Only JSON numbers convert: a numeric
 * string such as {@code "5"} is a type mismatch, as it would be for a typed client.
 */
final class Numbers {

    /** PostgreSQL's numeric holds up to 131072 digits before the point and 16383 after. */
    private static final int NUMERIC_MAX_INTEGER_DIGITS = 131072;

    private static final int NUMERIC_MAX_SCALE = 16383;

    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private Numbers() {}

    /** SMALLINT → Short, INTEGER → Integer, BIGINT → Long; a number like 5.0 counts as an integer. */
    static Object integer(JsonParser parser, ColumnType type) {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                return outOfRange(parser, type);
            }
            return box(parser, type, parser.getLongValue());
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            BigDecimal value = decimal(parser);
            if (value == null) {
                return outOfRange(parser, type);
            }
            if (value.signum() == 0) {
                return box(parser, type, 0); // 0e999999999 is zero, though its exponent has many digits
            }
            if (!isIntegral(value)) {
                return Problem.mismatch(
                        "expected an integer for " + type.sqlType() + ", got " + Messages.number(parser.getString()));
            }
            if (integerDigits(value) > 19 || value.compareTo(LONG_MIN) < 0 || value.compareTo(LONG_MAX) > 0) {
                return outOfRange(parser, type);
            }
            return box(parser, type, value.longValue());
        }
        return Problem.mismatch("expected an integer for " + type.sqlType() + ", got " + Messages.got(parser));
    }

    private static Object box(JsonParser parser, ColumnType type, long value) {
        return switch (type.kind()) {
            case SMALLINT ->
                value < Short.MIN_VALUE || value > Short.MAX_VALUE
                        ? outOfRange(parser, type)
                        : Short.valueOf((short) value);
            case INTEGER ->
                value < Integer.MIN_VALUE || value > Integer.MAX_VALUE
                        ? outOfRange(parser, type)
                        : Integer.valueOf((int) value);
            default -> Long.valueOf(value);
        };
    }

    /**
     * NUMERIC → BigDecimal, read exactly from the text. A declared numeric(p,s) rounds half up to s
     * and refuses what then needs more than p-s integer digits; an unconstrained one keeps the
     * value, trailing zeros stripped, never with a negative scale.
     */
    static Object numeric(JsonParser parser, ColumnType type) {
        if (!isNumber(parser.currentToken())) {
            return Problem.mismatch("expected a number for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        BigDecimal value = decimal(parser);
        if (value == null) {
            return outOfRange(parser, type);
        }
        if (value.signum() == 0) {
            return BigDecimal.valueOf(0, Math.max(type.precision() < 0 ? 0 : type.scale(), 0));
        }
        return type.precision() < 0 ? unconstrained(parser, type, value) : rounded(parser, type, value);
    }

    private static Object unconstrained(JsonParser parser, ColumnType type, BigDecimal value) {
        if (integerDigits(value) > NUMERIC_MAX_INTEGER_DIGITS) {
            return outOfRange(parser, type);
        }
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() > NUMERIC_MAX_SCALE) {
            return outOfRange(parser, type);
        }
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    private static Object rounded(JsonParser parser, ColumnType type, BigDecimal value) {
        int scale = type.scale();
        long allowedDigits = (long) type.precision() - scale;
        // Checked before rounding, so that 1e999999999 is refused without building its digits.
        if (integerDigits(value) > allowedDigits) {
            return outOfRange(parser, type);
        }
        // Below half a unit of the last place it rounds to zero; checked so that 1e-999999999
        // is not divided by a billion-digit power of ten.
        if (integerDigits(value) < -(long) scale) {
            return BigDecimal.valueOf(0, Math.max(scale, 0));
        }
        BigDecimal result = value.setScale(scale, RoundingMode.HALF_UP);
        if (result.signum() != 0 && integerDigits(result) > allowedDigits) {
            return outOfRange(parser, type);
        }
        return scale < 0 ? result.setScale(0) : result;
    }

    /** REAL → Float, DOUBLE → Double: overflow and underflow to zero are out of range, as in PostgreSQL. */
    static Object floating(JsonParser parser, ColumnType type) {
        if (!isNumber(parser.currentToken())) {
            return Problem.mismatch("expected a number for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        String text = parser.getString();
        boolean real = type.kind() == ColumnType.Kind.REAL;
        double value = real ? Float.parseFloat(text) : Double.parseDouble(text);
        if (Double.isInfinite(value) || (value == 0 && hasNonZeroDigit(text))) {
            return outOfRange(parser, type);
        }
        return real ? (Object) Float.valueOf((float) value) : (Object) Double.valueOf(value);
    }

    /**
     * The number exactly, or null when its exponent is beyond BigDecimal's (an int): Jackson then
     * throws NumberFormatException, which is no JSON error and would escape the parser.
     */
    private static @Nullable BigDecimal decimal(JsonParser parser) {
        try {
            return parser.getDecimalValue();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isNumber(JsonToken token) {
        return token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT;
    }

    private static boolean isIntegral(BigDecimal value) {
        return value.scale() <= 0 || value.stripTrailingZeros().scale() <= 0;
    }

    /** Digits before the point of a non-zero value: 123.4 has 3, 0.05 has -1. */
    private static long integerDigits(BigDecimal value) {
        return (long) value.precision() - value.scale();
    }

    /** Whether the mantissa of a JSON number has a digit other than zero. */
    private static boolean hasNonZeroDigit(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                return false;
            }
            if (c >= '1' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    private static Problem outOfRange(JsonParser parser, ColumnType type) {
        return Problem.outOfRange(Messages.number(parser.getString()) + " is out of range for " + type.sqlType());
    }
}
