package dev.tally.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What a command sees of the world: its output streams, environment, whether stderr is a terminal
 * and how wide it is (asked only when a line is to be redrawn on it), how files are opened and the
 * clock. {@link #system()} is the real one; tests pass their own.
 */
public record Terminal(
        PrintStream out,
        PrintStream err,
        Map<String, String> env,
        boolean interactive,
        IntSupplier columns,
        FileOpener files,
        InstantSource clock) {

    /** Opens a file to upload. */
    @FunctionalInterface
    public interface FileOpener {
        InputStream open(Path file) throws IOException;
    }

    public static Terminal system() {
        Map<String, String> env = System.getenv();
        return new Terminal(
                System.out,
                System.err,
                env,
                isTerminal(),
                () -> TerminalWidth.of(env, TerminalWidth::sttySize),
                Files::newInputStream,
                InstantSource.system());
    }

    /**
     * Whether the JVM runs on a terminal. From JDK 22 on, {@code System.console()} answers even when
     * the streams are redirected, and only its {@code isTerminal()} (absent in 21) tells.
     */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console is a terminal
        }
    }

    /** Streams and environment as given, files from disk, the system clock, not a terminal. */
    public static Terminal of(PrintStream out, PrintStream err, Map<String, String> env) {
        return new Terminal(
                out, err, env, false, () -> TerminalWidth.DEFAULT, Files::newInputStream, InstantSource.system());
    }
}
