package dev.tally.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The after hook's figures for {@link JobSubscribersSimulation}: what the subscribers received, and
 * how long after its chunk committed (or its job ended) each event arrived, from the job's rows.
 */
final class SubscribersReport {

    /** Subscribers with a wrong sequence listed in full; the rest are counted. */
    private static final int LISTED = 20;

    private final List<String> lines = new ArrayList<>();
    private final List<String> csv = new ArrayList<>();
    private final Map<Integer, Long> committedAtMicros = new HashMap<>();
    private long endedAtMicros;
    private int wrong;

    record Settings(
            int subscribers,
            long lines,
            int linesPerSecond,
            int rampSeconds,
            String baseUrl,
            String subscriberBaseUrl,
            String dbUrl,
            String dbUser,
            String dbPassword) {}

    /**
     * @param subscriptions the Gatling subscribers'
     * @param probe the {@link ProbeSubscriber}'s, or null
     * @param upload the uploader's outcome, one line
     * @param uploaderFinalAt when the uploader received its final event (epoch ms), -1 if it did not
     * @param memory the service's memory figures, lines of their own
     * @param eventsCsv where every timed event goes, one line each, for a closer look
     * @param quietFrom when the service was last disturbed by the test itself (the full collection
     *     of the live heap measurement; 0 for none): the steady figures count chunks committed after it
     *     and after the last subscriber connected
     */
    SubscribersReport(
            Settings settings,
            String job,
            List<Subscription> subscriptions,
            Subscription probe,
            String upload,
            long uploaderFinalAt,
            List<String> memory,
            Path eventsCsv,
            long quietFrom)
            throws SQLException, IOException {
        lines.add("Gatling JobSubscribersSimulation — %s, subscribers=%d, %d lines at %d lines/s, ramp %d s"
                .formatted(
                        settings.baseUrl().equals(settings.subscriberBaseUrl())
                                ? settings.baseUrl()
                                : "upload to " + settings.baseUrl() + ", subscribers on " + settings.subscriberBaseUrl(),
                        settings.subscribers(),
                        settings.lines(),
                        settings.linesPerSecond(),
                        settings.rampSeconds()));
        lines.add("job              " + job + "; " + upload);
        try (Connection db = DriverManager.getConnection(settings.dbUrl(), settings.dbUser(), settings.dbPassword())) {
            readJob(db, UUID.fromString(job));
        }
        csv.add("subscriber,connected_at_ms,chunk,received_at_ms,committed_at_ms");
        counts(subscriptions, settings.subscribers());
        timings("", subscriptions);
        long lastConnected =
                subscriptions.stream().mapToLong(Subscription::connectedAt).max().orElse(0);
        steady(subscriptions, Math.max(lastConnected, quietFrom));
        lines.add("uploader's final " + (uploaderFinalAt < 0
                ? "not received"
                : "%.1f ms after tally.job.ended_at (the uploader's own stream)"
                        .formatted(uploaderFinalAt - endedAtMicros / 1000.0)));
        if (probe != null) {
            lines.add("probe            one more subscriber on the JDK's HTTP client, connected after the ramp, %d chunk events (%d merged)"
                    .formatted(probe.chunkEvents(), probe.mergedEvents()));
            timings("probe ", List.of(probe));
        }
        lines.addAll(memory);
        List<Subscription> all = new ArrayList<>(subscriptions);
        if (probe != null) {
            all.add(probe);
        }
        List<Subscription> wrongOnes =
                all.stream().filter(s -> !s.problems().isEmpty()).toList();
        wrong = wrongOnes.size();
        lines.add("wrong sequences  %d of %d subscribers".formatted(wrong, all.size()));
        wrongOnes.stream()
                .limit(LISTED)
                .forEach(s -> lines.add("  - subscriber %d: %s".formatted(s.subscriber(), String.join("; ", s.problems()))));
        if (wrong > LISTED) {
            lines.add("  - … and %d more".formatted(wrong - LISTED));
        }
        Files.createDirectories(eventsCsv.toAbsolutePath().getParent());
        Files.write(eventsCsv, csv);
    }

    String text() {
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }

    /** Subscribers, the probe included, whose sequence was wrong. */
    int wrong() {
        return wrong;
    }

