package dev.tally;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another instance of the service in this JVM, on its own random port, sharing the {@link
 * TestDatabase} with the test's own: for tests of several instances, and of shutdown.
 */
public final class ServiceInstance {

    private ServiceInstance() {}

    /** Starts it with the {@code test} profile and the given {@code --name=value} settings; the caller closes it. */
    public static ConfigurableApplicationContext start(String... settings) {
        String[] args = new String[settings.length + 1];
        args[0] = "--server.port=0";
        System.arraycopy(settings, 0, args, 1, settings.length);
        return new SpringApplicationBuilder(TallyApplication.class)
                .profiles("test")
                .initializers(new TestDatabaseInitializer())
                .run(args);
    }

    public static int port(ConfigurableApplicationContext instance) {
        return instance.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }
}
