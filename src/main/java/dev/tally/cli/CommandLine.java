package dev.tally.cli;

import dev.tally.cli.Command.ProgressMode;
import dev.tally.cli.Command.Target;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns {@code args} into a {@link Command}: options as {@code --name value} or {@code --name=value},
 * in any order around the positional argument. What the service would refuse anyway (a policy name,
 * a number) is checked here too, so that a typo is a usage error and not a request.
 */
final class CommandLine {

    static final String DEFAULT_URL = "http://localhost:8080";
    static final String SERVE = "serve";

    private static final Set<String> COMMON = Set.of("url", "token");
    private static final Map<String, Set<String>> VALUED = Map.of(
            "upload",
                    Set.of(
                            "dataset",
                            "on-conflict",
                            "chunk-size",
                            "max-rejects",
                            "unknown-fields",
                            "idempotency-key",
                            "progress"),
            "watch", Set.of("progress", "rejected-file"),
            "jobs", Set.of("dataset", "status", "limit"));
    private static final Map<String, Set<String>> FLAGS = Map.of(
            "upload", Set.of("atomic", "dry-run", "allow-rejects"),
            "watch", Set.of("allow-rejects"),
            "jobs", Set.of());

    private static final List<String> POLICIES = List.of("skip", "update", "update-if-newer", "fail");
    private static final List<String> UNKNOWN_FIELDS = List.of("reject", "ignore");
    private static final List<String> STATUSES = List.of("running", "completed", "failed", "cancelled", "aborted");

    private CommandLine() {}

    /**
     * Whether {@code args} start the service: none at all, {@code serve} with anything but a request
     * for help, or nothing but Spring settings ({@code --server.port=9090}). Anything else, a typo
     * included, is this client's, so that it never starts a service nobody asked for.
     */
    static boolean startsService(String[] args) {
        if (args.length == 0) {
            return true;
        }
        List<String> all = List.of(args);
        if (args[0].equals(SERVE)) {
            return all.stream().noneMatch(CommandLine::asksForHelp);
        }
        return all.stream().allMatch(CommandLine::isSpringSetting);
    }

    /** The service's own arguments: {@code args} without {@code serve}. */
    static String[] serviceArguments(String[] args) {
        return args.length > 0 && args[0].equals(SERVE) ? Arrays.copyOfRange(args, 1, args.length) : args;
    }

    /** {@code --name=value} or {@code --name} with a dotted name, as Spring Boot's settings are. */
    private static boolean isSpringSetting(String arg) {
        int equals = arg.indexOf('=');
        String name = arg.startsWith("--") ? arg.substring(2, equals < 0 ? arg.length() : equals) : "";
        return name.indexOf('.') > 0;
    }

