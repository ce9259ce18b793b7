package dev.tally.testing;

import dev.tally.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Uploads NDJSON to the running service and reads back the events, for integration tests. */
public final class UploadClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WebTestClient client;

    public UploadClient(int port) {
        this(port, Duration.ofMinutes(3));
    }

    /** A client whose requests fail when their response has not ended within {@code timeout}. */
    public UploadClient(int port, Duration timeout) {
        this(port, timeout, TestTokens.ADMIN);
    }

    /** A client sending {@code token} ({@link TestTokens}). */
    public UploadClient(int port, Duration timeout, String token) {
        this.client = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .defaultHeader(HttpHeaders.AUTHORIZATION, TestTokens.bearer(token))
                .responseTimeout(timeout)
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(64 * 1024 * 1024))
                .build();
    }

    public WebTestClient web() {
        return client;
    }

    /** Every event of the upload, as NDJSON event objects, in order. */
    public List<JsonNode> events(String dataset, String query, String body) {
        return events(dataset, query, body.getBytes(StandardCharsets.UTF_8), null);
    }

    /** Every event of the upload of these bytes, sent with the given Content-Encoding (or none). */
    public List<JsonNode> events(String dataset, String query, byte[] body, String contentEncoding) {
        String response = okBody(client.post()
                .uri("/v1/datasets/" + dataset + "/records" + (query.isEmpty() ? "" : "?" + query))
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_NDJSON)
                .headers(headers -> {
                    if (contentEncoding != null) {
                        headers.set(HttpHeaders.CONTENT_ENCODING, contentEncoding);
                    }
                })
                .bodyValue(body));
        return Arrays.stream(response == null ? new String[0] : response.split("\n"))
                .filter(line -> !line.isBlank())
                .map(JSON::readTree)
                .toList();
    }

    /** The body of a GET that must answer 200. */
    public String get(String uri, Object... variables) {
        return okBody(client.get().uri(uri, variables));
    }

    private static String okBody(WebTestClient.RequestHeadersSpec<?> request) {
        return request.exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
    }

    /** The final event of the upload. */
    public JsonNode upload(String dataset, String query, String body) {
        List<JsonNode> events = events(dataset, query, body);
        return events.getLast();
    }

    public static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    public static JsonNode json(String text) {
        return JSON.readTree(text);
    }
}
