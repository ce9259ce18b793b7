package dev.tally.demo;

import dev.tally.system.DatabaseUnavailableException;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;
import org.springframework.core.env.PropertySource;
import org.springframework.util.ClassUtils;

/**
 * With the {@code demo} profile, no database URL configured and nothing answering at the default
 * address, starts an {@link EmbeddedDatabase} and points the service at it; in every other case it
 * does nothing, so that a configured database that cannot be reached stays a start-up error.
 *
 * <p>It runs once the environment is final (after every initializer, a test's too) and before any
 * bean exists. The server is registered as the context's first disposable bean, so it stops last:
 * after a graceful shutdown has let running uploads end.
 */
public class DemoDatabaseFallback implements ApplicationListener<ApplicationPreparedEvent> {

    static final String DIRECTORY_PROPERTY = "tally.demo.database-directory";
    static final String BEAN_NAME = "embeddedDemoDatabase";

    private static final Logger log = LoggerFactory.getLogger(DemoDatabaseFallback.class);
    private static final String URL_PROPERTY = "spring.r2dbc.url";
    // application.yml's default, used while TALLY_DB_URL is unset.
    private static final String DEFAULT_URL_PREFIX = "${TALLY_DB_URL:";
    private static final String LIBRARY = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

    private final Predicate<InetSocketAddress> answers;

    public DemoDatabaseFallback() {
        this(DemoDatabaseFallback::answers);
    }

    /** For tests: {@code answers} says whether a database listens at an address. */
    DemoDatabaseFallback(Predicate<InetSocketAddress> answers) {
        this.answers = answers;
    }

    @Override
    public void onApplicationEvent(ApplicationPreparedEvent event) {
        ConfigurableApplicationContext context = event.getApplicationContext();
        ConfigurableEnvironment environment = context.getEnvironment();
        Optional<InetSocketAddress> address = defaultAddress(environment);
        if (address.isEmpty() || answers.test(address.get())) {
            return;
        }
        if (!ClassUtils.isPresent(LIBRARY, context.getClassLoader())) {
            log.warn(
                    "Demo: nothing answers on {} and this build has no embedded PostgreSQL (the runnable jar"
                            + " leaves it out; ./mvnw spring-boot:run has it)",
                    shown(address.get()));
            return;
        }
        EmbeddedDatabase database = start(dataDirectory(environment), address.get());
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        BEAN_NAME, Map.of(URL_PROPERTY, database.r2dbcUrl(), "spring.r2dbc.username", "postgres")));
        DefaultListableBeanFactory beans = (DefaultListableBeanFactory) context.getBeanFactory();
        beans.registerSingleton(BEAN_NAME, database);
        beans.registerDisposableBean(BEAN_NAME, () -> {
            log.info("Demo: stopping the embedded PostgreSQL; its data stays in {}", database.dataDirectory());
            database.stop();
        });
    }

    /**
     * Where the demo would look for PostgreSQL when it may fall back: with the {@code demo} profile
     * and no URL configured (neither {@code TALLY_DB_URL} nor {@code spring.r2dbc.url} from any
     * source but application.yml's default); empty otherwise.
     */
    static Optional<InetSocketAddress> defaultAddress(ConfigurableEnvironment environment) {
        if (!environment.acceptsProfiles(Profiles.of("demo")) || urlConfigured(environment)) {
            return Optional.empty();
        }
        ConnectionFactoryOptions options =
                ConnectionFactoryOptions.parse(environment.getRequiredProperty(URL_PROPERTY));
        Object port = options.getValue(ConnectionFactoryOptions.PORT);
        return Optional.of(InetSocketAddress.createUnresolved(
                String.valueOf(options.getRequiredValue(ConnectionFactoryOptions.HOST)),
                port == null ? 5432 : Integer.parseInt(port.toString())));
    }

    private static boolean urlConfigured(ConfigurableEnvironment environment) {
        if (environment.containsProperty("TALLY_DB_URL")) {
            return true;
        }
        for (PropertySource<?> source : environment.getPropertySources()) {
            // The attached source is a view of all the others: skip it to find the one that sets the URL.
            if (!ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)
                    && source.containsProperty(URL_PROPERTY)) {
                return !String.valueOf(source.getProperty(URL_PROPERTY)).startsWith(DEFAULT_URL_PREFIX);
            }
        }
        return false;
    }

    private static Path dataDirectory(ConfigurableEnvironment environment) {
        String configured = environment.getProperty(DIRECTORY_PROPERTY);
        return (configured == null || configured.isBlank()
                        ? Path.of(System.getProperty("user.home"), ".tally", "demo-db")
                        : Path.of(configured))
                .toAbsolutePath();
    }

    private static EmbeddedDatabase start(Path directory, InetSocketAddress probed) {
        log.info(
                "Demo: nothing answers on {}, starting an embedded PostgreSQL with its data in {}",
                shown(probed),
                directory);
        EmbeddedDatabase database;
        try {
            database = EmbeddedPostgresLauncher.start(directory);
        } catch (IOException | RuntimeException e) {
            throw new DatabaseUnavailableException(
                    "The demo found no PostgreSQL on %s and could not start an embedded one in %s: %s"
                            .formatted(shown(probed), directory, e.getMessage()),
                    e);
        }
        log.info(
                "Demo: Tally runs on an embedded PostgreSQL {} (localhost:{}), not on a server of yours. Its data"
                        + " lives in {} and is kept between runs: delete that directory to start afresh, or set {}"
                        + " to keep it elsewhere. It stops when Tally stops.",
                database.version(),
                database.port(),
                database.dataDirectory(),
                DIRECTORY_PROPERTY);
        return database;
    }

    private static String shown(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    private static boolean answers(InetSocketAddress address) {
        try {
            for (InetAddress candidate : InetAddress.getAllByName(address.getHostString())) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(candidate, address.getPort()), 1000);
                    return true;
                } catch (IOException refused) {
                    // try the host's next address (localhost: ::1, then 127.0.0.1)
                }
            }
        } catch (IOException unknownHost) {
            return false;
        }
        return false;
    }
}
