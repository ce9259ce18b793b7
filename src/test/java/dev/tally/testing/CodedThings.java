package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Lines of {@code things} with every column a unique index looks at: {@code {"id":n,"code":"cn","label":"thing n"}}. */
public final class CodedThings {

    private CodedThings() {}

    /** Lines {@code first} to {@code last}, each ending in a newline. */
    public static List<String> lines(int first, int last) {
        return IntStream.rangeClosed(first, last)
                .mapToObj(id -> "{\"id\":%d,\"code\":\"c%d\",\"label\":\"thing %d\"}\n".formatted(id, id, id))
                .toList();
    }

    /** The table holds lines 1..lines, each once, as sent. */
    public static void assertTable(TestDatabase db, int lines) {
        assertThat(db.query("SELECT count(*) AS rows, count(DISTINCT id) AS ids, min(id) AS first, max(id) AS last,"
                        + " count(*) FILTER (WHERE code = 'c' || id AND label = 'thing ' || id) AS as_sent"
                        + " FROM things"))
                .containsExactly(Map.of(
                        "rows", (long) lines,
                        "ids", (long) lines,
                        "first", 1L,
                        "last", (long) lines,
                        "as_sent", (long) lines));
    }
}
