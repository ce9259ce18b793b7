package dev.tally.cli;

/** The help texts: {@code tally help [command]} and {@code tally COMMAND --help}. */
final class Usage {

    private static final String CONNECTION = """
              --url URL          the service (default: $TALLY_URL, else http://localhost:8080)
              --token TOKEN      the bearer token (default: $TALLY_TOKEN)
            """;

    private static final String EXIT_CODES = """
            Exit codes:
              0   the job completed and no line was rejected (or --allow-rejects); jobs listed
              1   the job failed, was cancelled or aborted, or a file could not be read or written
              2   the job completed, but lines were rejected
              3   the service could not be reached, refused the request (its problem is printed),
                  or the connection broke before the job's end
              64  usage: an unknown command or option, a bad value, a missing argument or file
            """;

    static final String GENERAL =
            """
            tally: the terminal client of the Tally service.

            Usage:
              tally upload FILE --dataset NAME [options]   stream an NDJSON file (or FILE.gz) into a dataset
              tally watch JOB [options]                    follow a job's progress to its end
              tally jobs [options]                         list jobs as a table, newest first
              tally help [COMMAND]                         this text, or a command's
              tally serve [--SETTING=VALUE ...]            start the service itself (tally help serve)

            Every command takes:
            """ + CONNECTION + "\nProgress goes to stderr, the summary and tables to stdout.\n\n" + EXIT_CODES;

    static final String UPLOAD = """
            Usage: tally upload FILE --dataset NAME [options]

            Streams FILE into the dataset, line by line as it is read, and shows the job's progress as
            its chunks commit: lines, rows/s, time left, and the outcomes so far. A FILE ending in .gz
            is sent as it is (Content-Encoding: gzip); the service decodes it. When the job has ended,
            the summary is printed and the rejected lines, with their line numbers and codes, are
            written to FILE.rejected.ndjson (one JSON object per line: line, outcome, code, message,
            key, text). To get the original lines back, fix them and send them again:

              jq -r .text FILE.rejected.ndjson > fixed.ndjson    # edit, then: tally upload fixed.ndjson …

            When nothing was rejected, no such file is written and an old one is removed.

            Options:
              --dataset NAME             the dataset to write (required)
              --on-conflict POLICY       skip (default), update, update-if-newer or fail: what a line
                                         whose key exists does
              --chunk-size N             most lines per chunk transaction, 1 to 10000
              --max-rejects N            fail the job once more than N lines are rejected
              --atomic                   one transaction for the whole upload: all or nothing
              --dry-run                  report the real outcomes, then roll everything back
              --unknown-fields MODE      reject (default) or ignore fields that are not columns
              --idempotency-key KEY      send the same key again to get the first job's outcome, or
                                         to resume it after a lost connection
              --allow-rejects            exit 0, not 2, when the job completed with rejected lines
              --progress MODE            auto (default: redrawn in place on a terminal, else a line
                                         for the first chunk, then every 5 s), tty, plain or none
            """ + CONNECTION + "\n" + EXIT_CODES;

    static final String WATCH = """
            Usage: tally watch JOB [options]

            Follows any job, running or finished, through its events (GET /v1/jobs/JOB/events): the
            same progress display and summary as upload, and the same exit codes. When the job has
            ended, its rejected lines are written as upload writes them, to job-JOB.rejected.ndjson
            in the current directory (or --rejected-file); when none were rejected, no such file is
            written and an old one is removed.

            Options:
              --rejected-file FILE       where the rejected lines go (default: job-JOB.rejected.ndjson)
              --allow-rejects            exit 0, not 2, when the job completed with rejected lines
              --progress MODE            auto, tty, plain or none
            """ + CONNECTION + "\n" + EXIT_CODES;

    static final String JOBS = """
            Usage: tally jobs [options]

            Lists jobs as a table, newest first: id, dataset, status, start, seconds and counts.

            Options:
              --dataset NAME             only this dataset's jobs
              --status STATUS            running, completed, failed, cancelled or aborted
              --limit N                  at most N jobs, 1 to 1000 (default 50)
            """ + CONNECTION + "\n" + EXIT_CODES;

    static final String SERVE = """
            Usage: tally serve [--SETTING=VALUE ...]
                   tally --SETTING=VALUE ...

            Starts the service itself (not a client of it): it connects to PostgreSQL, migrates its
            tables and listens for HTTP, by default on port 8080, until it is stopped. The settings
            are Spring Boot's and Tally's, such as --server.port=9090 or
            --spring.profiles.active=demo; with nothing but such settings, or with no argument at all,
            serve may be left out.
            """;

    private Usage() {}

    /** The help on {@code topic}: a command's, else the general text. */
    static String of(String topic) {
        return switch (topic) {
            case "upload" -> UPLOAD;
            case "watch" -> WATCH;
            case "jobs" -> JOBS;
            case "serve" -> SERVE;
            default -> GENERAL;
        };
    }
}