    private static boolean asksForHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }

    static Command parse(String[] args, Map<String, String> env) {
        if (args.length == 0 || args[0].equals("help") || asksForHelp(args[0])) {
            return new Command.Help(args.length > 1 ? args[1] : "");
        }
        String name = args[0];
        if (name.equals(SERVE)) {
            // What starts the service never comes here: this is serve --help.
            return new Command.Help(SERVE);
        }
        if (!VALUED.containsKey(name)) {
            throw new UsageException(
                    "", name.startsWith("-") ? "unknown option " + name : "unknown command '" + name + "'");
        }
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (asksForHelp(arg)) {
                return new Command.Help(name);
            }
            if (!arg.startsWith("--") || arg.equals("--")) {
                positional.add(arg);
                continue;
            }
            int equals = arg.indexOf('=');
            String option = arg.substring(2, equals < 0 ? arg.length() : equals);
            if (VALUED.get(name).contains(option) || COMMON.contains(option)) {
                String value;
                if (equals >= 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name, "--" + option + " needs a value");
                }
                options.put(option, value);
            } else if (FLAGS.getOrDefault(name, Set.of()).contains(option) && equals < 0) {
                options.put(option, "true");
            } else {
                throw new UsageException(name, "unknown option --" + option);
            }
        }
        Target target = target(name, options, env);
        return switch (name) {
            case "upload" -> upload(target, one(name, positional, "FILE"), options);
            case "watch" -> watch(target, one(name, positional, "JOB"), options);
            default -> jobs(target, positional, options);
        };
    }

    private static Command.Upload upload(Target target, String file, Map<String, String> options) {
        String dataset = options.get("dataset");
        if (dataset == null || dataset.isBlank()) {
            throw new UsageException("upload", "--dataset is required");
        }
        Command.UploadOptions parameters = new Command.UploadOptions(
                choice("upload", options, "on-conflict", POLICIES),
                number("upload", options, "chunk-size", 1, 10_000).map(Long::intValue),
                number("upload", options, "max-rejects", 0, Long.MAX_VALUE),
                options.containsKey("atomic"),
                options.containsKey("dry-run"),
                choice("upload", options, "unknown-fields", UNKNOWN_FIELDS),
                Optional.ofNullable(options.get("idempotency-key")));
        return new Command.Upload(
                target,
                Path.of(file),
                dataset,
                parameters,
                options.containsKey("allow-rejects"),
                progress("upload", options));
    }

    private static Command.Watch watch(Target target, String job, Map<String, String> options) {
        String rejectedFile = options.get("rejected-file");
        if (rejectedFile != null && rejectedFile.isBlank()) {
            throw new UsageException("watch", "--rejected-file needs a file name");
        }
        return new Command.Watch(
                target,
                job,
                rejectedFile == null ? Command.Watch.defaultRejectedFile(job) : Path.of(rejectedFile),
                options.containsKey("allow-rejects"),
                progress("watch", options));
    }

    private static Command.ListJobs jobs(Target target, List<String> positional, Map<String, String> options) {
        if (!positional.isEmpty()) {
            throw new UsageException("jobs", "unexpected argument '" + positional.getFirst() + "'");
        }
        return new Command.ListJobs(
                target,
                Optional.ofNullable(options.get("dataset")),
                choice("jobs", options, "status", STATUSES),
                number("jobs", options, "limit", 1, 1000).map(Long::intValue));
    }

    private static Target target(String command, Map<String, String> options, Map<String, String> env) {
        String url = options.getOrDefault("url", env.getOrDefault("TALLY_URL", DEFAULT_URL));
        String token = options.getOrDefault("token", env.get("TALLY_TOKEN"));
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new UsageException(command, "--url must start with http:// or https://, got '" + url + "'");
        }
        return new Target(url.replaceAll("/+$", ""), token == null || token.isBlank() ? null : token);
    }

    private static String one(String command, List<String> positional, String what) {
        if (positional.size() != 1) {
            throw new UsageException(
                    command,
                    positional.isEmpty() ? what + " is missing" : "one " + what + " only, got " + positional.size());
        }
        return positional.getFirst();
    }

    private static ProgressMode progress(String command, Map<String, String> options) {
        return choice(command, options, "progress", List.of("auto", "tty", "plain", "none"))
                .map(mode -> ProgressMode.valueOf(mode.toUpperCase(Locale.ROOT)))
                .orElse(ProgressMode.AUTO);
    }

    private static Optional<String> choice(
            String command, Map<String, String> options, String option, List<String> allowed) {
        String value = options.get(option);
        if (value != null && !allowed.contains(value)) {
            throw new UsageException(
                    command, "--" + option + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        }
        return Optional.ofNullable(value);
    }

    private static Optional<Long> number(
            String command, Map<String, String> options, String option, long min, long max) {
        String value = options.get(option);
        if (value == null) {
            return Optional.empty();
        }
        try {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return Optional.of(number);
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        String range = max == Long.MAX_VALUE ? min + " or more" : min + " to " + max;
        throw new UsageException(
                command, "--" + option + " must be a whole number, " + range + ", got '" + value + "'");
    }
}
