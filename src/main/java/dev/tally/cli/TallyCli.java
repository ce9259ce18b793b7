package dev.tally.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tally upload | watch | jobs | help}: runs one command and answers its exit code
 * ({@link ExitCode}). Nothing here calls {@code System.exit}, so tests run commands in-process.
 */
public final class TallyCli {

    private final Terminal terminal;
    private final JsonMapper json = JsonMapper.builder().build();

    private TallyCli(Terminal terminal) {
        this.terminal = terminal;
    }

    /**
     * Whether {@code args} start the service rather than a command of this client: none at all,
     * {@code serve [SETTING…]}, or Spring settings only ({@code --spring.profiles.active=demo}).
     */
    public static boolean startsService(String[] args) {
        return CommandLine.startsService(args);
    }

    /** The arguments to give the service: {@code args} without {@code serve}. */
    public static String[] serviceArguments(String[] args) {
        return CommandLine.serviceArguments(args);
    }

    public static void main(String[] args) {
        // Without Spring nothing configures logback, whose default prints Netty's debug log.
        System.setProperty("slf4j.internal.verbosity", "WARN");
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        // Netty's native transport buys nothing for one connection and warns on JDK 24+ about its
        // System.loadLibrary call.
        System.setProperty("io.netty.transport.noNative", "true");
        System.setProperty("reactor.netty.native", "false");
        System.exit(run(args, Terminal.system()));
    }

    public static int run(String[] args, Terminal terminal) {
        return new TallyCli(terminal).run(args);
    }

    private int run(String[] args) {
        Command command;
        try {
            command = CommandLine.parse(args, terminal.env());
        } catch (UsageException e) {
            terminal.err().println("tally: " + e.getMessage());
            if (e.command.isEmpty()) {
                // No command to point to: a typo of one, most likely; the list of them is the help.
                terminal.err().print("\n" + Usage.GENERAL);
            } else {
                terminal.err().println("Run 'tally " + e.command + " --help' for usage.");
            }
            return ExitCode.USAGE;
        }
        Command.@Nullable Target target =
                switch (command) {
                    case Command.Upload upload -> upload.target();
                    case Command.Watch watch -> watch.target();
                    case Command.ListJobs jobs -> jobs.target();
                    case Command.Help help -> null;
                };
        try {
            return switch (command) {
                case Command.Help help -> {
                    terminal.out().print(Usage.of(help.topic()));
                    yield ExitCode.OK;
                }
                case Command.Upload upload -> upload(upload);
                case Command.Watch watch -> watch(watch);
                case Command.ListJobs jobs -> jobs(jobs);
            };
        } catch (RuntimeException e) {
            if (target == null) {
                throw e; // only help has no service to blame: printing it fails by a defect alone
            }
            return failed(Exceptions.unwrap(e), target);
        } finally {
            terminal.out().flush();
            terminal.err().flush();
        }
    }

