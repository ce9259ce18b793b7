package dev.tally.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /v1/jobs}: newest first, filtered by dataset and status, at most {@code limit}. */
class JobListIntegrationTests extends ServiceIntegrationTest {

    @Test
    void jobsComeNewestFirstFilteredByDatasetAndStatus() {
        String first = client.upload("things", "", UploadClient.lines("{\"id\":1,\"label\":\"one\"}"))
                .get("job")
                .asString();
        String failed = client.upload(
                        "things", "onConflict=fail", UploadClient.lines("{\"id\":1,\"label\":\"one again\"}"))
                .get("job")
                .asString();
        String typed = client.upload("typed", "", UploadClient.lines("{\"id\":7,\"t\":\"x\"}"))
                .get("job")
                .asString();

        assertThat(ids(client.get("/v1/jobs?limit=3"))).containsExactly(typed, failed, first);
        assertThat(ids(client.get("/v1/jobs?dataset=things&limit=2"))).containsExactly(failed, first);
        JsonNode onlyFailed = UploadClient.json(client.get("/v1/jobs?dataset=things&status=failed&limit=1"));
        assertThat(ids(onlyFailed.toString())).containsExactly(failed);
        JsonNode job = onlyFailed.get("jobs").get(0);
        assertThat(job.get("status").asString()).isEqualTo("failed");
        assertThat(job.get("error").get("code").asString()).isEqualTo("key_exists");
        assertThat(job.get("totals").get("received").asLong()).isZero();
        assertThat(ids(client.get("/v1/jobs?dataset=nothing-here"))).isEmpty();
    }

    @Test
    void aJobDocumentHasItsDurationAndThroughput() {
        String job = client.upload("things", "", UploadClient.lines("{\"id\":2,\"label\":\"two\"}", "{\"id\":3}"))
                .get("job")
                .asString();

        JsonNode document = UploadClient.json(client.get("/v1/jobs/{id}", job));

        long ms = db.count(
                "SELECT greatest(1, floor(extract(epoch FROM ended_at - started_at) * 1000))::bigint FROM tally.job"
                        + " WHERE id = ?::uuid",
                job);
        assertThat(document.get("durationMs").asLong()).isEqualTo(ms);
        assertThat(document.get("rowsPerSecond").asDouble()).isEqualTo(Math.round(2 * 1000.0 / ms * 10) / 10.0);
    }

    @Test
    void badFiltersAreBadRequests() {
        for (String query : List.of("status=done", "limit=0", "limit=1001", "limit=ten")) {
            client.web()
                    .get()
                    .uri("/v1/jobs?" + query)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectHeader()
                    .contentType("application/problem+json");
        }
    }

    /**
     * The row log pages by line: {@code after} the previous page's last line, at most {@code limit}
     * rows. 100 lines of {@link Things} reject lines 17, 34, 51, 68 and 85.
     */
    @Test
    void theRowLogPagesByLine() {
        String job = client.upload("things", "chunkSize=10", Things.body(100))
                .get("job")
                .asString();
        assertThat(Things.invalid(100)).containsExactly(17L, 34L, 51L, 68L, 85L);

        assertThat(lines(job, "")).containsExactly(17L, 34L, 51L, 68L, 85L);
        assertThat(lines(job, "&limit=2")).containsExactly(17L, 34L);
        assertThat(lines(job, "&after=34&limit=2")).containsExactly(51L, 68L);
        assertThat(lines(job, "&after=68&limit=2")).containsExactly(85L);
        assertThat(lines(job, "&after=85&limit=2")).isEmpty();
        assertThat(lines(job, "&after=50")).containsExactly(51L, 68L, 85L);
        for (String query : List.of("after=-1", "after=x", "limit=0", "limit=10001", "limit=")) {
            client.web()
                    .get()
                    .uri("/v1/jobs/" + job + "/rows?" + query)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectHeader()
                    .contentType("application/problem+json");
        }
    }

    private List<Long> lines(String job, String paging) {
        String rows = client.get("/v1/jobs/{id}/rows?outcome=rejected" + paging, job);
        if (rows == null) { // an empty body
            return List.of();
        }
        return rows.lines()
                .map(UploadClient::json)
                .map(row -> row.get("line").asLong())
                .toList();
    }

    private static List<String> ids(String body) {
        return StreamSupport.stream(UploadClient.json(body).get("jobs").spliterator(), false)
                .map(job -> job.get("job").asString())
                .toList();
    }
}
