package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** What every subscriber of a job must have received, however its chunk events were merged. */
public final class FollowedEvents {

    private static final List<String> COUNTS =
            List.of("received", "inserted", "updated", "unchanged", "skipped", "rejected");

    private FollowedEvents() {}

    /**
     * The job event first, the final event {@code end} last, and chunk events between, each once:
     * their chunk ranges tile 1 to the job's last chunk and their line ranges tile the lines from
     * 1, their ids are their last chunks, each carries the running totals, and each count summed
     * over them equals the total.
     */
    public static void assertWhole(List<JsonNode> followed, JsonNode end) {
        assertThat(followed.getFirst().get("event").asString()).isEqualTo("job");
        assertThat(followed.getFirst().get("id").asLong()).isZero();
        assertThat(followed.getLast()).isEqualTo(end);
        long next = 1;
        long nextLine = 1;
        long[] sums = new long[COUNTS.size()];
        for (JsonNode chunk : followed.subList(1, followed.size() - 1)) {
            assertThat(chunk.get("event").asString()).isEqualTo("chunk");
            long first = chunk.has("chunk")
                    ? chunk.get("chunk").asLong()
                    : chunk.at("/chunks/first").asLong();
            long last = chunk.has("chunk") ? first : chunk.at("/chunks/last").asLong();
            assertThat(first).as("the first chunk of %s", chunk).isEqualTo(next);
            assertThat(chunk.at("/lines/first").asLong())
                    .as("the first line of %s", chunk)
                    .isEqualTo(nextLine);
            assertThat(chunk.get("id").asLong()).isEqualTo(last);
            next = last + 1;
            nextLine = chunk.at("/lines/last").asLong() + 1;
            for (int i = 0; i < COUNTS.size(); i++) {
                sums[i] += chunk.get("counts").get(COUNTS.get(i)).asLong();
                assertThat(chunk.get("totals").get(COUNTS.get(i)).asLong())
                        .as("the total %s of %s", COUNTS.get(i), chunk)
                        .isEqualTo(sums[i]);
            }
        }
        assertThat(next - 1).isEqualTo(end.get("chunks").asLong());
        for (int i = 0; i < COUNTS.size(); i++) {
            assertThat(sums[i])
                    .as(COUNTS.get(i))
                    .isEqualTo(end.get("totals").get(COUNTS.get(i)).asLong());
        }
    }

    /** The number of chunk events that merged several chunks. */
    public static long merged(List<JsonNode> followed) {
        return followed.stream()
                .filter(event -> event.has("chunks") && event.get("chunks").isObject())
                .count();
    }
}
