package dev.tally.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.loadtests.UploadLog.Event;
import dev.tally.loadtests.UploadLog.Upload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The after hook's work: throughput, the "commit → event received" latency, and the checks that
 * Gatling's per-message checks cannot make (a whole stream's chunk events, the table contents).
 */
final class RunReport {

    private final Settings settings;
    private final List<Upload> uploads;
    /** Problems in what the streams said; each also failed its uploader's requests. */
    private final List<String> streamProblems = new ArrayList<>();
    /** Problems only the database shows: the after hook fails the run on these. */
    private final List<String> problems = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    record Settings(
            int uploaders,
            int linesPerUpload,
            String baseUrl,
            String dbUrl,
            String dbUser,
            String dbPassword,
            java.time.Duration statsWait) {}

    private final DatabaseCounters before;

    RunReport(Settings settings, List<Upload> uploads, DatabaseCounters before) {
        this.settings = settings;
        this.before = before;
        this.uploads = new ArrayList<>(uploads);
        this.uploads.sort(Comparator.comparingInt(Upload::uploader));
    }

    /**
     * The problems that no Gatling check saw: what the database shows although every stream looked
     * right. Empty when a stream problem already failed the run (it explains the rest).
     */
    List<String> unexplainedProblems() {
        return streamProblems.isEmpty() ? problems : List.of();
    }

