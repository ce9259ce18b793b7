package dev.tally.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** When the demo may fall back to an embedded database: only with its profile and no URL configured. */
class DemoDatabaseFallbackTests {

    // What application.yml sets, as Boot loads it: the raw text, resolved only when read.
    private static final Map<String, Object> APPLICATION_YML =
            Map.of("spring.r2dbc.url", "${TALLY_DB_URL:r2dbc:postgresql://localhost:5432/tally}");

    @Test
    void theDemoWithNoUrlConfiguredProbesTheDefaultAddress() {
        StandardEnvironment environment = environment("demo");

        assertThat(DemoDatabaseFallback.defaultAddress(environment))
                .contains(InetSocketAddress.createUnresolved("localhost", 5432));
    }

    @Test
    void withoutTheDemoProfileItNeverFallsBack() {
        assertThat(DemoDatabaseFallback.defaultAddress(environment())).isEmpty();
        assertThat(DemoDatabaseFallback.defaultAddress(environment("test"))).isEmpty();
    }

    @Test
    void aUrlInTallyDbUrlIsConfiguredEvenWhenItIsTheDefaultOne() {
        StandardEnvironment environment = environment("demo");
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        "systemEnvironment", Map.of("TALLY_DB_URL", "r2dbc:postgresql://localhost:5432/tally")));

        assertThat(DemoDatabaseFallback.defaultAddress(environment)).isEmpty();
    }

    @Test
    void aUrlFromAnyOtherSourceIsConfigured() {
        StandardEnvironment commandLine = environment("demo");
        commandLine
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "commandLineArgs", Map.of("spring.r2dbc.url", "r2dbc:postgresql://localhost:5432/tally")));
        StandardEnvironment springVariable = environment("demo");
        springVariable
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        "systemEnvironment", Map.of("SPRING_R2DBC_URL", "r2dbc:postgresql://db:5432/tally")));

        assertThat(DemoDatabaseFallback.defaultAddress(commandLine)).isEmpty();
        assertThat(DemoDatabaseFallback.defaultAddress(springVariable)).isEmpty();
    }

    @Test
    void theProbedAddressIsTheDefaultUrlsHostAndPort() {
        StandardEnvironment environment = environment("demo");
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        "otherDefaults", Map.of("spring.r2dbc.url", "r2dbc:postgresql://elsewhere:1/x")));

        assertThat(DemoDatabaseFallback.defaultAddress(environment))
                .contains(InetSocketAddress.createUnresolved("localhost", 5432));
    }

    private static StandardEnvironment environment(String... profiles) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        "Config resource 'class path resource [application.yml]'", APPLICATION_YML));
        environment.setActiveProfiles(profiles);
        ConfigurationPropertySources.attach(environment);
        return environment;
    }
}
