package dev.tally.loadtests;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The standard workload's lines (docs/benchmark.md), the same bytes as {@code workload.py
 * generate}: no randomness, a line depends only on its key {@code i} and version {@code v}.
 */
final class Workload {

    private static final String[] TIERS = {"gold", "silver", "bronze"};
    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    private static final DateTimeFormatter UTC_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    /** Lines checked against workload.py's own spot checks (SPOT in workload/selftest.py), so both agree. */
    private static final Map<long[], String> SPOT = Map.of(
            new long[] {1, 0},
            "{\"id\":1,\"email\":\"c1@example.com\",\"name\":\"Customer 1 v0\",\"balance\":0.37,"
                    + "\"attrs\":{\"tier\":\"silver\",\"n\":1},\"updated_at\":\"2026-01-01T00:00:01Z\"}",
            new long[] {1, 1},
            "{\"id\":1,\"email\":\"c1@example.com\",\"name\":\"Customer 1 v1\",\"balance\":0.37,"
                    + "\"attrs\":{\"tier\":\"silver\",\"n\":1},\"updated_at\":\"2026-01-02T00:00:01Z\"}",
            new long[] {27027, 0},
            "{\"id\":27027,\"email\":\"c27027@example.com\",\"name\":\"Customer 27027 v0\",\"balance\":9999.99,"
                    + "\"attrs\":{\"tier\":\"gold\",\"n\":0},\"updated_at\":\"2026-01-01T07:30:27Z\"}",
            new long[] {100000, 0},
            "{\"id\":100000,\"email\":\"c100000@example.com\",\"name\":\"Customer 100000 v0\",\"balance\":7000.00,"
                    + "\"attrs\":{\"tier\":\"silver\",\"n\":5},\"updated_at\":\"2026-01-02T03:46:40Z\"}",
            new long[] {1000000, 1},
            "{\"id\":1000000,\"email\":\"c1000000@example.com\",\"name\":\"Customer 1000000 v1\",\"balance\":0.00,"
                    + "\"attrs\":{\"tier\":\"silver\",\"n\":1},\"updated_at\":\"2026-01-13T13:46:40Z\"}");

    private Workload() {}

    /** The line for key {@code i}, version {@code v}, without its {@code \n}. */
    static String line(long i, int v) {
        long cents = i * 37 % 1_000_000;
        String balance = (cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + (cents % 100);
        String updatedAt = UTC_SECONDS.format(EPOCH.plusSeconds(i + v * 86_400L));
        return "{\"id\":" + i + ",\"email\":\"c" + i + "@example.com\",\"name\":\"Customer " + i + " v" + v
                + "\",\"balance\":" + balance + ",\"attrs\":{\"tier\":\"" + TIERS[(int) (i % 3)] + "\",\"n\":"
                + (i % 7) + "},\"updated_at\":\"" + updatedAt + "\"}";
    }

    /** An NDJSON body of keys {@code first .. first+count-1}, version {@code v}, each line {@code \n}-terminated. */
    static byte[] body(long first, int count, int v) {
        StringBuilder sb = new StringBuilder(count * 160);
        for (long i = first; i < first + count; i++) {
            sb.append(line(i, v)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Throws unless the generator reproduces workload.py's spot lines. */
    static void selfCheck() {
        SPOT.forEach((key, expected) -> {
            String actual = line(key[0], (int) key[1]);
            if (!actual.equals(expected)) {
                throw new IllegalStateException(
                        "workload line for i=%d v=%d differs from workload.py:%n  got      %s%n  expected %s"
                                .formatted(key[0], key[1], actual, expected));
            }
        });
    }
}
