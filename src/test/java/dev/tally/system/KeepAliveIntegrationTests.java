package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.RawHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Connections are kept alive: one connection carries any number of requests, pipelined or not,
 * including refused uploads whose bodies Tally never read and throws away. A refused body larger
 * than the discard bound, or one that stops coming, closes its connection after the answer.
 */
@TallyIntegrationTest
class KeepAliveIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void emptyThings() {
        db.update("TRUNCATE things");
    }

    @Test
    void aThousandRequestsOfEveryKindShareOneConnection() throws IOException {
        long jobsBefore = db.count("SELECT count(*) FROM tally.job");
        String job;
        int uploads = 0;
        try (RawHttp connection = RawHttp.connect(port, PATIENCE)) {
            connection.write(upload("things", TestTokens.bearer(), line(0)));
            RawHttp.Answer first = connection.read();
            job = JSON.readTree(first.body()).get("job").asString();
            for (int request = 1; request < 1000; request++) {
                RawHttp.Answer answer;
                switch (request % 4) {
                    case 0 -> {
                        connection.write(get("/v1/jobs/" + job));
                        answer = connection.read();
                        assertThat(answer.status()).isEqualTo(200);
                        assertThat(JSON.readTree(answer.body()).get("status").asString())
                                .isEqualTo("completed");
                    }
                    case 1 -> {
                        connection.write(upload("things", TestTokens.bearer(), line(request)));
                        answer = connection.read();
                        assertThat(answer.status()).isEqualTo(200);
                        JsonNode end = JSON.readTree(answer.body());
                        assertThat(end.get("status").asString()).isEqualTo("completed");
                        assertThat(end.get("totals").get("inserted").asLong()).isEqualTo(1);
                        uploads++;
                    }
                    case 2 -> {
                        connection.write(upload("things", null, refusedBody(request)));
                        answer = connection.read();
                        assertThat(answer.status()).isEqualTo(401);
                        assertThat(JSON.readTree(answer.body()).get("title").asString())
                                .isEqualTo("No token");
                    }
                    default -> {
                        connection.write(upload("nothing", TestTokens.bearer(), refusedBody(request)));
                        answer = connection.read();
                        assertThat(answer.status()).isEqualTo(404);
                    }
                }
                assertThat(answer.head().header("connection"))
                        .as("request %d", request)
                        .isNull();
            }
        }
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(uploads + 1);
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobsBefore + uploads + 1);
    }

    @Test
    void requestsPipelinedBehindOnesStillRunningAreAllAnswered() throws IOException {
        try (RawHttp connection = RawHttp.connect(port, PATIENCE)) {
            for (int round = 0; round < 20; round++) {
                connection.write(upload("things", TestTokens.bearer(), line(round))
                        + get("/v1/jobs?limit=1")
                        + upload("things", null, refusedBody(round))
                        + get("/actuator/health"));
                assertThat(connection.read().status()).isEqualTo(200);
                assertThat(connection.read().status()).isEqualTo(200);
                assertThat(connection.read().status()).isEqualTo(401);
                RawHttp.Answer health = connection.read();
                assertThat(health.status()).isEqualTo(200);
                assertThat(health.text()).contains("\"status\":\"UP\"");
            }
        }
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(20);
    }

    @Test
    void aRefusedBodyLargerThanTheDiscardBoundIsAnsweredThenItsConnectionClosed() throws IOException {
        String large = "{\"id\":1}\n".repeat((int) (LingeringClose.MAX_BYTES / 9) + 1000);
        try (RawHttp connection = RawHttp.connect(port, Duration.ofSeconds(5))) {
            connection.writeUntilClosed(upload("things", null, large));
            RawHttp.Answer refused = connection.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(db.count("SELECT count(*) FROM things")).isZero();
    }

    @Test
    void aRefusedChunkedBodyThatEndsIsDiscardedAndTheConnectionServesTheNextRequest() throws IOException {
        try (RawHttp connection = RawHttp.connect(port, Duration.ofSeconds(5))) {
            connection.write(chunkedUploadHead("nothing/records"));
            for (int i = 0; i < 100; i++) {
                connection.writeChunk(line(i));
            }
            connection.endChunks();
            RawHttp.Answer refused = connection.read();
            assertThat(refused.status()).isEqualTo(404);
            assertThat(refused.head().header("connection")).isNull();
            connection.write(upload("things", TestTokens.bearer(), line(7)));
            assertThat(connection.read().status()).isEqualTo(200);
        }
        assertThat(db.count("SELECT count(*) FROM things WHERE id = 8")).isEqualTo(1);
    }

    @Test
    void aRefusedChunkedBodyThatStopsComingClosesItsConnectionAfterTheDiscardTime() throws IOException {
        try (RawHttp connection = RawHttp.connect(port, LingeringClose.MAX_TIME.multipliedBy(3))) {
            connection.write(chunkedUploadHead("nothing/records"));
            connection.writeChunk(line(1));
            RawHttp.Answer refused = connection.read();
            assertThat(refused.status()).isEqualTo(404);
            long answered = System.nanoTime();
            assertThat(connection.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - answered))
                    .isLessThan(LingeringClose.MAX_TIME.plusSeconds(3));
        }
    }

    @Test
    void anUploadPipelinedBehindAnAnsweredRequestMaySendSlowerThanTheDiscardTime() throws Exception {
        try (RawHttp connection = RawHttp.connect(port, PATIENCE)) {
            connection.write(get("/v1/jobs?limit=1") + chunkedUploadHead("things/records"));
            connection.writeChunk(line(1));
            assertThat(connection.read().status()).isEqualTo(200);
            Thread.sleep(LingeringClose.MAX_TIME.plusSeconds(1).toMillis());
            connection.writeChunk(line(2));
            connection.endChunks();
            RawHttp.Answer upload = connection.read();
            assertThat(upload.status()).isEqualTo(200);
            assertThat(JSON.readTree(upload.body())
                            .get("totals")
                            .get("inserted")
                            .asLong())
                    .isEqualTo(2);
        }
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(2);
    }

    @Test
    void anUploadWhoseJobEndsBeforeItsBodyIsAnsweredAndTheRestDiscardedForABoundedTime() throws IOException {
        db.update("INSERT INTO things (id, label) VALUES (3, 'there before')");
        try (RawHttp connection = RawHttp.connect(port, LingeringClose.MAX_TIME.multipliedBy(3))) {
            connection.write(chunkedUploadHead("things/records?onConflict=fail&chunkSize=1"));
            for (int i = 0; i < 5; i++) {
                connection.writeChunk(line(i));
            }
            RawHttp.Answer failed = connection.read();
            assertThat(failed.status()).isEqualTo(200);
            assertThat(JSON.readTree(failed.body()).get("status").asString()).isEqualTo("failed");
            connection.writeChunk(line(5));
            long answered = System.nanoTime();
            assertThat(connection.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - answered))
                    .isLessThan(LingeringClose.MAX_TIME.plusSeconds(3));
        }
        assertThat(db.count("SELECT count(*) FROM things")).isEqualTo(3);
    }

    /**
     * A client that asked for {@code Connection: close} and is still sending its refused body: it
     * reads its whole answer and the end of the stream, while Tally goes on reading the rest of the
     * body rather than resetting the connection on it.
     */
    @Test
    void aClientThatAskedForCloseReadsItsAnswerWhileTallyStillReadsItsBody() throws Exception {
        String piece = "{\"id\":1}\n".repeat(1000);
        int length = piece.length() * 4;
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/datasets/things/records HTTP/1.1\r\nHost: localhost\r\n"
                            + "Content-Type: text/plain\r\nConnection: close\r\nContent-Length: " + length
                            + "\r\n\r\n" + piece)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 401 ");
            for (int i = 0; i < 3; i++) {
                Thread.sleep(200);
                out.write(piece.getBytes(StandardCharsets.UTF_8)); // a reset would fail the second write
                out.flush();
            }
        }
    }

    @Test
    void aRefusedBodyOfAnnouncedSmallLengthIsDiscardedAndTheConnectionServesTheNextRequest() throws IOException {
        String small = "{\"id\":1}\n".repeat(100_000);
        try (RawHttp connection = RawHttp.connect(port, Duration.ofSeconds(5))) {
            connection.write(upload("things", null, small));
            RawHttp.Answer refused = connection.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.head().header("connection")).isNull();
            connection.write(upload("things", TestTokens.bearer(), line(7)));
            RawHttp.Answer next = connection.read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(JSON.readTree(next.body()).get("totals").get("inserted").asLong())
                    .isEqualTo(1);
        }
        assertThat(db.count("SELECT count(*) FROM things WHERE id = 8")).isEqualTo(1);
    }

    private String chunkedUploadHead(String target) {
        return "POST /v1/datasets/" + target + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n"
                + "Authorization: " + TestTokens.bearer() + "\r\n"
                + "Content-Type: application/x-ndjson\r\nAccept: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
    }

    private static String line(int n) {
        return "{\"id\":" + (n + 1) + ",\"label\":\"kept alive " + n + "\"}\n";
    }

    /** A body no one may write: each of its lines would be an error if it were ever parsed as a request. */
    private static String refusedBody(int n) {
        return ("GET /v1/never-" + n + " HTTP/1.1\r\n").repeat(40);
    }

    private String upload(String dataset, String authorization, String body) {
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        return "POST /v1/datasets/" + dataset + "/records HTTP/1.1\r\n"
                + "Host: localhost:" + port + "\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Type: application/x-ndjson\r\n"
                + "Accept: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n"
                + body;
    }

    private String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n" + "Authorization: " + TestTokens.bearer()
                + "\r\n\r\n";
    }
}
