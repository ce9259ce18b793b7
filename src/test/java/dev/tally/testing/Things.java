package dev.tally.testing;

import dev.tally.TestDatabase;
import java.util.List;
import java.util.stream.LongStream;

/**
 * An upload into {@code things} whose table and counts are known for any prefix of it: line
 * {@code n} inserts {@code {"id":n,"label":"thing n"}}, except every 13th line, which is blank,
 * and every 17th (not 13th), which is invalid JSON and rejected.
 */
public final class Things {

    private Things() {}

    /** The table the policy tests start from: only things 1 ("a", "one") and 2 ("b", "two"), version 1. */
    public static void twoExisting(TestDatabase db) {
        db.update("TRUNCATE things");
        db.update(
                "INSERT INTO things (id, code, label, qty, version) VALUES (1, 'a', 'one', 1, 1), (2, 'b', 'two', 2, 1)");
    }

    /** Lines {@code first} to {@code last}, each ending in a newline. */
    public static String lines(long first, long last) {
        StringBuilder text = new StringBuilder();
        for (long n = first; n <= last; n++) {
            if (!isBlank(n)) {
                text.append("{\"id\":")
                        .append(n)
                        .append(",\"label\":\"thing ")
                        .append(n)
                        .append('"');
                text.append(isInvalid(n) ? "" : "}");
            }
            text.append('\n');
        }
        return text.toString();
    }

    public static String body(long lines) {
        return lines(1, lines);
    }

    /** The non-blank lines up to {@code last}. */
    public static long received(long last) {
        return LongStream.rangeClosed(1, last).filter(n -> !isBlank(n)).count();
    }

    /** The line numbers of the rejected lines up to {@code last}. */
    public static List<Long> invalid(long last) {
        return LongStream.rangeClosed(1, last).filter(Things::isInvalid).boxed().toList();
    }

    /** The table's rows, as {@code [id, label]}, after lines 1 to {@code last} were applied. */
    public static List<List<Object>> rows(long last) {
        return LongStream.rangeClosed(1, last)
                .filter(n -> !isBlank(n) && !isInvalid(n))
                .mapToObj(n -> List.<Object>of(n, "thing " + n))
                .toList();
    }

    /** The table as it is, in the same form. */
    public static List<List<Object>> table(TestDatabase db) {
        return db.query("SELECT id, label FROM things ORDER BY id").stream()
                .map(row -> List.of(row.get("id"), row.get("label")))
                .toList();
    }

    private static boolean isBlank(long n) {
        return n % 13 == 0;
    }

    private static boolean isInvalid(long n) {
        return n % 17 == 0 && !isBlank(n);
    }
}
