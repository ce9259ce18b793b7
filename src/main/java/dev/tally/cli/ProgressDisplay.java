package dev.tally.cli;

import dev.tally.cli.Command.ProgressMode;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Shows {@link ProgressLine}s on stderr: on a terminal one line, as wide as the terminal at most,
 * redrawn in place ({@code \r}) a few times a second; elsewhere (a log, a CI job) a plain line for the first chunk and then every
 * {@link #PLAIN_EVERY}, so that a log is not flooded with a line per chunk. The last state is always
 * shown when the job ends.
 */
final class ProgressDisplay {

    static final Duration PLAIN_EVERY = Duration.ofSeconds(5);
    private static final Duration REDRAW_EVERY = Duration.ofMillis(100);

    private final PrintStream err;
    private final ProgressMode mode;
    private final InstantSource clock;
    private final int columns;
    private @Nullable Instant shownAt;
    private boolean pending;

    /** {@code columns} is asked once, and only when the line is to be redrawn in place. */
    ProgressDisplay(PrintStream err, ProgressMode mode, boolean terminal, IntSupplier columns, InstantSource clock) {
        this.err = err;
        this.mode = mode == ProgressMode.AUTO ? (terminal ? ProgressMode.TTY : ProgressMode.PLAIN) : mode;
        this.clock = clock;
        this.columns = this.mode == ProgressMode.TTY ? columns.getAsInt() : ProgressLine.UNLIMITED;
    }

    void show(Progress progress) {
        Instant now = clock.instant();
        Duration every = mode == ProgressMode.TTY ? REDRAW_EVERY : PLAIN_EVERY;
        if (shownAt != null && Duration.between(shownAt, now).compareTo(every) < 0) {
            pending = true;
            return;
        }
        draw(progress, now);
    }

    /** The final state, and the end of the redrawn line. */
    void finish(Progress progress) {
        if (pending || shownAt == null && progress.chunks() > 0) {
            draw(progress, clock.instant());
        }
        if (mode == ProgressMode.TTY && shownAt != null) {
            err.println();
        }
        err.flush();
    }

    private void draw(Progress progress, Instant now) {
        switch (mode) {
            case TTY -> err.print("\r" + ProgressLine.of(progress, now, columns) + "\033[K");
            case PLAIN -> err.println(ProgressLine.of(progress, now));
            default -> {
                return;
            }
        }
        err.flush();
        shownAt = now;
        pending = false;
    }
}
