package dev.tally;

import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Another instance of the service in this JVM, on its own random port, sharing the {@link
 * TestDatabase} with the test's own: for tests of several instances, and of shutdown.
 */
public final class ServiceInstance {

    private ServiceInstance() {}

    /** Starts it with the {@code test} profile and the given {@code --name=value} settings; the caller closes it. */
    public static ConfigurableApplicationContext start(String... settings) {
        return builder().run(args(settings));
    }

    /**
     * Starts it as {@link #start} does, connected to the test database through {@code r2dbcUrl}
     * instead (a proxy in front of it).
     */
    public static ConfigurableApplicationContext startWithDatabaseAt(String r2dbcUrl, String... settings) {
        return builder()
                .initializers(context -> context.getEnvironment()
                        .getPropertySources()
                        .addFirst(new MapPropertySource("databaseAt", Map.of("spring.r2dbc.url", r2dbcUrl))))
                .run(args(settings));
    }

    private static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(TallyApplication.class)
                .profiles("test")
                .initializers(new TestDatabaseInitializer());
    }

    private static String[] args(String... settings) {
        String[] args = new String[settings.length + 1];
        args[0] = "--server.port=0";
        System.arraycopy(settings, 0, args, 1, settings.length);
        return args;
    }

    public static int port(ConfigurableApplicationContext instance) {
        return instance.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }
}
