package dev.tally.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/** One command run in-process, with what it printed: the tests' way to call the client. */
record CliRun(int exit, String out, String err) {

    static CliRun of(Map<String, String> env, String... args) {
        return of(env, Files::newInputStream, new ByteArrayOutputStream(), args);
    }

    /** With the files opened as given, and stderr also written to {@code errTap} as it is printed. */
    static CliRun of(Map<String, String> env, Terminal.FileOpener files, OutputStream errTap, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                err.write(bytes, offset, length);
                try {
                    errTap.write(bytes, offset, length);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        int exit = TallyCli.run(
                args,
                new Terminal(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(both, true, StandardCharsets.UTF_8),
                        env,
                        false,
                        () -> TerminalWidth.DEFAULT,
                        files,
                        InstantSource.system()));
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> outLines() {
        return out.lines().toList();
    }

    List<String> errLines() {
        return err.lines().toList();
    }
}
