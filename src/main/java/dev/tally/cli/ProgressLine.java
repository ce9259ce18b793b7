package dev.tally.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The one-line progress of a job: a bar and percentage when the body's size is known, the lines
 * committed, rows per second, the time left, and the outcomes so far. Rates are measured on the
 * service's clock when its events carry commit times, so a replayed job shows the rates it had.
 */
final class ProgressLine {

    private static final int BAR = 20;

    private ProgressLine() {}

    static String of(Progress progress, Instant now) {
        StringBuilder line = new StringBuilder();
        double done = progress.bytesTotal() > 0 && progress.bytesRead() >= 0
                ? Math.min(1.0, (double) progress.bytesRead() / progress.bytesTotal())
                : -1;
        if (done >= 0) {
            int filled = (int) Math.round(done * BAR);
            line.append('[')
                    .append("#".repeat(filled))
                    .append("-".repeat(BAR - filled))
                    .append("] ")
                    .append(String.format(Locale.ROOT, "%3d%%  ", (int) Math.floor(done * 100)));
        }
        Duration elapsed = elapsed(progress, now);
        Totals totals = progress.totals();
        line.append(number(progress.lines()))
                .append(" lines  ")
                .append(number(Math.round(totals.received() * 1000.0 / Math.max(1, elapsed.toMillis()))))
                .append(" rows/s");
        if (done > 0 && done < 1) {
            line.append("  ETA ").append(clock(Duration.ofMillis(Math.round(elapsed.toMillis() * (1 - done) / done))));
        }
        return line.append("  | inserted ")
                .append(number(totals.inserted()))
                .append("  updated ")
                .append(number(totals.updated()))
                .append("  unchanged ")
                .append(number(totals.unchanged()))
                .append("  skipped ")
                .append(number(totals.skipped()))
                .append("  rejected ")
                .append(number(totals.rejected()))
                .toString();
    }

    private static Duration elapsed(Progress progress, Instant now) {
        if (progress.startedAt() == null) {
            return Duration.ZERO;
        }
        Instant until = progress.committedAt() != null ? progress.committedAt() : now;
        Duration elapsed = Duration.between(progress.startedAt(), until);
        return elapsed.isNegative() ? Duration.ZERO : elapsed;
    }

    static String number(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    static String clock(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
