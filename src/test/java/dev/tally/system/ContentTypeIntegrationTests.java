package dev.tally.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body's media type, refused before any job: a request without {@code Content-Type}, sent as
 * {@code curl -T file -X POST} sends it, byte for byte on a socket (an HTTP client library might add
 * a type of its own), and one with a type that is not NDJSON.
 */
@TallyIntegrationTest
class ContentTypeIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String BODY = "{\"id\":1,\"label\":\"one\"}\n";

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void emptyTable() {
        db.update("TRUNCATE things");
    }

    @Test
    void anUploadWithoutContentTypeIsToldWhichHeaderIsMissingAndWhatToSend() throws IOException {
        long jobs = db.count("SELECT count(*) FROM tally.job");

        Answer answer = post(null);

        assertThat(answer.status).isEqualTo(415);
        assertThat(answer.headers).containsEntry("content-type", "application/problem+json");
        assertThat(answer.headers).containsEntry("accept", "application/x-ndjson, application/jsonl");
        JsonNode problem = JSON.readTree(answer.body);
        assertThat(problem.get("status").asInt()).isEqualTo(415);
        assertThat(problem.get("title").asString()).isEqualTo("Unsupported content type");
        assertThat(problem.get("detail").asString())
                .isEqualTo("The request has no Content-Type header; send the records with Content-Type"
                        + " application/x-ndjson (or application/jsonl)");
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobs);
        assertThat(db.count("SELECT count(*) FROM things")).isZero();
    }

    @Test
    void anUploadOfAnotherTypeIsToldItsTypeAndWhatToSend() throws IOException {
        Answer answer = post("text/plain");

        assertThat(answer.status).isEqualTo(415);
        assertThat(answer.headers).containsEntry("content-type", "application/problem+json");
        assertThat(answer.headers).containsEntry("accept", "application/x-ndjson, application/jsonl");
        assertThat(JSON.readTree(answer.body).get("detail").asString())
                .isEqualTo("Send the records as application/x-ndjson (or application/jsonl), not text/plain");
        assertThat(db.count("SELECT count(*) FROM things")).isZero();
    }

    /** The status, headers (names in lower case) and body of one request, the connection closed after. */
    private record Answer(int status, Map<String, String> headers, String body) {}

    private Answer post(String contentType) throws IOException {
        byte[] body = BODY.getBytes(UTF_8);
        String head = "POST /v1/datasets/things/records HTTP/1.1\r\n"
                + "Host: localhost:" + port + "\r\n"
                + "User-Agent: curl/8.5.0\r\n"
                + "Accept: */*\r\n"
                + "Authorization: " + TestTokens.bearer() + "\r\n"
                + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(UTF_8));
            out.write(body);
            out.flush();
            return parse(socket.getInputStream().readAllBytes());
        }
    }

    private static Answer parse(byte[] response) {
        String text = new String(response, UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }

    private static String dechunk(String chunked) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).strip(), 16);
            if (size == 0) {
                return data.toString(UTF_8);
            }
            data.writeBytes(chunked.substring(lineEnd + 2, lineEnd + 2 + size).getBytes(UTF_8));
            at = lineEnd + 2 + size + 2;
        }
    }
}
