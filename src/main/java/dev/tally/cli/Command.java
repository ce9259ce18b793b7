package dev.tally.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** What the command line asks for, parsed and checked; {@link CommandLine} builds it. */
sealed interface Command {

    /** Where the service is and the token to send ({@code null}: none given). */
    record Target(String url, @Nullable String token) {}

    /** How progress is shown on stderr: redrawn in place, a line now and then, or not at all. */
    enum ProgressMode {
        AUTO,
        TTY,
        PLAIN,
        NONE
    }

    record Upload(
            Target target,
            Path file,
            String dataset,
            UploadOptions options,
            boolean allowRejects,
            ProgressMode progress)
            implements Command {

        /** Where the rejected lines go: beside the file, named after it. */
        Path rejectedFile() {
            return file.resolveSibling(file.getFileName() + ".rejected.ndjson");
        }

        boolean gzip() {
            return file.getFileName().toString().endsWith(".gz");
        }
    }

    /** The upload's API parameters; an empty one is left to the service's default. */
    record UploadOptions(
            Optional<String> onConflict,
            Optional<Integer> chunkSize,
            Optional<Long> maxRejects,
            boolean atomic,
            boolean dryRun,
            Optional<String> unknownFields,
            Optional<String> idempotencyKey) {}

    /** @param rejectedFile where the job's rejected lines go, as an upload's go beside its file */
    record Watch(Target target, String job, Path rejectedFile, boolean allowRejects, ProgressMode progress)
            implements Command {

        /** {@code job-JOB.rejected.ndjson} in the working directory, unless {@code --rejected-file} says. */
        static Path defaultRejectedFile(String job) {
            return Path.of("job-" + job + ".rejected.ndjson");
        }
    }

    record ListJobs(Target target, Optional<String> dataset, Optional<String> status, Optional<Integer> limit)
            implements Command {}

    /** {@code tally help [command]}, {@code --help}, or no command at all: the text of {@link Usage}. */
    record Help(String topic) implements Command {}
}
