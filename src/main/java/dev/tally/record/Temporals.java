package dev.tally.record;

import dev.tally.dataset.ColumnType;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * ISO-8601 strings to date, timestamp and timestamptz columns, read by hand: no regex, no
 * formatter, no exception for a bad value. Accepted: {@code yyyy-MM-dd}, then for timestamps
 * {@code T} (or a space) and {@code HH:mm[:ss[.fraction]]} with 1 to 9 fraction digits, then an
 * optional {@code Z} or {@code ±HH[:mm]} / {@code ±HHmm}. Years are 0001 to 9999.
 */
final class Temporals {

    private static final int NO_OFFSET = Integer.MIN_VALUE;
    private static final int MALFORMED = Integer.MIN_VALUE + 1;

    private Temporals() {}

    /** DATE → LocalDate, from exactly {@code yyyy-MM-dd}. */
    static Object date(JsonParser parser, ColumnType type) {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return Problem.mismatch("expected a string for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        String text = parser.getString();
        LocalDate date = text.length() == 10 ? date(text) : null;
        return date != null
                ? date
                : Problem.mismatch(
                        "expected a date like 2026-01-31 for " + type.sqlType() + ", got " + Messages.quote(text));
    }

    /**
     * TIMESTAMP → LocalDateTime, refusing an offset (it would be silently dropped); TIMESTAMPTZ →
     * OffsetDateTime in UTC, refusing a value without offset ({@code naive_timestamp}), since
     * guessing the zone would be guessing the instant.
     */
    static Object timestamp(JsonParser parser, ColumnType type) {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            return Problem.mismatch("expected a string for " + type.sqlType() + ", got " + Messages.got(parser));
        }
        String text = parser.getString();
        boolean zoned = type.kind() == ColumnType.Kind.TIMESTAMPTZ;
        LocalDate date = text.length() >= 16 ? date(text) : null;
        int end = date == null ? -1 : timeEnd(text);
        LocalDateTime local = date == null || end < 0 ? null : time(text, date, end);
        int offset = local == null ? MALFORMED : offsetSeconds(text, end);
        if (local == null || offset == MALFORMED) {
            String example = zoned ? "2026-01-31T12:00:00Z" : "2026-01-31T12:00:00";
            return Problem.mismatch("expected a timestamp like " + example + " for " + type.sqlType() + ", got "
                    + Messages.quote(text));
        }
        if (!zoned) {
            return offset == NO_OFFSET
                    ? local
                    : Problem.mismatch(type.sqlType() + " given an offset: " + Messages.quote(text));
        }
        if (offset == NO_OFFSET) {
            return new Problem(
                    RejectCode.NAIVE_TIMESTAMP,
                    "timestamp " + Messages.quote(text) + " has no offset; " + type.sqlType() + " needs Z or ±hh:mm");
        }
        OffsetDateTime value = OffsetDateTime.of(local, ZoneOffset.ofTotalSeconds(offset));
        return offset == 0 ? value : value.withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** The date in the first 10 characters, or null if they are not a valid yyyy-MM-dd. */
    private static @Nullable LocalDate date(String s) {
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || year < 1 || month < 1 || month > 12 || day < 1) {
            return null;
        }
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        int days =
                switch (month) {
                    case 2 -> leap ? 29 : 28;
                    case 4, 6, 9, 11 -> 30;
                    default -> 31;
                };
        return day <= days ? LocalDate.of(year, month, day) : null;
    }

    /** Where the time part {@code T HH:mm[:ss[.f]]} that starts at index 10 ends, or -1. */
    private static int timeEnd(String s) {
        char separator = s.charAt(10);
        if (separator != 'T' && separator != 't' && separator != ' ' || s.charAt(13) != ':') {
            return -1;
        }
        int i = 16;
        if (i < s.length() && s.charAt(i) == ':') {
            i += 3;
            if (i > s.length()) {
                return -1;
            }
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
                int fractionEnd = i + 1;
                while (fractionEnd < s.length() && isDigit(s.charAt(fractionEnd))) {
                    fractionEnd++;
                }
                int count = fractionEnd - i - 1;
                return count >= 1 && count <= 9 ? fractionEnd : -1;
            }
        }
        return i;
    }

    private static @Nullable LocalDateTime time(String s, LocalDate date, int end) {
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = end > 16 ? digits(s, 17, 19) : 0;
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nano = 0;
        if (end > 19) {
            int fraction = digits(s, 20, end);
            for (int i = end - 20; i < 9; i++) {
                fraction *= 10;
            }
            nano = fraction;
        }
        return LocalDateTime.of(date.getYear(), date.getMonthValue(), date.getDayOfMonth(), hour, minute, second, nano);
    }

    /** The offset after the time in seconds, NO_OFFSET when the text ends there, or MALFORMED. */
    private static int offsetSeconds(String s, int i) {
        int n = s.length();
        if (i == n) {
            return NO_OFFSET;
        }
        char sign = s.charAt(i);
        if (sign == 'Z' || sign == 'z') {
            return i + 1 == n ? 0 : MALFORMED;
        }
        if (sign != '+' && sign != '-' || i + 3 > n) {
            return MALFORMED;
        }
        int hours = digits(s, i + 1, i + 3);
        int minutes = 0;
        int rest = n - (i + 3);
        if (rest == 3 && s.charAt(i + 3) == ':') {
            minutes = digits(s, i + 4, n);
        } else if (rest == 2) {
            minutes = digits(s, i + 3, n);
        } else if (rest != 0) {
            return MALFORMED;
        }
        if (hours < 0 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 18 * 60) {
            return MALFORMED;
        }
        int seconds = (hours * 60 + minutes) * 60;
        return sign == '-' ? -seconds : seconds;
    }

    /** The decimal number in [from, to), or -1 if a character there is not an ASCII digit. */
    private static int digits(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
