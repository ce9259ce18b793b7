package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the client answers without a service: help, usage errors and a file it cannot read. */
class TallyCliTests {

    @Test
    void helpGoesToStdoutAndExitsZero() {
        CliRun general = CliRun.of(Map.of(), "help");
        CliRun upload = CliRun.of(Map.of(), "upload", "--help");

        assertThat(general.exit()).isEqualTo(ExitCode.OK);
        assertThat(general.out()).isEqualTo(Usage.GENERAL);
        assertThat(upload.exit()).isEqualTo(ExitCode.OK);
        assertThat(upload.out()).isEqualTo(Usage.UPLOAD).contains("jq -r .text FILE.rejected.ndjson");
        assertThat(CliRun.of(Map.of(), "help", "jobs").out()).isEqualTo(Usage.JOBS);
        assertThat(CliRun.of(Map.of(), "watch", "-h").out()).isEqualTo(Usage.WATCH);
    }

    @Test
    void aWrongCommandLineExitsSixtyFourAndPointsToTheHelp() {
        CliRun run = CliRun.of(Map.of(), "upload", "f.ndjson");
        CliRun unknown = CliRun.of(Map.of(), "jobz");

        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines())
                .containsExactly("tally: --dataset is required", "Run 'tally upload --help' for usage.");
        assertThat(unknown.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.errLines())
                .containsExactly("tally: unknown command 'jobz'", "Run 'tally --help' for usage.");
    }

    @Test
    void aFileThatIsNotThereIsAUsageErrorBeforeAnyRequest() {
        CliRun run = CliRun.of(
                Map.of(), "upload", "/nonexistent/f.ndjson", "--dataset", "things", "--url", "http://localhost:1");

        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.errLines()).containsExactly("tally: cannot read /nonexistent/f.ndjson");
    }
}