    /** Builds the report; the text is also written to {@code out}. */
    String build(Path out) throws SQLException, IOException {
        int u = settings.uploaders();
        long k = settings.linesPerUpload();
        lines.add("Gatling ConcurrentUploadsSimulation — %s, uploaders=%d, linesPerUpload=%d"
                .formatted(settings.baseUrl(), u, k));

        checkStreams();

        // Throughput: every line of every upload over the scenario's wall time, from the first
        // request sent to the last final event received.
        long start = uploads.stream().mapToLong(Upload::sentAt).min().orElse(0);
        long end = uploads.stream().mapToLong(Upload::endedAt).max().orElse(0);
        double seconds = (end - start) / 1000.0;
        long totalLines = u * k;
        lines.add("wall time        %.3f s (first request sent → last final event received)".formatted(seconds));
        long incomplete = uploads.stream().filter(x -> !isCompleted(x)).count() + (u - uploads.size());
        lines.add(incomplete == 0
                ? "rows/s           %.0f (%d lines / wall time)".formatted(totalLines / seconds, totalLines)
                : "rows/s           n/a: %d of %d uploads did not complete".formatted(incomplete, u));
        double[] uploadSeconds = uploads.stream()
                .mapToDouble(x -> (x.endedAt() - x.sentAt()) / 1000.0)
                .sorted()
                .toArray();
        if (uploadSeconds.length > 0) {
            lines.add("upload time      min %.3f s, p50 %.3f s, max %.3f s (per uploader, request sent → final event)"
                    .formatted(uploadSeconds[0], percentile(uploadSeconds, 50), uploadSeconds[uploadSeconds.length - 1]));
        }

        double[] firstChunk = uploads.stream()
                .flatMapToDouble(x -> x.events().stream()
                        .filter(e -> "chunk".equals(e.name()))
                        .limit(1)
                        .mapToDouble(e -> (e.receivedAt() - x.sentAt()) / 1000.0))
                .sorted()
                .toArray();
        if (firstChunk.length > 0) {
            lines.add("first chunk event min %.3f s, p50 %.3f s, max %.3f s after the request was sent"
                    .formatted(firstChunk[0], percentile(firstChunk, 50), firstChunk[firstChunk.length - 1]));
        }
        int[] chunksPerUpload = uploads.stream()
                .filter(x -> x.finalEvent() != null)
                .mapToInt(x -> x.finalEvent().path("data").path("chunks").asInt())
                .sorted()
                .toArray();
        long[] linesPerChunk = uploads.stream()
                .flatMap(x -> x.events().stream())
                .filter(e -> "chunk".equals(e.name()))
                .mapToLong(e -> e.data().path("counts").path("received").asLong())
                .sorted()
                .toArray();
        int chunkSize = uploads.stream()
                .flatMap(x -> x.events().stream())
                .filter(e -> "job".equals(e.name()))
                .mapToInt(e -> e.data().path("chunkSize").asInt())
                .max()
                .orElse(0);
        if (chunksPerUpload.length > 0 && linesPerChunk.length > 0) {
            lines.add("chunks           %d..%d per upload; %d..%d lines per chunk event, %d events under chunkSize=%d"
                    .formatted(
                            chunksPerUpload[0],
                            chunksPerUpload[chunksPerUpload.length - 1],
                            linesPerChunk[0],
                            linesPerChunk[linesPerChunk.length - 1],
                            Arrays.stream(linesPerChunk).filter(n -> n < chunkSize).count(),
                            chunkSize));
        }

        try (Connection db = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
            latency(db);
            checkTable(db, totalLines);
            counters(db, totalLines);
        }

        lines.add("failed uploads   %d of %d".formatted(incomplete, u));
        section("stream problems ", streamProblems, " (each also failed its uploader's checks)");
        section("database problems", problems, "");
        String text = String.join(System.lineSeparator(), lines) + System.lineSeparator();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text);
        return text;
    }

    private void section(String title, List<String> list, String note) {
        if (list.isEmpty()) {
            lines.add(title + " none");
        } else {
            lines.add(title + " " + list.size() + note + ":");
            list.forEach(p -> lines.add("  - " + p));
        }
    }

    private boolean isCompleted(Upload upload) {
        return upload.finalEvent() != null
                && "completed".equals(upload.finalEvent().path("event").asText())
                && upload.finalEvent().path("data").path("totals").path("inserted").asLong(-1)
                        == settings.linesPerUpload();
    }

    /**
     * One stream's own consistency: one job event, chunk events of that job covering chunks 1..n
     * exactly once, their counts adding up to the final totals, which are K inserted of K received.
     * Empty when all holds. Called per uploader as soon as its stream ended.
     */
    static List<String> streamProblems(Upload upload, long k) {
        List<String> problems = new ArrayList<>();
        String who = "uploader %d (job %s)".formatted(upload.uploader(), upload.job());
        JsonNode fin = upload.finalEvent();
        if (fin == null) {
            problems.add(who + ": no final event; events seen: " + names(upload.events()));
            return problems;
        }
        JsonNode data = fin.path("data");
        String status = fin.path("event").asText();
        JsonNode totals = data.path("totals");
        if (!"completed".equals(status)
                || totals.path("received").asLong(-1) != k
                || totals.path("inserted").asLong(-1) != k) {
            problems.add(who + ": final event " + fin);
        }
        long jobEvents = upload.events().stream().filter(e -> "job".equals(e.name())).count();
        if (jobEvents != 1) {
            problems.add(who + ": " + jobEvents + " job events (Gatling reconnects, re-sending the POST, when"
                    + " the server closes the connection early)");
        }
        int chunks = data.path("chunks").asInt(-1);
        int[] seen = new int[Math.max(chunks, 0) + 1];
        long received = 0;
        for (Event e : upload.events()) {
            if (!"chunk".equals(e.name())) {
                if (!"job".equals(e.name())) {
                    problems.add(who + ": unexpected event " + e.name() + " " + e.data());
                }
                continue;
            }
            if (!String.valueOf(upload.job()).equals(e.data().path("job").asText())) {
                problems.add(who + ": chunk event of another job " + e.data().path("job"));
            }
            received += e.data().path("counts").path("received").asLong();
            for (int c : chunkNumbers(e.data())) {
                if (c < 1 || c > chunks) {
                    problems.add(who + ": chunk " + c + " outside 1.." + chunks);
                } else {
                    seen[c]++;
                }
            }
        }
        for (int c = 1; c <= chunks; c++) {
            if (seen[c] != 1) {
                problems.add(who + ": chunk " + c + " reported in " + seen[c] + " chunk events");
            }
        }
        if (received != totals.path("received").asLong(-1)) {
            problems.add(who + ": chunk events' received add up to " + received + ", totals say " + totals);
        }
        return problems;
    }

    private void checkStreams() {
        if (uploads.size() != settings.uploaders()) {
            problems.add("%d of %d uploaders recorded an outcome".formatted(uploads.size(), settings.uploaders()));
        }
        for (Upload upload : uploads) {
            streamProblems.addAll(streamProblems(upload, settings.linesPerUpload()));
        }
    }

    /** {@code "chunk": n}, or {@code "chunks": {"first","last"}} for merged events. */
    static int[] chunkNumbers(JsonNode data) {
        if (data.has("chunk")) {
            return new int[] {data.path("chunk").asInt()};
        }
        int first = data.path("chunks").path("first").asInt();
        int last = data.path("chunks").path("last").asInt();
        int[] numbers = new int[Math.max(last - first + 1, 0)];
        Arrays.setAll(numbers, i -> first + i);
        return numbers;
    }

    /**
     * "commit → event received", approximated per chunk as (client wall-clock arrival of the event
     * that reported it) − {@code tally.chunk.committed_at}. Both clocks are one host's: Gatling and
     * PostgreSQL run on the same host.
     * {@code committed_at} is {@code clock_timestamp()} when the ledger row is inserted, inside the
     * chunk's transaction and before it waits for its turn and commits: the figure is an upper bound
     * of commit → event that includes the wait for the chunks before it. Where the server runs with
     * {@code track_commit_timestamp = on}, the transaction's real commit time
     * ({@code pg_xact_commit_timestamp(xmin)} of the ledger row) gives a second, exact figure.
     */
    private void latency(Connection db) throws SQLException {
        Map<String, long[]> ledger = new HashMap<>(); // "job/chunk" → {committed_at µs, commit time µs or MIN}
        List<UUID> jobs = uploads.stream()
                .map(Upload::job)
                .filter(j -> j != null)
                .map(UUID::fromString)
                .toList();
        boolean commitTimestamps;
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('track_commit_timestamp') = 'on'")) {
            rs.next();
            commitTimestamps = rs.getBoolean(1);
        }
        String commitTime = commitTimestamps
                ? "(extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint"
                : "NULL::bigint";
        try (PreparedStatement st = db.prepareStatement("""
                SELECT job_id, chunk, (extract(epoch FROM committed_at) * 1000000)::bigint, %s
                FROM tally.chunk WHERE job_id = ANY (?)""".formatted(commitTime))) {
            st.setArray(1, db.createArrayOf("uuid", jobs.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long committed = rs.getLong(4);
                    ledger.put(
                            rs.getString(1) + "/" + rs.getInt(2),
                            new long[] {rs.getLong(3), rs.wasNull() ? Long.MIN_VALUE : committed});
                }
            }
        }
        List<Double> fromLedger = new ArrayList<>();
        List<Double> fromCommit = new ArrayList<>();
        int events = 0;
        int merged = 0;
        for (Upload upload : uploads) {
            for (Event e : upload.events()) {
                if (!"chunk".equals(e.name())) {
                    continue;
                }
                events++;
                int[] numbers = chunkNumbers(e.data());
                if (numbers.length > 1) {
                    merged++;
                }
                for (int c : numbers) {
                    long[] row = ledger.get(e.data().path("job").asText() + "/" + c);
                    if (row == null) {
                        problems.add("uploader %d: chunk %d of job %s was reported but has no tally.chunk row"
                                .formatted(upload.uploader(), c, upload.job()));
                        continue;
                    }
                    fromLedger.add(e.receivedAt() - row[0] / 1000.0);
                    if (row[1] != Long.MIN_VALUE) {
                        fromCommit.add(e.receivedAt() - row[1] / 1000.0);
                    }
                }
            }
        }
        lines.add("chunk events     %d (%d merged), %d chunks reported, %d ledger rows for these jobs"
                .formatted(events, merged, fromLedger.size(), ledger.size()));
        lines.add("commit→event     " + distribution(fromLedger)
                + " (event received − tally.chunk.committed_at, the ledger row's insert time)");
        lines.add("true commit→event " + (commitTimestamps
                ? distribution(fromCommit) + " (event received − pg_xact_commit_timestamp of the ledger row)"
                : "not measured: track_commit_timestamp is off on this server"));
    }

    static String distribution(List<Double> samples) {
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return "no samples";
        }
        return "p50 %.1f ms, p99 %.1f ms, min %.1f ms, max %.1f ms, mean %.1f ms, n=%d"
                .formatted(
                        percentile(sorted, 50),
                        percentile(sorted, 99),
                        sorted[0],
                        sorted[sorted.length - 1],
                        Arrays.stream(sorted).average().orElse(0),
                        sorted.length);
    }

    /** Transactions and inserted rows the run cost beyond what it kept, from pg_stat_*. */
    private void counters(Connection db, long totalLines) throws SQLException {
        if (before == null || settings.statsWait().isZero()) {
            lines.add("rollbacks        not measured");
            return;
        }
        try {
            Thread.sleep(settings.statsWait().toMillis()); // let Tally's idle backends report their counters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Statement st = db.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
        }
        DatabaseCounters after = DatabaseCounters.read(db);
        long discarded = after.customersInserted() - before.customersInserted() - totalLines;
        lines.add(("rollbacks        %d transactions committed, %d rolled back, %d customers rows inserted and then"
                        + " rolled back (pg_stat_database / pg_stat_user_tables deltas over the run, read %d s after it)")
                .formatted(
                        after.commits() - before.commits(),
                        after.rollbacks() - before.rollbacks(),
                        discarded,
                        settings.statsWait().toSeconds()));
    }

    /** The table holds exactly keys 1..U*K: the count and sum(id) agree with what the events said. */
    private void checkTable(Connection db, long totalLines) throws SQLException {
        try (PreparedStatement st = db.prepareStatement("SELECT count(*), coalesce(sum(id), 0), coalesce(max(id), 0) FROM customers");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            long count = rs.getLong(1);
            String sum = rs.getBigDecimal(2).toPlainString();
            String expectedSum = java.math.BigInteger.valueOf(totalLines)
                    .multiply(java.math.BigInteger.valueOf(totalLines + 1))
                    .shiftRight(1)
                    .toString();
            lines.add("table customers  %d rows, sum(id) %s (expected %d rows, sum %s)"
                    .formatted(count, sum, totalLines, expectedSum));
            if (count != totalLines || !sum.equals(expectedSum) || rs.getLong(3) != totalLines) {
                problems.add("table customers: %d rows, sum(id) %s, max(id) %d; expected keys 1..%d"
                        .formatted(count, sum, rs.getLong(3), totalLines));
            }
        }
    }

    /** Nearest-rank percentile of a sorted array: the smallest value with at least p% of the values at or below it. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
    }

    private static String names(List<Event> events) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        events.forEach(e -> counts.merge(String.valueOf(e.name()), 1, Integer::sum));
        return counts.toString();
    }
}
