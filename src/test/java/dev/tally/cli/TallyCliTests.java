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
        assertThat(CliRun.of(Map.of(), "help", "serve").out()).isEqualTo(Usage.SERVE);
        assertThat(CliRun.of(Map.of(), "serve", "--help").out()).isEqualTo(Usage.SERVE);
    }

    /** Neither asks for the service: the jar's main runs the client for them, which prints the help. */
    @Test
    void dashDashHelpAndDashHPrintTheHelpAndExitZero() {
        for (String help : new String[] {"--help", "-h"}) {
            assertThat(CommandLine.startsService(new String[] {help})).isFalse();
            CliRun run = CliRun.of(Map.of(), help);

            assertThat(run.exit()).isEqualTo(ExitCode.OK);
            assertThat(run.out()).isEqualTo(Usage.GENERAL);
            assertThat(run.err()).isEmpty();
        }
    }

    @Test
    void aMistypedCommandPrintsTheHelpOnStderrAndExitsSixtyFour() {
        assertThat(CommandLine.startsService(new String[] {"frob"})).isFalse();
        CliRun run = CliRun.of(Map.of(), "frob");
        CliRun option = CliRun.of(Map.of(), "--frob");

        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("tally: unknown command 'frob'\n\n" + Usage.GENERAL);
        assertThat(option.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(option.err()).isEqualTo("tally: unknown option --frob\n\n" + Usage.GENERAL);
    }

    @Test
    void aWrongCommandLineExitsSixtyFourAndPointsToTheHelp() {
        CliRun run = CliRun.of(Map.of(), "upload", "f.ndjson");

        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines())
                .containsExactly("tally: --dataset is required", "Run 'tally upload --help' for usage.");
    }

    @Test
    void aFileThatIsNotThereIsAUsageErrorBeforeAnyRequest() {
        CliRun run = CliRun.of(
                Map.of(), "upload", "/nonexistent/f.ndjson", "--dataset", "things", "--url", "http://localhost:1");

        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.errLines()).containsExactly("tally: cannot read /nonexistent/f.ndjson");
    }
}
