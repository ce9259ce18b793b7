package dev.tally.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server on its own: a data directory that one server at a time may use. */
@DisabledIfSystemProperty(named = "tally.test.database", matches = "embedded")
class EmbeddedPostgresLauncherIntegrationTests {

    @TempDir
    Path temp;

    @Test
    void aSecondServerOnARunningServersDirectoryIsRefusedNamingTheFirstsProcess() throws Exception {
        Path directory = temp.resolve("db");
        EmbeddedDatabase first = EmbeddedPostgresLauncher.start(directory);
        try {
            String pid = Files.readAllLines(directory.resolve("postmaster.pid")).getFirst();

            assertThatExceptionOfType(IOException.class)
                    .isThrownBy(() -> EmbeddedPostgresLauncher.start(directory))
                    .withMessageContaining("process " + pid + ") already runs on " + directory);
            assertThat(serverVersionNum(first.port())).isGreaterThanOrEqualTo(180000);
        } finally {
            first.stop();
        }
        assertThat(directory.resolve("postmaster.pid")).doesNotExist();

        EmbeddedDatabase again = EmbeddedPostgresLauncher.start(directory);
        try {
            assertThat(again.dataDirectory()).isEqualTo(directory);
            assertThat(serverVersionNum(again.port())).isGreaterThanOrEqualTo(180000);
        } finally {
            again.stop();
        }
    }

    @Test
    void aPidFileWhoseProcessIsGoneIsLeftToPostgresql() throws IOException {
        Path directory = Files.createDirectories(temp.resolve("stale"));
        Files.writeString(directory.resolve("postmaster.pid"), "2147483646\n" + directory + "\n");

        EmbeddedPostgresLauncher.refuseWhileAServerRunsOn(directory);
    }

    private static int serverVersionNum(int port) throws SQLException {
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
                ResultSet rs = connection.createStatement().executeQuery("SHOW server_version_num")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
