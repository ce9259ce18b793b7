package dev.tally;

import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Points the service at the {@link TestDatabase}, ahead of every other property source so that no
 * {@code TALLY_DB_URL} in the environment can send tests to a real database.
 */
public class TestDatabaseInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestDatabase database = TestDatabase.get();
        context.getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "tallyTestDatabase",
                        Map.of(
                                "spring.r2dbc.url", database.r2dbcUrl(),
                                "spring.r2dbc.username", database.user(),
                                "spring.r2dbc.password", database.password())));
    }
}
