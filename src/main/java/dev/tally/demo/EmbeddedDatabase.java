package dev.tally.demo;

import java.nio.file.Path;

/**
 * A running embedded PostgreSQL: where it answers and where its data lives. Stopping it (a fast
 * shutdown) keeps the data directory for the next run.
 *
 * @param version the server's version, as {@code SHOW server_version} gives it
 * @param port the TCP port it listens on, on localhost
 * @param dataDirectory its data directory, kept between runs
 */
public record EmbeddedDatabase(String version, int port, Path dataDirectory, AutoCloseable server) {

    /** The database Tally uses on it (created by {@code system.DatabaseSetup} when missing). */
    public String r2dbcUrl() {
        return "r2dbc:postgresql://localhost:%d/tally".formatted(port);
    }

    /** Stops the server, waiting for it to end; its data stays. */
    public void stop() throws Exception {
        server.close();
    }
}
