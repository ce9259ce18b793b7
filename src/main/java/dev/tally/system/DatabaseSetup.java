package dev.tally.system;

import io.r2dbc.spi.ConnectionFactoryOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Readies the database before anything reads it: creates it when missing, then migrates Tally's
 * own schema and the configured dataset migrations. Runs once, blocking, at start-up.
 *
 * <p>Flyway and the catalog reader use JDBC, whose URL is derived from the service's R2DBC URL so
 * that one setting ({@code TALLY_DB_URL}) names the database.
 */
@Component
public class DatabaseSetup {

    private static final Logger log = LoggerFactory.getLogger(DatabaseSetup.class);

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    DatabaseSetup(
            @Value("${spring.r2dbc.url}") String r2dbcUrl,
            @Value("${spring.r2dbc.username:}") String user,
            @Value("${spring.r2dbc.password:}") String password,
            TallyProperties properties) {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(r2dbcUrl);
        this.host = String.valueOf(options.getRequiredValue(ConnectionFactoryOptions.HOST));
        Object portOption = options.getValue(ConnectionFactoryOptions.PORT);
        this.port = portOption == null ? 5432 : Integer.parseInt(portOption.toString());
        Object databaseOption = options.getValue(ConnectionFactoryOptions.DATABASE);
        this.database = databaseOption == null ? "postgres" : databaseOption.toString();
        this.user = user;
        this.password = password;
        createDatabaseIfMissing();
        migrate(properties);
    }

    /** A new JDBC connection to the service's database; for start-up work only, never on a request. */
    public Connection openJdbc() throws SQLException {
        return open(database);
    }

    private void createDatabaseIfMissing() {
        try (Connection ignored = open(database)) {
            return;
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) {
                throw unavailable(e);
            }
        }
        try (Connection admin = open("postgres");
                var statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
            log.info("Created database {} on {}:{}", database, host, port);
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // created meanwhile by another instance
                throw unavailable(e);
            }
        }
    }

    private void migrate(TallyProperties properties) {
        String url = jdbcUrl(database);
        Flyway.configure()
                .dataSource(url, user, password)
                .schemas("tally")
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        if (!properties.migrations().isEmpty()) {
            Flyway.configure()
                    .dataSource(url, user, password)
                    .table("tally_dataset_history")
                    .locations(properties.migrations().toArray(String[]::new))
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        }
    }

    private Connection open(String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (!password.isEmpty()) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(jdbcUrl(db), props);
    }

    private String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    private DatabaseUnavailableException unavailable(SQLException e) {
        return new DatabaseUnavailableException(
                "Cannot use PostgreSQL at %s:%d, database %s, as user %s: %s"
                        .formatted(host, port, database, user, e.getMessage()),
                e);
    }
}
