package dev.tally.cli;

/** The exit codes of every command, as {@code tally help} lists them. */
final class ExitCode {

    /** The job completed and no line was rejected (or {@code --allow-rejects}); {@code jobs} listed. */
    static final int OK = 0;

    /** The job failed, was cancelled or aborted, or a file could not be read or written. */
    static final int JOB_FAILED = 1;

    /** The job completed, but lines were rejected. */
    static final int REJECTED = 2;

    /** The service could not be reached, refused the request, or the connection broke. */
    static final int UNREACHABLE = 3;

    /** The command line is wrong (sysexits' EX_USAGE). */
    static final int USAGE = 64;

    private ExitCode() {}
}
