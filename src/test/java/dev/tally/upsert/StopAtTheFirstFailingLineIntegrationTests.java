package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.UploadClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * A chunk holding both a line that passes {@code maxRejects} and an existing key under {@code
 * onConflict=fail} stops the job at whichever comes first in the file, as applying the lines one
 * at a time would (the chaos run met key_exists reported at a later line than the max_rejects one).
 * Thing 4 exists; the upload is one chunk of five lines.
 */
class StopAtTheFirstFailingLineIntegrationTests extends ServiceIntegrationTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "&atomic=true", "&dryRun=true"})
    void aRejectPassingMaxRejectsBeforeAnExistingKeyFailsMaxRejects(String mode) {
        db.update("INSERT INTO things (id, label) VALUES (4, 'there')");

        JsonNode end = client.upload(
                "things",
                "onConflict=fail&maxRejects=0&chunkSize=10" + mode,
                UploadClient.lines(
                        "{\"id\":1,\"label\":\"one\"}",
                        "{\"id\":",
                        "{\"id\":3,\"label\":\"three\"}",
                        "{\"id\":4,\"label\":\"four\"}",
                        "{\"id\":5,\"label\":\"five\"}"));

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").toString())
                .isEqualTo("{\"code\":\"max_rejects\",\"message\":\"line 2 is rejected line number 1, over"
                        + " maxRejects=0\",\"line\":2}");
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "&atomic=true", "&dryRun=true"})
    void anExistingKeyBeforeARejectPassingMaxRejectsFailsKeyExists(String mode) {
        db.update("INSERT INTO things (id, label) VALUES (2, 'there')");

        JsonNode end = client.upload(
                "things",
                "onConflict=fail&maxRejects=0&chunkSize=10" + mode,
                UploadClient.lines(
                        "{\"id\":1,\"label\":\"one\"}",
                        "{\"id\":2,\"label\":\"two\"}",
                        "{\"id\":3,\"label\":\"three\"}",
                        "{\"id\":",
                        "{\"id\":5,\"label\":\"five\"}"));

        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("error").get("code").asString()).isEqualTo("key_exists");
        assertThat(end.get("error").get("line").asLong()).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(1);
    }
}