    private void readJob(Connection db, UUID job) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(
                "SELECT chunk, (extract(epoch FROM committed_at) * 1000000)::bigint FROM tally.chunk WHERE job_id = ?")) {
            st.setObject(1, job);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    committedAtMicros.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        try (PreparedStatement st = db.prepareStatement(
                "SELECT (extract(epoch FROM ended_at) * 1000000)::bigint FROM tally.job WHERE id = ?")) {
            st.setObject(1, job);
            try (ResultSet rs = st.executeQuery()) {
                endedAtMicros = rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private void counts(List<Subscription> subscriptions, int expected) {
        int[] perSubscriber =
                subscriptions.stream().mapToInt(Subscription::chunkEvents).sorted().toArray();
        long merged = subscriptions.stream().mapToLong(Subscription::mergedEvents).sum();
        long mergedIn = subscriptions.stream().filter(s -> s.mergedEvents() > 0).count();
        long withFinal =
                subscriptions.stream().filter(s -> s.finalReceivedAt() >= 0).count();
        lines.add("subscribers      %d of %d recorded a stream, %d received the final event"
                .formatted(subscriptions.size(), expected, withFinal));
        if (perSubscriber.length > 0) {
            lines.add("chunk events     %d ledger chunks; per subscriber min %d, p50 %d, max %d chunk events;"
                            .formatted(
                                    committedAtMicros.size(),
                                    perSubscriber[0],
                                    perSubscriber[perSubscriber.length / 2],
                                    perSubscriber[perSubscriber.length - 1])
                    + " %d merged events in %d subscribers".formatted(merged, mergedIn));
        }
    }

    /**
     * Commit → event over the chunk events whose (last) chunk committed after their subscriber
     * connected (the others were replayed from the ledger: their delay is the subscriber's, not the
     * service's), and job end → final event.
     */
    private void timings(String label, List<Subscription> subscriptions) {
        List<Double> live = new ArrayList<>();
        long replayed = 0;
        long unknown = 0;
        for (Subscription s : subscriptions) {
            for (int i = 0; i < s.chunkEvents(); i++) {
                Long committed = committedAtMicros.get(s.lastChunk()[i]);
                if (committed == null) {
                    unknown++;
                } else if (committed / 1000 < s.connectedAt()) {
                    replayed++;
                } else {
                    live.add(s.receivedAt()[i] - committed / 1000.0);
                }
                csv.add("%d,%d,%d,%d,%s"
                        .formatted(
                                s.subscriber(),
                                s.connectedAt(),
                                s.lastChunk()[i],
                                s.receivedAt()[i],
                                committed == null ? "" : committed / 1000.0));
            }
            csv.add("%d,%d,final,%d,%.3f"
                    .formatted(s.subscriber(), s.connectedAt(), s.finalReceivedAt(), endedAtMicros / 1000.0));
        }
        lines.add(pad(label + "replayed")
                + "%d chunk events whose chunk committed before their subscriber connected (not timed)%s"
                        .formatted(
                                replayed,
                                unknown == 0 ? "" : "; %d events of chunks without a ledger row".formatted(unknown)));
        lines.add(pad(label + "commit→event") + RunReport.distribution(live)
                + " (live chunk events: arrival − tally.chunk.committed_at of the event's last chunk)");
        List<Double> finals = subscriptions.stream()
                .filter(s -> s.finalReceivedAt() >= 0)
                .map(s -> s.finalReceivedAt() - endedAtMicros / 1000.0)
                .toList();
        lines.add(pad(label + "end→final event") + RunReport.distribution(finals) + " (arrival − tally.job.ended_at)");
    }

    /** Commit → event once every subscriber follows: the cost of fan-out alone, without connecting ones. */
    private void steady(List<Subscription> subscriptions, long from) {
        List<Double> steady = new ArrayList<>();
        for (Subscription s : subscriptions) {
            for (int i = 0; i < s.chunkEvents(); i++) {
                Long committed = committedAtMicros.get(s.lastChunk()[i]);
                if (committed != null && committed / 1000 >= from) {
                    steady.add(s.receivedAt()[i] - committed / 1000.0);
                }
            }
        }
        long chunks = committedAtMicros.values().stream()
                .filter(micros -> micros / 1000 >= from)
                .count();
        lines.add(pad("steady") + RunReport.distribution(steady)
                + " (the same over the %d chunks committed after the last subscriber connected and the heap was measured)"
                        .formatted(chunks));
    }

    private static String pad(String label) {
        return label.length() >= 17 ? label + " " : label + " ".repeat(17 - label.length());
    }
}
