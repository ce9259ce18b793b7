package dev.tally.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.tally.TallyApplication;
import dev.tally.system.DatabaseUnavailableException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The demo where no database answers (the probe is told so): an embedded PostgreSQL whose data
 * outlives the service, and no fallback at all once a URL is configured. The probe itself, and the
 * real run command on a machine without PostgreSQL, are {@code .ci/demo-without-postgres}'s.
 */
// It tests the demo, not SQL: the integration tests' second pass (on an embedded server) leaves it out.
@DisabledIfSystemProperty(named = "tally.test.database", matches = "embedded")
class EmbeddedDemoDatabaseIntegrationTests {

    private static final String NDJSON = """
            {"id":1,"email":"c1@example.com","name":"Customer 1","balance":0.37,"updated_at":"2026-01-01T00:00:01Z"}
            {"id":2,"email":"c2@example.com","name":"Customer 2","balance":0.74,"updated_at":"2026-01-01T00:00:02Z"}
            {"id":1,"email":"c1@example.com","name":"Customer 1","balance":0.37,"updated_at":"2026-01-01T00:00:01Z"}
            {"id":3,"email":"c3@example.com","name":"Customer 3","balance":"x","updated_at":"2026-01-01T00:00:03Z"}
            """;

    @TempDir
    Path temp;

    @Test
    void theDemoRunsOnAnEmbeddedDatabaseThatKeepsItsJobsAcrossARestartAndStopsWithIt() throws Exception {
        Path directory = temp.resolve("demo-db");
        String job;
        int firstPort;
        try (ConfigurableApplicationContext demo = startDemo(directory)) {
            EmbeddedDatabase database = demo.getBean(EmbeddedDatabase.class);
            firstPort = database.port();
            assertThat(database.version()).startsWith("18.");
            client(demo)
                    .get()
                    .uri("/actuator/info")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.database.embedded")
                    .isEqualTo(true)
                    .jsonPath("$.database.dataDirectory")
                    .isEqualTo(directory.toString())
                    .jsonPath("$.database.port")
                    .isEqualTo(firstPort);
            Map<?, ?> completed = upload(demo);
            assertThat(completed.get("status")).isEqualTo("completed");
            assertThat(completed.get("totals"))
                    .isEqualTo(Map.of(
                            "received", 4, "inserted", 2, "updated", 0, "unchanged", 0, "skipped", 1, "rejected", 1));
            job = (String) completed.get("job");
            assertThat(customerIds(firstPort)).containsExactly(1L, 2L);
        }
        assertThat(answers(firstPort))
                .as("the embedded server stopped with the service")
                .isFalse();

        try (ConfigurableApplicationContext demo = startDemo(directory)) {
            client(demo)
                    .get()
                    .uri("/v1/jobs/{job}", job)
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.status")
                    .isEqualTo("completed")
                    .jsonPath("$.totals.inserted")
                    .isEqualTo(2)
                    .jsonPath("$.totals.skipped")
                    .isEqualTo(1)
                    .jsonPath("$.totals.rejected")
                    .isEqualTo(1);
            assertThat(customerIds(demo.getBean(EmbeddedDatabase.class).port())).containsExactly(1L, 2L);
        }
    }

    @Test
    void aConfiguredUrlThatDoesNotAnswerIsAStartUpErrorNotAFallback() {
        Path directory = temp.resolve("never-created");

        assertThatExceptionOfType(Exception.class)
                .isThrownBy(() -> startDemo(directory, "--spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:1/tally")
                        .close())
                .satisfies(e -> assertThat(rootCauses(e)).anyMatch(DatabaseUnavailableException.class::isInstance));
        assertThat(directory).doesNotExist();
    }

    // The probe says nothing answers, as on a machine without PostgreSQL, whatever this one runs.
    private static ConfigurableApplicationContext startDemo(Path directory, String... settings) {
        List<String> args = new ArrayList<>(
                List.of("--server.port=0", "--" + DemoDatabaseFallback.DIRECTORY_PROPERTY + "=" + directory));
        args.addAll(List.of(settings));
        return new SpringApplicationBuilder(TallyApplication.class)
                .profiles("demo")
                .listeners(new DemoDatabaseFallback(address -> false))
                .run(args.toArray(String[]::new));
    }

    private static WebTestClient client(ConfigurableApplicationContext demo) {
        return WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + demo.getEnvironment().getRequiredProperty("local.server.port"))
                .defaultHeader("Authorization", "Bearer tally-demo-token")
                .build();
    }

    private static Map<?, ?> upload(ConfigurableApplicationContext demo) {
        return client(demo)
                .post()
                .uri("/v1/datasets/customers/records?onConflict=skip")
                .contentType(MediaType.parseMediaType("application/x-ndjson"))
                .accept(MediaType.APPLICATION_JSON)
                .bodyValue(NDJSON)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(Map.class)
                .returnResult()
                .getResponseBody();
    }

    // Through JDBC, not the service: what the embedded server's table holds.
    private static List<Long> customerIds(int port) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection connection =
                        DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/tally", "postgres", "");
                ResultSet rs =
                        connection.createStatement().executeQuery("SELECT id FROM public.customers ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Throwable> rootCauses(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