    private int upload(Command.Upload upload) {
        Path file = upload.file();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            terminal.err().println("tally: cannot read " + file);
            return ExitCode.USAGE;
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed: " + ErrorText.of(e), e);
        }
        FileBody body = new FileBody(file, terminal.files());
        Flux<Event> events = service(upload.target())
                .upload(
                        upload.dataset(),
                        parameters(upload.options()),
                        upload.options().idempotencyKey(),
                        body.bytes(),
                        size,
                        upload.gzip());
        JobEnd end;
        try {
            end = new JobFollower(display(upload.progress()), body::sent)
                    .follow(events.toIterable(1), Progress.start(size));
        } catch (RuntimeException e) {
            if (body.failure() == null) {
                throw e;
            }
            // The service ends its answer when the body breaks off: the cause to report is the file's.
            terminal.err().println("tally: " + body.failure().getMessage());
            if (Exceptions.unwrap(e) instanceof JobFollower.StreamEnded ended && !ended.job.isEmpty()) {
                terminal.err()
                        .println("tally: the service ends job " + ended.job + " as aborted: tally watch " + ended.job);
            }
            return ExitCode.JOB_FAILED;
        }
        terminal.out().print(Summary.of(end));
        rejectedFile(upload.target(), upload.rejectedFile(), end);
        return end.exitCode(upload.allowRejects());
    }

    private void rejectedFile(Command.Target target, Path rejected, JobEnd end) {
        try {
            if (end.totals().rejected() == 0) {
                RejectedFile.remove(rejected);
                return;
            }
            String job = Json.text(end.end().data(), "job");
            long rows = RejectedFile.write(rejected, service(target).rejectedRows(job));
            if (rows > 0) {
                terminal.out()
                        .printf(
                                "Rejected lines (%d), with their codes: %s%n  the lines themselves, to fix and send again: jq -r .text %s%n",
                                rows, rejected, rejected);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + rejected + " failed: " + ErrorText.of(e), e);
        }
    }

    private int watch(Command.Watch watch) {
        JobEnd end = new JobFollower(display(watch.progress()), null)
                .follow(service(watch.target()).events(watch.job()).toIterable(1), Progress.start(-1));
        terminal.out().print(Summary.of(end));
        rejectedFile(watch.target(), watch.rejectedFile(), end);
        return end.exitCode(watch.allowRejects());
    }

    private int jobs(Command.ListJobs jobs) {
        Map<String, String> parameters = new LinkedHashMap<>();
        jobs.dataset().ifPresent(dataset -> parameters.put("dataset", dataset));
        jobs.status().ifPresent(status -> parameters.put("status", status));
        jobs.limit().ifPresent(limit -> parameters.put("limit", Integer.toString(limit)));
        terminal.out()
                .print(JobTable.of(
                        service(jobs.target()).jobs(parameters).blockOptional().orElseThrow()));
        return ExitCode.OK;
    }

    private int failed(Throwable error, Command.Target target) {
        switch (error) {
            case Refused refused -> {
                terminal.err().println("tally: " + refused.getMessage());
                if (refused.status == 401 && target.token() == null) {
                    terminal.err().println("tally: no token was given: pass --token or set TALLY_TOKEN");
                }
                return ExitCode.UNREACHABLE;
            }
            case JobFollower.StreamEnded ended -> {
                terminal.err()
                        .println("tally: " + ended.getMessage()
                                + (ended.job.isEmpty() ? "" : "; follow it with: tally watch " + ended.job));
                return ExitCode.UNREACHABLE;
            }
            case UncheckedIOException io -> {
                terminal.err().println("tally: " + io.getMessage());
                return ExitCode.JOB_FAILED;
            }
            case IOException io -> {
                terminal.err().println("tally: cannot reach " + target.url() + ": " + ErrorText.of(io));
                return ExitCode.UNREACHABLE;
            }
            default -> {
                // Not a Tally answer (another server on that port?), or a defect of this client.
                terminal.err().println("tally: talking to " + target.url() + " failed: " + ErrorText.of(error));
                return ExitCode.UNREACHABLE;
            }
        }
    }

    private static Map<String, String> parameters(Command.UploadOptions options) {
        Map<String, String> parameters = new LinkedHashMap<>();
        options.onConflict().ifPresent(policy -> parameters.put("onConflict", policy));
        options.chunkSize().ifPresent(size -> parameters.put("chunkSize", size.toString()));
        options.maxRejects().ifPresent(max -> parameters.put("maxRejects", max.toString()));
        if (options.atomic()) {
            parameters.put("atomic", "true");
        }
        if (options.dryRun()) {
            parameters.put("dryRun", "true");
        }
        options.unknownFields().ifPresent(mode -> parameters.put("unknownFields", mode));
        return parameters;
    }

    private TallyService service(Command.Target target) {
        return new TallyService(target, json);
    }

    private ProgressDisplay display(Command.ProgressMode mode) {
        return new ProgressDisplay(terminal.err(), mode, terminal.interactive(), terminal.columns(), terminal.clock());
    }
}
