package dev.tally.record;

import dev.tally.dataset.ColumnType;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/** JSON strings to text, varchar(n), char(n) and uuid columns. */
final class Texts {

    private Texts() {}

    /** TEXT, VARCHAR, CHAR → String: a JSON string only, at most {@code length} code points. */
    static Object text(JsonParser parser, ColumnType type) {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return Problem.mismatch("expected a string for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        String value = parser.getString();
        String unstorable = unstorable(value, false);
        if (unstorable != null) {
            return Problem.mismatch(unstorable);
        }
        int limit = type.length();
        if (limit >= 0 && value.length() > limit) {
            int characters = value.codePointCount(0, value.length());
            if (characters > limit) {
                return new Problem(
                        RejectCode.TOO_LONG, "value is " + characters + " characters, over " + type.sqlType());
            }
        }
        return value;
    }

    /**
     * Why PostgreSQL could not store the string, or null: text cannot hold NUL, and an unpaired
     * surrogate (from a {@code \ud800} escape) has no UTF-8 form at all.
     *
     * @param nulAllowed true for a json column, which keeps {@code \u0000} as its escape
     */
    static @Nullable String unstorable(String value, boolean nulAllowed) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == 0 && !nulAllowed) {
                return "contains the NUL character \\u0000, which PostgreSQL cannot store";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    return String.format("contains an unpaired surrogate \\u%04x, which is not a character", (int) c);
                }
            }
        }
        return null;
    }

    /** UUID → java.util.UUID, from exactly 8-4-4-4-12 hex digits (either case). */
    static Object uuid(JsonParser parser, ColumnType type) {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return Problem.mismatch("expected a string for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        String value = parser.getString();
        UUID uuid = parseUuid(value);
        return uuid != null
                ? uuid
                : Problem.mismatch("expected a UUID like 123e4567-e89b-12d3-a456-426614174000 for " + type.sqlType()
                        + ", got " + Messages.quote(value));
    }

    private static @Nullable UUID parseUuid(String s) {
        if (s.length() != 36
                || s.charAt(8) != '-'
                || s.charAt(13) != '-'
                || s.charAt(18) != '-'
                || s.charAt(23) != '-') {
            return null;
        }
        long high = hex(s, 0, 8);
        long mid = hex(s, 9, 13);
        long version = hex(s, 14, 18);
        long variant = hex(s, 19, 23);
        long node = hex(s, 24, 36);
        if ((high | mid | version | variant | node) < 0) {
            return null;
        }
        return new UUID(high << 32 | mid << 16 | version, variant << 48 | node);
    }

    /** The hex digits in [from, to) as a number (at most 12 digits), or -1 if one is not hex. */
    private static long hex(String s, int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = hexDigit(s.charAt(i));
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
