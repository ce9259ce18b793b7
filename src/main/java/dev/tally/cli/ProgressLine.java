package dev.tally.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The one-line progress of a job: a bar and percentage when the body's size is known, the lines
 * committed, rows per second, the time left, and the outcomes so far. Rates are measured on the
 * service's clock when its events carry commit times, so a replayed job shows the rates it had.
 *
 * <p>A line redrawn in place must fit the terminal: one that wraps leaves a line behind at every
 * redraw. So the line is shortened, one {@link Shape} after the other, until it fits.
 */
final class ProgressLine {

    /** No width to fit: a log or a pipe, where the line is printed whole. */
    static final int UNLIMITED = Integer.MAX_VALUE;

    /**
     * The ways to draw the line, richest first; each shortens one more field than the one before:
     * outcome names, outcomes that are zero, the bar, the rate, every outcome but the rejected
     * lines, and the time left.
     */
    private enum Shape {
        FULL(20, false, Outcomes.ALL, true, true),
        SHORT_NAMES(20, true, Outcomes.ALL, true, true),
        NO_ZEROS(20, true, Outcomes.NOT_ZERO, true, true),
        SHORT_BAR(10, true, Outcomes.NOT_ZERO, true, true),
        NO_BAR(0, true, Outcomes.NOT_ZERO, true, true),
        NO_RATE(0, true, Outcomes.NOT_ZERO, false, true),
        REJECTED_ONLY(0, true, Outcomes.REJECTED, false, true),
        NO_ETA(0, true, Outcomes.REJECTED, false, false);

        final int bar;
        final boolean shortNames;
        final Outcomes outcomes;
        final boolean rate;
        final boolean eta;

        Shape(int bar, boolean shortNames, Outcomes outcomes, boolean rate, boolean eta) {
            this.bar = bar;
            this.shortNames = shortNames;
            this.outcomes = outcomes;
            this.rate = rate;
            this.eta = eta;
        }
    }

    private enum Outcomes {
        ALL,
        NOT_ZERO,
        REJECTED
    }

    private ProgressLine() {}

    /** The whole line, for a log. */
    static String of(Progress progress, Instant now) {
        return of(progress, now, UNLIMITED);
    }

    /**
     * The richest line shorter than {@code columns}: a line of exactly the terminal's width leaves
     * some terminals' cursor on the next line. Cut to fit when even the shortest shape does not.
     */
    static String of(Progress progress, Instant now, int columns) {
        String line = "";
        for (Shape shape : Shape.values()) {
            line = draw(progress, now, shape);
            if (line.length() < columns) {
                return line;
            }
        }
        return line.substring(0, Math.max(0, columns - 1));
    }

    private static String draw(Progress progress, Instant now, Shape shape) {
        StringBuilder line = new StringBuilder();
        double done = progress.bytesTotal() > 0 && progress.bytesRead() >= 0
                ? Math.min(1.0, (double) progress.bytesRead() / progress.bytesTotal())
                : -1;
        if (done >= 0) {
            if (shape.bar > 0) {
                int filled = (int) Math.round(done * shape.bar);
                line.append('[')
                        .append("#".repeat(filled))
                        .append("-".repeat(shape.bar - filled))
                        .append("] ");
            }
            line.append(String.format(Locale.ROOT, shape.bar > 0 ? "%3d%%  " : "%d%%  ", (int) Math.floor(done * 100)));
        }
        Duration elapsed = elapsed(progress, now);
        Totals totals = progress.totals();
        line.append(number(progress.lines())).append(" lines");
        if (shape.rate) {
            line.append("  ")
                    .append(number(Math.round(totals.received() * 1000.0 / Math.max(1, elapsed.toMillis()))))
                    .append(" rows/s");
        }
        if (shape.eta && done > 0 && done < 1) {
            line.append("  ETA ").append(clock(Duration.ofMillis(Math.round(elapsed.toMillis() * (1 - done) / done))));
        }
        StringJoiner outcomes = new StringJoiner(shape.shortNames ? " " : "  ", "  | ", "");
        outcome(outcomes, shape, "inserted", "ins", totals.inserted());
        outcome(outcomes, shape, "updated", "upd", totals.updated());
        outcome(outcomes, shape, "unchanged", "unch", totals.unchanged());
        outcome(outcomes, shape, "skipped", "skip", totals.skipped());
        outcome(outcomes, shape, "rejected", "rej", totals.rejected());
        return line.append(outcomes).toString();
    }

    private static void outcome(StringJoiner outcomes, Shape shape, String name, String shortName, long count) {
        // Rejected lines are what a user has to act on: they stay when every other outcome is gone.
        boolean shown =
                switch (shape.outcomes) {
                    case ALL -> true;
                    case NOT_ZERO -> count > 0 || name.equals("rejected");
                    case REJECTED -> name.equals("rejected");
                };
        if (shown) {
            outcomes.add((shape.shortNames ? shortName : name) + " " + number(count));
        }
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
