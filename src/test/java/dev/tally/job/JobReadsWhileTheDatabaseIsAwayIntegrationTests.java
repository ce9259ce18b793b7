package dev.tally.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.DatabaseSwitch;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * The job API's reads while the database is unreachable: {@code 503} problems, as an upload is
 * refused then, not {@code 500}s (the chaos run's readers met these during PostgreSQL restarts).
 */
@TallyIntegrationTest
class JobReadsWhileTheDatabaseIsAwayIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @Test
    void listingAJobAndItsRowLogAnswer503WhileTheDatabaseIsAwayAnd200OnceItIsBack() throws Exception {
        try (DatabaseSwitch database = new DatabaseSwitch(db.host(), db.port());
                ConfigurableApplicationContext instance = ServiceInstance.startWithDatabaseAt(
                        "r2dbc:postgresql://%s:%d/%s".formatted(db.host(), database.port(), db.name()))) {
            UploadClient client = new UploadClient(ServiceInstance.port(instance));
            String job = client.upload("things", "chunkSize=5", Things.body(10))
                    .get("job")
                    .asString();
            List<String> reads = List.of(
                    "/v1/jobs?limit=5",
                    "/v1/jobs/" + job,
                    "/v1/jobs/" + job + "/rows?outcome=rejected",
                    "/v1/jobs/" + job + "/rows?outcome=skipped&after=0&limit=3");

            database.off();

            for (String read : reads) {
                EntityExchangeResult<String> answer = exchange(client, read);
                assertThat(answer.getStatus().value()).as(read).isEqualTo(503);
                assertThat(answer.getResponseHeaders().getContentType())
                        .as(read)
                        .hasToString("application/problem+json");
                assertThat(UploadClient.json(answer.getResponseBody())
                                .get("title")
                                .asString())
                        .as(read)
                        .isEqualTo("Database unavailable");
            }

            database.on();

            for (String read : reads) {
                assertThat(exchange(client, read).getStatus().value()).as(read).isEqualTo(200);
            }
        }
    }

    private static EntityExchangeResult<String> exchange(UploadClient client, String uri) {
        return client.web().get().uri(uri).exchange().expectBody(String.class).returnResult();
    }
}
