package dev.tally.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.cli.Command.ProgressMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ProgressDisplayTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicReference<Instant> now = new AtomicReference<>(START);
    private final InstantSource clock = now::get;

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAndEndedOnce() {
        ProgressDisplay display =
                new ProgressDisplay(new PrintStream(err, true, UTF_8), ProgressMode.AUTO, true, () -> 200, clock);

        display.show(after(1, 100));
        now.set(START.plusMillis(50));
        display.show(after(2, 200)); // within 100 ms of the last redraw: held back
        now.set(START.plusMillis(500));
        display.show(after(3, 300));
        display.finish(after(3, 300));

        assertThat(err.toString(UTF_8)).isEqualTo("\r" + line(100) + "\033[K" + "\r" + line(300) + "\033[K" + "\n");
    }

    @Test
    void elsewhereALineForTheFirstChunkThenEveryFiveSecondsAndTheLast() {
        ProgressDisplay display =
                new ProgressDisplay(new PrintStream(err, true, UTF_8), ProgressMode.AUTO, false, () -> 40, clock);

        display.show(after(1, 100));
        now.set(START.plusSeconds(4));
        display.show(after(2, 200));
        now.set(START.plusSeconds(5));
        display.show(after(3, 300));
        now.set(START.plusSeconds(6));
        display.show(after(4, 400));
        display.finish(after(4, 400));

        // A log keeps every field, however narrow the terminal: nothing is redrawn there.
        assertThat(err.toString(UTF_8)).isEqualTo(line(100) + "\n" + line(300) + "\n" + line(400) + "\n");
        assertThat(line(100)).hasSizeGreaterThan(40);
    }

    /** A redrawn line that wrapped would leave a line behind at every redraw. */
    @Test
    void onANarrowTerminalTheRedrawnLineFitsItsWidth() {
        ProgressDisplay display =
                new ProgressDisplay(new PrintStream(err, true, UTF_8), ProgressMode.TTY, false, () -> 40, clock);

        display.show(after(1, 100));
        display.finish(after(1, 100));

        assertThat(err.toString(UTF_8)).isEqualTo("\r100 lines  | ins 100 rej 0\033[K\n");
    }

    @Test
    void noneShowsNothing() {
        ProgressDisplay display =
                new ProgressDisplay(new PrintStream(err, true, UTF_8), ProgressMode.NONE, true, () -> 200, clock);

        display.show(after(1, 100));
        display.finish(after(1, 100));

        assertThat(err.toString(UTF_8)).isEmpty();
    }

    private static Progress after(int chunk, long lines) {
        return Progress.start(-1)
                .committed(JSON.readTree("{\"chunk\":" + chunk + ",\"lines\":{\"last\":" + lines
                        + "},\"totals\":{\"received\":" + lines + ",\"inserted\":" + lines + "}}"));
    }

    private static String line(long lines) {
        return ProgressLine.of(after(1, lines), START);
    }
}
