package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.RawHttp;
import dev.tally.testing.RawResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client that sends its body in pieces, pausing between them, while it reads the server-sent
 * events on the same connection, as Python's {@code http.client} or any hand-written client does:
 * every line commits, and events arrive while the body is still being sent. Nothing in the answer
 * may tell such a client to stop sending ({@code Connection: close}).
 */
@TallyIntegrationTest
class FullDuplexIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PIECES = 30;
    private static final int LINES_PER_PIECE = 1000;
    private static final int LINES = PIECES * LINES_PER_PIECE;

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void emptyThings() {
        db.update("TRUNCATE things");
    }

    @Test
    void piecesSentWithPausesWhileEventsAreReadAllCommit() throws Exception {
        try (RawHttp connection = RawHttp.connect(port, Duration.ofSeconds(60))) {
            connection.write(head());
            AtomicInteger piecesSent = new AtomicInteger();
            CompletableFuture<Void> sender =
                    CompletableFuture.runAsync(() -> sendPieces(connection, 0, PIECES, piecesSent));

            RawResponse head = connection.readHead();
            List<Event> events = readEvents(head, piecesSent);
            sender.get(60, TimeUnit.SECONDS);

            assertCompletedWithEveryLine(head, events);
            assertThat(events.stream()
                            .filter(e -> e.name().equals("chunk"))
                            .anyMatch(e -> e.piecesSentBefore() < PIECES))
                    .as("chunk events arrive while the body is still being sent")
                    .isTrue();
        }
    }

    @Test
    void aClientThatReadsTheAnswersHeadBeforeSendingTheRestCompletes() throws Exception {
        try (RawHttp connection = RawHttp.connect(port, Duration.ofSeconds(60))) {
            connection.write(head());
            AtomicInteger piecesSent = new AtomicInteger();
            sendPieces(connection, 0, 1, piecesSent);

            RawResponse head = connection.readHead();
            assertThat(head.status).isEqualTo(200);
            CompletableFuture<Void> sender =
                    CompletableFuture.runAsync(() -> sendPieces(connection, 1, PIECES, piecesSent));
            List<Event> events = readEvents(head, piecesSent);
            sender.get(60, TimeUnit.SECONDS);

            assertCompletedWithEveryLine(head, events);
        }
    }

    private void assertCompletedWithEveryLine(RawResponse head, List<Event> events) {
        assertThat(head.status).isEqualTo(200);
        assertThat(head.header("content-type")).startsWith("text/event-stream");
        assertThat(head.header("connection")).isNull();
        Event end = events.getLast();
        assertThat(end.name()).isEqualTo("completed");
        JsonNode totals = end.data().get("totals");
        assertThat(totals.get("received").asLong()).isEqualTo(LINES);
        assertThat(totals.get("inserted").asLong()).isEqualTo(LINES);
        assertThat(totals.get("rejected").asLong()).isZero();
        long chunked = events.stream()
                .filter(e -> e.name().equals("chunk"))
                .mapToLong(e -> e.data().get("counts").get("inserted").asLong())
                .sum();
        assertThat(chunked).isEqualTo(LINES);
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(LINES);
        assertThat(db.count("SELECT sum(id) FROM things")).isEqualTo((long) LINES * (LINES + 1) / 2);
    }

    private String head() {
        return "POST /v1/datasets/things/records?onConflict=skip HTTP/1.1\r\n"
                + "Host: localhost:" + port + "\r\n"
                + "Authorization: " + TestTokens.bearer() + "\r\n"
                + "Content-Type: application/x-ndjson\r\n"
                + "Accept: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
    }

    /** Pieces {@code from} (inclusive) to {@code to}, a pause of 0 to 200 ms before each; the last one ends the body. */
    private static void sendPieces(RawHttp connection, int from, int to, AtomicInteger sent) {
        Random pauses = new Random(from);
        try {
            for (int piece = from; piece < to; piece++) {
                Thread.sleep(pauses.nextInt(201));
                StringBuilder lines = new StringBuilder();
                for (int n = piece * LINES_PER_PIECE + 1; n <= (piece + 1) * LINES_PER_PIECE; n++) {
                    lines.append("{\"id\":")
                            .append(n)
                            .append(",\"label\":\"duplex ")
                            .append(n)
                            .append("\"}\n");
                }
                connection.writeChunk(lines.toString());
                sent.incrementAndGet();
            }
            if (to == PIECES) {
                connection.endChunks();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private record Event(String name, JsonNode data, int piecesSentBefore) {}

    /** The answer's server-sent events up to its end, each with how many pieces had been sent when it was read. */
    private static List<Event> readEvents(RawResponse answer, AtomicInteger piecesSent) throws IOException {
        List<Event> events = new ArrayList<>();
        String name = null;
        StringBuilder data = new StringBuilder();
        for (String line = readLine(answer.body); line != null; line = readLine(answer.body)) {
            if (line.isEmpty()) {
                if (name != null) {
                    events.add(new Event(name, JSON.readTree(data.toString()), piecesSent.get()));
                }
                name = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                name = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5));
            }
        }
        return events;
    }

    /** The next line, read byte by byte so that it is seen as soon as it arrives; null at the end. */
    private static String readLine(InputStream body) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = body.read(); b != '\n'; b = body.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
