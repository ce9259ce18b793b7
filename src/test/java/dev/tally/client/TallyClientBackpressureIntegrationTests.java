package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Backpressure from Tally to the publisher: millions of lazily made records go through a client
 * whose JVM has a 64 MiB heap, and the publisher never sees more outstanding demand than the
 * documented prefetch. The count is {@code -Dtally.client.records} (default 1,000,000).
 */
@TallyIntegrationTest
class TallyClientBackpressureIntegrationTests {

    private static final long RECORDS = Long.getLong("tally.client.records", 1_000_000);
    private static final int PREFETCH = 512;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void aLargeUploadRunsInA64MiBHeapWithDemandBoundedByThePrefetch() throws Exception {
        db.update("TRUNCATE things");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(
                        java.toString(),
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BoundedHeapUpload.class.getName(),
                        "http://localhost:" + port,
                        TestTokens.ADMIN,
                        Long.toString(RECORDS),
                        Integer.toString(PREFETCH)))
                .redirectErrorStream(true)
                .start();
        String output = read(child);
        assertThat(child.waitFor(30, TimeUnit.MINUTES)).isTrue();

        assertThat(child.exitValue()).as(output).isZero();
        String result = output.lines()
                .filter(line -> line.startsWith("status="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result in: " + output));
        System.out.println("BoundedHeapUpload of " + RECORDS + " records: " + result);
        assertThat(result)
                .startsWith(
                        "status=completed received=" + RECORDS + " inserted=" + RECORDS + " emitted=" + RECORDS + " ");
        long maxOutstanding = Long.parseLong(result.replaceAll(".*maxOutstanding=(\\d+).*", "$1"));
        assertThat(maxOutstanding).isPositive().isLessThanOrEqualTo(PREFETCH);
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(RECORDS);
    }

    private static String read(Process child) throws IOException {
        return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
