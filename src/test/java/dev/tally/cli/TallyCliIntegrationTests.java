package dev.tally.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.Things;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tally upload | watch | jobs} run in-process against the service: the exit code, the summary's
 * numbers, the rejected file's lines and the table, for {@link Things} files whose outcomes are known
 * line by line (the test profile cuts a chunk every 100 records).
 */
@TallyIntegrationTest
class TallyCliIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // Things 1 to 250: lines 13, 26, … are blank, 17, 34, … (not 221) invalid JSON.
    private static final long LINES = 250;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @TempDir
    Path dir;

    private Map<String, String> env;

    @BeforeEach
    void emptyTable() {
        db.update("TRUNCATE things");
        env = Map.of("TALLY_URL", "http://localhost:" + port, "TALLY_TOKEN", TestTokens.ADMIN);
    }

    @Test
    void uploadReportsEveryLineAndWritesTheRejectedOnes() throws IOException {
        Path file = write("things.ndjson", Things.body(LINES).getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.REJECTED);
        String job = jobOf(run);
        long rejected = Things.invalid(LINES).size();
        long received = Things.received(LINES);
        assertThat(summaryOf(run, 8))
                .isEqualTo(summary(job, "completed", received, received - rejected, 0, rejected, "250, 3 chunks"));
        Path rejectedFile = dir.resolve("things.ndjson.rejected.ndjson");
        assertThat(run.outLines().subList(8, 10))
                .containsExactly(
                        "Rejected lines (13), with their codes: " + rejectedFile,
                        "  the lines themselves, to fix and send again: jq -r .text " + rejectedFile);
        assertRejectedFile(rejectedFile, Things.invalid(LINES));
        assertThat(Things.table(db)).isEqualTo(Things.rows(LINES));
        assertThat(db.query("SELECT status, received, inserted, rejected FROM tally.job WHERE id = ?::uuid", job))
                .containsExactly(Map.of(
                        "status",
                        "completed",
                        "received",
                        received,
                        "inserted",
                        received - rejected,
                        "rejected",
                        rejected));
        // Not a terminal: a plain progress line for the first chunk, and the final state at the end.
        assertThat(run.errLines().getFirst()).startsWith("[").contains("] ").contains(" 108 lines ");
        assertThat(run.errLines().getLast())
                .startsWith("[####################] 100%  250 lines  ")
                .endsWith("  | inserted 218  updated 0  unchanged 0  skipped 0  rejected 13");
    }

    @Test
    void aGzipFileIsSentAsItIsAndDecodedByTheService() throws IOException {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzip)) {
            out.write(Things.body(LINES).getBytes(UTF_8));
        }
        Path file = write("things.ndjson.gz", gzip.toByteArray());

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.REJECTED);
        long rejected = Things.invalid(LINES).size();
        long received = Things.received(LINES);
        assertThat(summaryOf(run, 8))
                .isEqualTo(
                        summary(jobOf(run), "completed", received, received - rejected, 0, rejected, "250, 3 chunks"));
        assertRejectedFile(dir.resolve("things.ndjson.gz.rejected.ndjson"), Things.invalid(LINES));
        assertThat(Things.table(db)).isEqualTo(Things.rows(LINES));
    }

    @Test
    void onConflictUpdateUpdatesTheExistingRowsAndAllowRejectsExitsZero() throws IOException {
        Things.twoExisting(db);
        Path file = write("things.ndjson", Things.body(30).getBytes(UTF_8));

        CliRun run = CliRun.of(
                env, "upload", file.toString(), "--dataset", "things", "--on-conflict", "update", "--allow-rejects");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.OK);
        // 28 records: things 1 and 2 exist, line 17 is invalid, line 26 blank.
        assertThat(summaryOf(run, 8)).isEqualTo(summary(jobOf(run), "completed", 28, 25, 2, 1, "30, 1 chunk"));
        assertRejectedFile(dir.resolve("things.ndjson.rejected.ndjson"), List.of(17L));
        assertThat(Things.table(db)).isEqualTo(Things.rows(30));
    }

    @Test
    void aFailedJobExitsOneWithItsErrorAndWhatItCommitted() throws IOException {
        db.update("INSERT INTO things (id, label) VALUES (150, 'there before')");
        Path file = write("things.ndjson", Things.body(LINES).getBytes(UTF_8));
        Path stale = write("things.ndjson.rejected.ndjson", "{\"line\":1}\n".getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things", "--on-conflict", "fail");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.JOB_FAILED);
        // Chunk 1 (lines 1 to 108, 100 records) committed; chunk 2 holds line 150 and was rolled back.
        List<Long> invalid = Things.invalid(108);
        List<String> expected = new ArrayList<>(
                summary(jobOf(run), "failed", 100, 100 - invalid.size(), 0, invalid.size(), "108, 1 chunk"));
        expected.add(
                "  error      key_exists at line 150: line 150: the key {\"id\":150} already exists and onConflict=fail");
        assertThat(summaryOf(run, 9)).isEqualTo(expected);
        assertRejectedFile(stale, invalid);
        List<List<Object>> table = new ArrayList<>(Things.rows(108));
        table.add(List.of(150L, "there before"));
        assertThat(Things.table(db)).isEqualTo(table);
    }

    @Test
    void nothingRejectedRemovesAStaleRejectedFileAndExitsZero() throws IOException {
        Path file = write("things.ndjson", Things.body(16).getBytes(UTF_8));
        Path stale = write("things.ndjson.rejected.ndjson", "{\"line\":1}\n".getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.OK);
        assertThat(summaryOf(run, run.outLines().size()))
                .isEqualTo(summary(jobOf(run), "completed", 15, 15, 0, 0, "16, 1 chunk"));
        assertThat(stale).doesNotExist();
        assertThat(Things.table(db)).isEqualTo(Things.rows(16));
    }

    @Test
    void anUnknownDatasetExitsThreeWithTheProblem() throws IOException {
        Path file = write("things.ndjson", Things.body(10).getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "nope");

        assertThat(run.exit()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly("tally: 404 Unknown dataset: No dataset named 'nope' is configured");
        assertThat(Things.table(db)).isEmpty();
    }

    @Test
    void aBadTokenOrNoneExitsThreeAndSaysWhich() throws IOException {
        Path file = write("things.ndjson", Things.body(10).getBytes(UTF_8));
        String url = "http://localhost:" + port;

        CliRun wrong = CliRun.of(
                Map.of("TALLY_URL", url), "upload", file.toString(), "--dataset", "things", "--token", "wrong");
        CliRun none = CliRun.of(Map.of("TALLY_URL", url), "jobs");

        assertThat(wrong.exit()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(wrong.errLines())
                .containsExactly(
                        "tally: 401 Unknown token: The token is not one this service issued, or it was revoked");
        assertThat(none.exit()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(none.errLines())
                .containsExactly(
                        "tally: 401 No token: Send a token in the header Authorization: Bearer <token>",
                        "tally: no token was given: pass --token or set TALLY_TOKEN");
        assertThat(Things.table(db)).isEmpty();
    }

    @Test
    void aServiceThatIsNotThereExitsThree() throws IOException {
        Path file = write("things.ndjson", Things.body(10).getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things", "--url", "http://localhost:1");

        assertThat(run.exit()).isEqualTo(ExitCode.UNREACHABLE);
        // A closed port, said as a terminal says it: not a name that cannot be resolved, no class name.
        assertThat(run.errLines())
                .containsExactly("tally: cannot reach http://localhost:1: connection refused"
                        + " (is the service running, and on that port?)");
    }

    @Test
    void aHostThatDoesNotExistIsSaidInPlainWords() {
        CliRun run = CliRun.of(env, "jobs", "--url", "http://tally.invalid:8080");

        assertThat(run.exit()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.errLines())
                .containsExactly("tally: cannot reach http://tally.invalid:8080: the host name could not be resolved");
    }

    @Test
    void watchOfAFinishedJobPrintsTheSameSummary() throws IOException {
        Path file = write("things.ndjson", Things.body(LINES).getBytes(UTF_8));
        CliRun upload = CliRun.of(env, "upload", file.toString(), "--dataset", "things");

        Path rejectedFile = dir.resolve("watched.rejected.ndjson");
        CliRun watch = CliRun.of(env, "watch", jobOf(upload), "--rejected-file", rejectedFile.toString());

        assertThat(watch.exit()).as(watch.err()).isEqualTo(ExitCode.REJECTED);
        assertThat(watch.outLines().subList(0, 8)).isEqualTo(upload.outLines().subList(0, 8));
        // The rejected lines are saved as upload saves them, not left as an API path to fetch.
        assertThat(watch.outLines().subList(8, 10))
                .containsExactly(
                        "Rejected lines (13), with their codes: " + rejectedFile,
                        "  the lines themselves, to fix and send again: jq -r .text " + rejectedFile);
        assertRejectedFile(rejectedFile, Things.invalid(LINES));
        assertThat(rejectedFile).hasSameTextualContentAs(dir.resolve("things.ndjson.rejected.ndjson"));
        // The job event's bytesTotal (the upload's Content-Length) and the chunks' bytesRead draw the bar.
        assertThat(watch.errLines().getLast())
                .startsWith("[####################] 100%  250 lines  ")
                .endsWith("  | inserted 218  updated 0  unchanged 0  skipped 0  rejected 13");
        assertThat(CliRun.of(env, "watch", jobOf(upload), "--allow-rejects", "--rejected-file", rejectedFile.toString())
                        .exit())
                .isEqualTo(ExitCode.OK);
    }

    @Test
    void watchOfAnUnknownJobExitsThree() {
        CliRun run = CliRun.of(env, "watch", "9b2f6a54-0000-4000-8000-000000000000");

        assertThat(run.exit()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.errLines())
                .containsExactly("tally: 404 Unknown job: No job with id '9b2f6a54-0000-4000-8000-000000000000'");
    }

    @Test
    void aDryRunReportsTheOutcomesAndKeepsNothing() throws IOException {
        Path file = write("things.ndjson", Things.body(30).getBytes(UTF_8));

        CliRun run = CliRun.of(env, "upload", file.toString(), "--dataset", "things", "--dry-run");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.REJECTED);
        List<String> expected = new ArrayList<>(summary(jobOf(run), "completed", 28, 27, 0, 1, "30, 1 chunk"));
        expected.add("  nothing was kept: this was a dry run, whose outcomes are rolled back");
        assertThat(summaryOf(run, 9)).isEqualTo(expected);
        assertThat(Things.table(db)).isEmpty();
    }

    @Test
    void anAtomicUploadThatFailedSaysItKeptNothing() throws IOException {
        db.update("INSERT INTO things (id, label) VALUES (20, 'there before')");
        Path file = write("things.ndjson", Things.body(30).getBytes(UTF_8));

        CliRun run =
                CliRun.of(env, "upload", file.toString(), "--dataset", "things", "--atomic", "--on-conflict", "fail");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.JOB_FAILED);
        assertThat(run.outLines())
                .contains("  nothing was kept: the atomic upload did not complete, so all of it was rolled back");
        assertThat(Things.table(db)).isEqualTo(List.of(List.of(20L, "there before")));
    }

    @Test
    void aFileThatBreaksOffExitsOneAndTheJobIsAborted() throws IOException, InterruptedException {
        Path file = write("things.ndjson", Things.body(LINES).getBytes(UTF_8));
        HeldBack held = new HeldBack(Things.lines(1, 150), () -> {
            throw new IOException("disk gone");
        });

        CliRun run = CliRun.of(env, held::open, held.tap, "upload", file.toString(), "--dataset", "things");

        assertThat(run.exit()).isEqualTo(ExitCode.JOB_FAILED);
        String job = run.errLines().getLast().replaceFirst(".* ", "");
        assertThat(run.errLines())
                .endsWith(
                        "tally: reading " + file + " failed: disk gone",
                        "tally: the service ends job " + job + " as aborted: tally watch " + job);
        assertThat(statusSoon(job, "aborted")).isEqualTo("aborted");
        assertThat(Things.table(db)).isEqualTo(Things.rows(108));
    }

    @Test
    void jobsListsTheJobsAsATable() throws IOException {
        Path file = write("things.ndjson", Things.body(30).getBytes(UTF_8));
        String first = jobOf(CliRun.of(env, "upload", file.toString(), "--dataset", "things"));
        String second =
                jobOf(CliRun.of(env, "upload", file.toString(), "--dataset", "things", "--on-conflict", "update"));

        CliRun run = CliRun.of(env, "jobs", "--dataset", "things", "--limit", "2");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.OK);
        assertThat(run.outLines()).hasSize(3);
        assertThat(run.outLines().getFirst().split(" +"))
                .containsExactly(
                        "JOB",
                        "DATASET",
                        "STATUS",
                        "STARTED",
                        "SECONDS",
                        "RECEIVED",
                        "INSERTED",
                        "UPDATED",
                        "UNCHANGED",
                        "SKIPPED",
                        "REJECTED");
        // Newest first; the started column is a date and a time.
        assertThat(cells(run.outLines().get(1)))
                .containsExactly(second, "things", "completed", "28", "0", "0", "27", "0", "1");
        assertThat(cells(run.outLines().get(2)))
                .containsExactly(first, "things", "completed", "28", "27", "0", "0", "0", "1");
        assertThat(run.outLines().get(1).split(" +")[3])
                .isEqualTo(startedAt(second).substring(0, 10));
    }

    /**
     * The client reads events while it sends: the file stops after 150 lines until a chunk's progress
     * line is printed, which a client that sends the whole body before reading would never print.
     */
    @Test
    void progressArrivesWhileTheFileIsStillBeingSent() throws IOException {
        Path file = write("things.ndjson", Things.body(LINES).getBytes(UTF_8));
        HeldBack held = new HeldBack(
                Things.lines(1, 150),
                () -> new ByteArrayInputStream(Things.lines(151, LINES).getBytes(UTF_8)));

        CliRun run = CliRun.of(env, held::open, held.tap, "upload", file.toString(), "--dataset", "things");

        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.REJECTED);
        assertThat(held.released).isTrue();
        // The first progress line is chunk 1's, printed while lines 151 to 250 were held back.
        assertThat(run.errLines().getFirst()).contains(" 108 lines ").endsWith("rejected 6");
        assertThat(Things.table(db)).isEqualTo(Things.rows(LINES));
    }

    /**
     * A file that gives its first lines, then holds back until a progress line was printed (which
     * takes a chunk event), then goes on with what {@code rest} opens; after 30 s without progress
     * it fails instead.
     */
    private static final class HeldBack {

        interface Rest {
            InputStream open() throws IOException;
        }

        private final CountDownLatch progressShown = new CountDownLatch(1);
        private final String first;
        private final Rest rest;
        final AtomicBoolean released = new AtomicBoolean();
        final OutputStream tap = new OutputStream() {
            private final StringBuilder seen = new StringBuilder();

            @Override
            public void write(int b) {
                seen.append((char) b);
                if (seen.indexOf(" lines ") >= 0) {
                    progressShown.countDown();
                }
            }
        };

        HeldBack(String first, Rest rest) {
            this.first = first;
            this.rest = rest;
        }

        InputStream open(Path ignored) {
            return new SequenceInputStream(new ByteArrayInputStream(first.getBytes(UTF_8)), new InputStream() {
                private InputStream after;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    if (after == null) {
                        try {
                            if (!progressShown.await(30, TimeUnit.SECONDS)) {
                                throw new IOException("no progress after 30 s with the body half sent");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                        released.set(true);
                        after = rest.open();
                    }
                    return after.read(buffer, offset, length);
                }
            });
        }
    }

    private String statusSoon(String job, String expected) throws InterruptedException {
        String status = "";
        for (int i = 0; i < 100 && !status.equals(expected); i++) {
            Thread.sleep(100);
            status = db.query("SELECT status FROM tally.job WHERE id = ?::uuid", job)
                    .getFirst()
                    .get("status")
                    .toString();
        }
        return status;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** The summary's first eight lines, the last without its timing. */
    private static List<String> summary(
            String job, String status, long received, long inserted, long updated, long rejected, String lines) {
        return List.of(
                "Job " + job + " " + status + " (dataset things)",
                "  received   " + received,
                "  inserted   " + inserted,
                "  updated    " + updated,
                "  unchanged  0",
                "  skipped    0",
                "  rejected   " + rejected,
                "  lines      " + lines + " in " + "…");
    }

    /** The first {@code n} lines of stdout, the timing of the summary's lines line cut off. */
    private static List<String> summaryOf(CliRun run, int n) {
        assertThat(run.outLines()).as(run.err()).hasSizeGreaterThanOrEqualTo(n);
        return run.outLines().subList(0, n).stream()
                .map(line -> line.replaceFirst(" in [0-9.]+ s, [0-9,]+ rows/s$", " in …"))
                .toList();
    }

    private static String jobOf(CliRun run) {
        String first = run.outLines().getFirst();
        assertThat(first).as(run.err()).startsWith("Job ");
        return first.split(" ")[1];
    }

    /** Every rejected line, in order, with its code and original text. */
    private static void assertRejectedFile(Path file, List<Long> lines) throws IOException {
        List<JsonNode> rows =
                Files.readAllLines(file).stream().map(JSON::readTree).toList();
        assertThat(rows).extracting(row -> row.get("line").asLong()).isEqualTo(lines);
        for (JsonNode row : rows) {
            long line = row.get("line").asLong();
            assertThat(row.get("outcome").asString()).isEqualTo("rejected");
            assertThat(row.get("code").asString()).isEqualTo("invalid_json");
            assertThat(row.get("text").asString())
                    .isEqualTo(Things.lines(line, line).strip());
        }
    }

    /** A table row without its start time and seconds, which the test cannot know. */
    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>(List.of(row.split(" +")));
        cells.subList(3, 6).clear();
        return cells;
    }

    private String startedAt(String job) {
        return db.query(
                        "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM tally.job WHERE id = ?::uuid",
                        job)
                .getFirst()
                .get("day")
                .toString();
    }
}
