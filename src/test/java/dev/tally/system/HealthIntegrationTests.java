package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.DatabaseSwitch;
import dev.tally.testing.UploadClient;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;

/** The actuator's probes and info, and that readiness follows the database. */
@TallyIntegrationTest
class HealthIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @Test
    void livenessAndReadinessAreUp() {
        UploadClient client = new UploadClient(port);

        assertThat(status(client, "/actuator/health/liveness")).isEqualTo("UP");
        assertThat(status(client, "/actuator/health/readiness")).isEqualTo("UP");
        assertThat(status(client, "/actuator/health")).isEqualTo("UP");
    }

    @Test
    void readinessIsDownWhileTheDatabaseIsUnreachableAndLivenessStaysUp() throws Exception {
        try (DatabaseSwitch database = new DatabaseSwitch(db.host(), db.port());
                ConfigurableApplicationContext instance = ServiceInstance.startWithDatabaseAt(
                        "r2dbc:postgresql://%s:%d/%s".formatted(db.host(), database.port(), db.name()))) {
            UploadClient client = new UploadClient(ServiceInstance.port(instance));
            assertThat(code(client, "/actuator/health/readiness")).isEqualTo(HttpStatus.OK);

            database.off();

            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(code(client, "/actuator/health/readiness"))
                            .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
            assertThat(status(client, "/actuator/health/liveness")).isEqualTo("UP");

            database.on();

            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() -> assertThat(code(client, "/actuator/health/readiness"))
                            .isEqualTo(HttpStatus.OK));
        }
    }

    @Test
    void infoHasTheBuildAndGitWhenBuiltInACheckout() throws IOException {
        JsonNode info = UploadClient.json(new UploadClient(port).get("/actuator/info"));

        assertThat(info.get("build").get("artifact").asString()).isEqualTo("tally");
        assertThat(info.get("build").get("group").asString()).isEqualTo("dev.tally");
        assertThat(info.get("build").has("version")).isTrue();
        assertThat(info.get("build").has("time")).isTrue();
        // A build outside a git checkout writes no commit into git.properties, and info then shows none.
        if (builtFromGit()) {
            assertThat(info.get("git").get("commit").get("id").asString()).hasSize(7);
            assertThat(info.get("git").has("branch")).isTrue();
        }
    }

    private boolean builtFromGit() throws IOException {
        Properties git = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/git.properties")) {
            if (in != null) {
                git.load(in);
            }
        }
        return git.containsKey("git.commit.id");
    }

    @Test
    void onlyHealthInfoAndPrometheusAreExposed() {
        UploadClient client = new UploadClient(port);

        assertThat(code(client, "/actuator/env")).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(code(client, "/actuator/metrics")).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(code(client, "/actuator/prometheus")).isEqualTo(HttpStatus.OK);
    }

    private static String status(UploadClient client, String path) {
        return UploadClient.json(client.get(path)).get("status").asString();
    }

    private static HttpStatus code(UploadClient client, String path) {
        return HttpStatus.valueOf(client.web()
                .get()
                .uri(path)
                .exchange()
                .returnResult(String.class)
                .getStatus()
                .value());
    }
}
