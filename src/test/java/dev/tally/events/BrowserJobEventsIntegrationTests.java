package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.Browser;
import dev.tally.TestTokens;
import dev.tally.testing.ConnectionDroppingProxy;
import dev.tally.testing.ConnectionDroppingProxy.Request;
import dev.tally.testing.FollowedEvents;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real browser's {@code EventSource} on {@code GET /v1/jobs/{id}/events}: headless Chromium loads
 * the test page {@code /test/job-events.html} (src/test/resources/static), which follows one job
 * and keeps every event, {@code open} and {@code error} it sees.
 *
 * <p>Chunks of 10 lines over {@link Things}, 45 lines: chunk 1 is lines 1-10, 2 lines 11-21, 3
 * lines 22-32, 4 lines 33-43, 5 lines 44-45; the final event has id 6.
 */
class BrowserJobEventsIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> FINAL = List.of("completed", "failed", "cancelled", "aborted");

    private static Browser browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = Browser.start();
    }

    @AfterAll
    static void quitBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /**
     * The browser follows a running upload through a proxy that drops its connection after chunk 2.
     * Chunk 3 commits while it is away; the EventSource reconnects on its own with {@code
     * Last-Event-ID: 2}, gets chunk 3 from the ledger and the rest live, and closes at the final event.
     */
    @Test
    void anEventSourceFollowsARunningJobAndResumesAfterADroppedConnection() throws Exception {
        JsonNode jobEvent;
        JsonNode end;
        List<JsonNode> seen;
        List<Request> requests;
        try (ConnectionDroppingProxy proxy = new ConnectionDroppingProxy(port);
                RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            jobEvent = upload.nextEvent(WAIT);
            String job = jobEvent.get("job").asString();
            String events = "GET /v1/jobs/" + job + "/events ";

            browser.open("http://127.0.0.1:" + proxy.port() + "/test/job-events.html?job=" + job + "&token="
                    + TestTokens.ADMIN);
            awaitSeen(received -> lastId(received) == 0);
            // One chunk at a time, so that none is merged: chunk 3 waits for line 33.
            upload.send(Things.lines(1, 15));
            awaitSeen(received -> lastId(received) == 1);
            upload.send(Things.lines(16, 25));
            awaitSeen(received -> lastId(received) == 2);

            assertThat(proxy.dropAll()).isPositive();
            awaitSeen(received -> received.stream()
                    .anyMatch(entry -> entry.get("type").asString().equals("error")));
            upload.send(Things.lines(26, 35)); // chunk 3 commits while the browser is away
            JobLedger.awaitChunks(db, job, 3, WAIT);
            awaitRequests(proxy, events, 2); // the EventSource's own reconnection, after ~3 s

            upload.send(Things.lines(36, 45));
            upload.finish();
            end = upload.remainingEvents(WAIT).getLast();
            seen = awaitSeen(
                    received -> FINAL.contains(received.getLast().get("type").asString()));
            requests = proxy.requests(events);
        }

        // open, job, chunks 1 and 2, the drop, open again, chunks 3 to 5 (perhaps merged), completed.
        assertThat(seen.stream().map(entry -> entry.get("type").asString()).filter(type -> !isEvent(type)))
                .containsExactly("open", "error", "open");
        int drop = indexOfType(seen, "error");
        assertThat(seen.subList(0, drop).stream().map(entry -> entry.get("type").asString()))
                .containsExactly("open", "job", "chunk", "chunk");
        assertThat(seen.get(drop + 1).get("type").asString()).isEqualTo("open");
        assertThat(seen.get(drop).get("readyState").asInt()).isZero(); // CONNECTING: it will retry

        // The EventSource asked again by itself, for what came after the last event it had.
        assertThat(requests).hasSize(2);
        assertThat(requests.getFirst().header("Accept")).isEqualTo("text/event-stream");
        assertThat(requests.getFirst().header("Last-Event-ID")).isNull();
        assertThat(requests.getLast().header("Last-Event-ID"))
                .isEqualTo(Long.toString(lastId(seen.subList(0, drop))))
                .isEqualTo("2");

        List<JsonNode> events = events(seen);
        assertThat(events.getFirst()).isEqualTo(jobEvent);
        assertThat(events.get(1).get("chunk").asLong()).isEqualTo(1);
        assertThat(events.get(2).get("chunk").asLong()).isEqualTo(2);
        assertThat(events.get(3).get("id").asLong()).isGreaterThan(2); // nothing came twice
        assertEveryChunkOnceThenTheEnd(events, end);
    }

    /** A job that ended is replayed in full, with its uploader's events, and the page closes at its end. */
    @Test
    void anEventSourceReplaysAFinishedJob() throws Exception {
        List<JsonNode> uploaded = client.events("things", "chunkSize=10", Things.body(45));
        String job = uploaded.getFirst().get("job").asString();

        browser.open("http://localhost:" + port + "/test/job-events.html?job=" + job + "&token=" + TestTokens.ADMIN);
        List<JsonNode> seen = awaitSeen(
                received -> FINAL.contains(received.getLast().get("type").asString()));

        assertThat(seen.getFirst().get("type").asString()).isEqualTo("open");
        assertThat(events(seen)).isEqualTo(uploaded);
        assertEveryChunkOnceThenTheEnd(events(seen), uploaded.getLast());
        Thread.sleep(500); // closed at the final event: no error, no reconnection
        assertThat(seen()).hasSameSizeAs(seen);
    }

    /**
     * Every chunk once ({@link FollowedEvents#assertWhole}) and the final event, which is the
     * uploader's and agrees with the job document.
     */
    private void assertEveryChunkOnceThenTheEnd(List<JsonNode> events, JsonNode end) {
        FollowedEvents.assertWhole(events, end);
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(end.get("id").asLong()).isEqualTo(6);
        assertThat(end.get("chunks").asLong()).isEqualTo(5);
        assertThat(end.at("/totals/received").asLong()).isEqualTo(Things.received(45));
        assertThat(end.at("/totals/rejected").asLong())
                .isEqualTo(Things.invalid(45).size());

        JsonNode document =
                JSON.readTree(client.get("/v1/jobs/{id}", end.get("job").asString()));
        assertThat(document.get("status").asString()).isEqualTo("completed");
        assertThat(document.get("chunks").asLong()).isEqualTo(5);
        assertThat(document.get("totals")).isEqualTo(end.get("totals"));
    }

    /**
     * The page's events (not its opens and errors) as NDJSON event objects: the data as sent (its
     * text: parsed by JavaScript, 209.0 would read 209), with the event's name and id.
     */
    private static List<JsonNode> events(List<JsonNode> seen) {
        return seen.stream()
                .filter(entry -> isEvent(entry.get("type").asString()))
                .map(entry -> sameNumbers(((ObjectNode)
                                JSON.readTree(entry.get("text").asString()))
                        .put("event", entry.get("type").asString())
                        .put("id", Long.parseLong(entry.get("lastEventId").asString()))))
                .toList();
    }

    /** The object read back as the NDJSON lines are, so that numbers compare equal. */
    private static JsonNode sameNumbers(JsonNode node) {
        return JSON.readTree(node.toString());
    }

    private static boolean isEvent(String type) {
        return !type.equals("open") && !type.equals("error");
    }

    private static int indexOfType(List<JsonNode> seen, String type) {
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).get("type").asString().equals(type)) {
                return i;
            }
        }
        throw new AssertionError("No " + type + " in " + seen);
    }

    /** The id of the page's last event, -1 before any. */
    private static long lastId(List<JsonNode> seen) {
        List<JsonNode> events = events(seen);
        return events.isEmpty() ? -1 : events.getLast().get("id").asLong();
    }

    /** What the page has seen so far: {@code {type, lastEventId, data}} per event, {@code {type}} per open and error. */
    private static List<JsonNode> seen() {
        String received = (String) browser.script("return JSON.stringify(window.received || [])");
        List<JsonNode> seen = new ArrayList<>();
        JSON.readTree(received).forEach(seen::add);
        return seen;
    }

    private static List<JsonNode> awaitSeen(Predicate<List<JsonNode>> done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<JsonNode> seen = seen();
            if (!seen.isEmpty() && done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The page did not get there within " + WAIT + "; it saw " + seen);
            }
            Thread.sleep(20);
        }
    }

    private static void awaitRequests(ConnectionDroppingProxy proxy, String prefix, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (proxy.requests(prefix).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "Fewer than " + count + " requests " + prefix + "within " + WAIT + ": " + proxy.requests());
            }
            Thread.sleep(20);
        }
    }
}
