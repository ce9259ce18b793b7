package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.cli.Command.ProgressMode;
import dev.tally.cli.Command.Target;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTests {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void uploadTakesEveryParameterOfTheApiInAnyOrder() {
        Command command = CommandLine.parse(
                new String[] {
                    "upload",
                    "--on-conflict=update",
                    "data/c.ndjson.gz",
                    "--dataset",
                    "customers",
                    "--chunk-size",
                    "500",
                    "--max-rejects",
                    "0",
                    "--atomic",
                    "--dry-run",
                    "--unknown-fields",
                    "ignore",
                    "--idempotency-key",
                    "k-1",
                    "--allow-rejects",
                    "--progress",
                    "plain",
                    "--url",
                    "http://tally:9000/",
                    "--token",
                    "t"
                },
                NO_ENV);

        assertThat(command)
                .isEqualTo(new Command.Upload(
                        new Target("http://tally:9000", "t"),
                        Path.of("data/c.ndjson.gz"),
                        "customers",
                        new Command.UploadOptions(
                                Optional.of("update"),
                                Optional.of(500),
                                Optional.of(0L),
                                true,
                                true,
                                Optional.of("ignore"),
                                Optional.of("k-1")),
                        true,
                        ProgressMode.PLAIN));
        Command.Upload upload = (Command.Upload) command;
        assertThat(upload.gzip()).isTrue();
        assertThat(upload.rejectedFile()).isEqualTo(Path.of("data/c.ndjson.gz.rejected.ndjson"));
    }

    @Test
    void urlAndTokenComeFromTheEnvironmentUnlessGiven() {
        Map<String, String> env = Map.of("TALLY_URL", "https://t.example", "TALLY_TOKEN", "from-env");

        assertThat(CommandLine.parse(new String[] {"jobs"}, env))
                .isEqualTo(new Command.ListJobs(
                        new Target("https://t.example", "from-env"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty()));
        assertThat(CommandLine.parse(new String[] {"watch", "j-1", "--token", "mine"}, env))
                .isEqualTo(new Command.Watch(
                        new Target("https://t.example", "mine"),
                        "j-1",
                        Path.of("job-j-1.rejected.ndjson"),
                        false,
                        ProgressMode.AUTO));
        assertThat(CommandLine.parse(new String[] {"watch", "j-1", "--rejected-file", "out/r.ndjson"}, env))
                .extracting(watch -> ((Command.Watch) watch).rejectedFile())
                .isEqualTo(Path.of("out/r.ndjson"));
        assertThat(CommandLine.parse(
                        new String[] {"jobs", "--status", "failed", "--limit", "7", "--dataset", "d"}, NO_ENV))
                .isEqualTo(new Command.ListJobs(
                        new Target("http://localhost:8080", null),
                        Optional.of("d"),
                        Optional.of("failed"),
                        Optional.of(7)));
    }

    @Test
    void helpIsACommandAndAnOptionOfEveryCommand() {
        assertThat(CommandLine.parse(new String[] {}, NO_ENV)).isEqualTo(new Command.Help(""));
        assertThat(CommandLine.parse(new String[] {"help", "watch"}, NO_ENV)).isEqualTo(new Command.Help("watch"));
        assertThat(CommandLine.parse(new String[] {"upload", "--help"}, NO_ENV)).isEqualTo(new Command.Help("upload"));
        assertThat(CommandLine.parse(new String[] {"jobs", "--limit", "x", "-h"}, NO_ENV))
                .isEqualTo(new Command.Help("jobs"));
    }

    /** Help, a typo or an unknown option is the client's: only an explicit way starts the service. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "                                                   | true",
                "serve                                              | true",
                "serve --server.port=9090                           | true",
                "--spring.profiles.active=demo                      | true",
                "--spring.profiles.active=demo --server.port=8081   | true",
                "--management.server.port                           | true",
                "--help                                             | false",
                "-h                                                 | false",
                "frob                                               | false",
                "--frob                                             | false",
                "--port=8080                                        | false",
                "--server.port=8081 upload                          | false",
                "serve --help                                       | false",
                "serve -h                                           | false",
                "upload f --dataset d                               | false",
                "help serve                                         | false",
            })
    void onlyAnExplicitWayStartsTheService(String line, boolean starts) {
        String[] args = line == null ? new String[0] : line.strip().split(" +");

        assertThat(CommandLine.startsService(args)).isEqualTo(starts);
    }

    @Test
    void serveIsLeftOutOfTheServicesArguments() {
        assertThat(CommandLine.serviceArguments(new String[] {"serve", "--server.port=9090"}))
                .containsExactly("--server.port=9090");
        assertThat(CommandLine.serviceArguments(new String[] {"--server.port=9090"}))
                .containsExactly("--server.port=9090");
        assertThat(CommandLine.parse(new String[] {"serve", "--help"}, NO_ENV)).isEqualTo(new Command.Help("serve"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "upload f.ndjson                                   | --dataset is required",
                "upload --dataset d                                | FILE is missing",
                "upload a b --dataset d                            | one FILE only, got 2",
                "upload f --dataset d --on-conflict replace        | --on-conflict must be one of skip, update, update-if-newer, fail, got 'replace'",
                "upload f --dataset d --chunk-size 0               | --chunk-size must be a whole number, 1 to 10000, got '0'",
                "upload f --dataset d --max-rejects -1             | --max-rejects must be a whole number, 0 or more, got '-1'",
                "upload f --dataset d --atomic=true                | unknown option --atomic",
                "upload f --dataset                                | --dataset needs a value",
                "watch                                             | JOB is missing",
                "watch j --progress fancy                          | --progress must be one of auto, tty, plain, none, got 'fancy'",
                "jobs --status done                                | --status must be one of running, completed, failed, cancelled, aborted, got 'done'",
                "jobs --limit 1001                                 | --limit must be a whole number, 1 to 1000, got '1001'",
                "jobs extra                                        | unexpected argument 'extra'",
                "jobs --url localhost:8080                         | --url must start with http:// or https://, got 'localhost:8080'",
                "delete j                                          | unknown command 'delete'",
                "--frob                                            | unknown option --frob",
                "watch j --rejected-file=                          | --rejected-file needs a file name",
            })
    void aWrongCommandLineSaysWhatIsWrong(String line, String message) {
        assertThatThrownBy(() -> CommandLine.parse(line.strip().split(" +"), NO_ENV))
                .isInstanceOf(UsageException.class)
                .hasMessage(message);
    }
}
