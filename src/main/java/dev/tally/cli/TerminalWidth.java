package dev.tally.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How many columns the terminal has: {@code $COLUMNS} when it is exported, else what {@code stty
 * size} says of the controlling terminal, else {@link #DEFAULT}. A shell rarely exports {@code
 * COLUMNS}, hence {@code stty}.
 */
final class TerminalWidth {

    static final int DEFAULT = 80;

    private TerminalWidth() {}

    /** {@code sttySize} answers {@code stty size}'s output ("rows columns"), or null. */
    static int of(Map<String, String> env, Supplier<@Nullable String> sttySize) {
        int columns = positive(env.get("COLUMNS"));
        if (columns > 0) {
            return columns;
        }
        String size = sttySize.get();
        String[] rowsAndColumns = size == null ? new String[0] : size.strip().split("\\s+");
        columns = rowsAndColumns.length == 2 ? positive(rowsAndColumns[1]) : -1;
        return columns > 0 ? columns : DEFAULT;
    }

    /** {@code stty size} of the controlling terminal; null without one, or where there is no stty. */
    static @Nullable String sttySize() {
        try {
            Process stty = new ProcessBuilder("stty", "size")
                    .redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return stty.waitFor(1, TimeUnit.SECONDS) && stty.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int positive(@Nullable String text) {
        try {
            return text == null ? -1 : Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
