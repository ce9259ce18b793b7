package dev.tally.client;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The API's documents as Tally sends them, as JSON, for tools that show more than {@link
 * TallyClient}'s records hold (the terminal client's progress bar and tables): an upload of a body
 * that is NDJSON already, a job's events, the job list, the row log's bytes. Obtained from {@link
 * TallyClient#documents()}; errors as {@link TallyClient}'s.
 */
public final class TallyDocuments {

    private static final int FOLLOW_RETRIES = 5;

    private final HttpClient http;
    private final Wire wire;
    private final String baseUrl;

    TallyDocuments(HttpClient http, String baseUrl, Wire wire) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.wire = wire;
    }

    /**
     * Uploads {@code body}, NDJSON bytes as they are (a file; gzip-compressed when {@code
     * options.gzip()}, sent with {@code Content-Encoding: gzip}), with {@code Content-Length:
     * contentLength} when it is not negative, and emits the events as they arrive, the final one
     * last. The body is written while the events are read, as Reactor Netty requests its buffers:
     * a publisher that reads a file on request holds one buffer at a time. Not resumed: a lost
     * connection is a {@link TallyConnectionLostException} once the job started, the transport's
     * exception before.
     */
    public Flux<EventDocument> upload(
            String dataset, Publisher<ByteBuf> body, long contentLength, UploadOptions options) {
        return http.headers(headers -> {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
                    headers.set(HttpHeaderNames.ACCEPT, "application/x-ndjson");
                    if (contentLength >= 0) {
                        headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
                    }
                    if (options.gzip()) {
                        headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
                    }
                    if (options.idempotencyKey() != null) {
                        headers.set("Idempotency-Key", options.idempotencyKey());
                    }
                })
                .post()
                .uri(Http.uri(
                        baseUrl, "/v1/datasets/" + Http.encode(dataset) + "/records" + Http.query(options.query())))
                .send(body)
                .response((response, content) -> response.status().code() != 200
                        ? Http.<EventDocument>refused(wire, response, content)
                        : Http.lines(content).map(this::eventLine));
    }

    /**
     * Job {@code job}'s events from the start, replayed then live, until its final event, a
     * connection lost on the way opened again with {@code Last-Event-ID} (up to {@value
     * #FOLLOW_RETRIES} times in a row): as {@link TallyClient#follow(String)}.
     */
    public Flux<EventDocument> events(String job) {
        AtomicReference<@Nullable String> lastId = new AtomicReference<>();
        AtomicBoolean ended = new AtomicBoolean();
        Flux<EventDocument> once = Flux.defer(() -> http.headers(headers -> {
                            headers.set(HttpHeaderNames.ACCEPT, "text/event-stream");
                            if (lastId.get() != null) {
                                headers.set("Last-Event-ID", lastId.get());
                            }
                        })
                        .get()
                        .uri(Http.uri(baseUrl, "/v1/jobs/" + Http.encode(job) + "/events"))
                        .response((response, body) -> {
                            if (response.status().code() == 204) {
                                ended.set(true); // nothing after Last-Event-ID: the job ended
                                return Flux.<EventDocument>empty();
                            }
                            if (response.status().code() != 200) {
                                return Http.<EventDocument>refused(wire, response, body);
                            }
                            // Blank lines end events here: not Http.lines, which drops them.
                            LineSplitter splitter = new LineSplitter();
                            ServerSentEvents sse = new ServerSentEvents();
                            return body.asByteArray()
                                    .concatMapIterable(splitter::feed)
                                    .concatMap(line -> Flux.fromStream(sse.feed(line).stream()))
                                    .map(event -> {
                                        lastId.set(event.id());
                                        return new EventDocument(
                                                event.id(),
                                                event.name(),
                                                wire.json().readTree(event.data()));
                                    });
                        }))
                .takeUntil(event -> {
                    ended.set(event.isFinal());
                    return ended.get();
                })
                .concatWith(Flux.defer(() -> ended.get() ? Flux.empty() : Flux.error(Upload.earlyEnd())));
        return once.retryWhen(Retry.backoff(FOLLOW_RETRIES, Duration.ofMillis(200))
                .maxBackoff(Duration.ofSeconds(2))
                .transientErrors(true)
                .filter(Upload::isConnectionLoss)
                .onRetryExhaustedThrow((spec, signal) -> new TallyConnectionLostException(
                        "Lost the connection following job " + job, job, 0, signal.failure())));
    }

    /** {@code GET /v1/jobs} with these filters ({@code dataset}, {@code status}, {@code limit}): {@code {"jobs":[…]}}. */
    public Mono<JsonNode> jobs(Map<String, String> filters) {
        return http.headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "application/json"))
                .get()
                .uri(Http.uri(baseUrl, "/v1/jobs" + Http.query(filters)))
                .responseSingle((response, content) -> content.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .handle((bytes, sink) -> {
                            if (response.status().code() != 200) {
                                sink.error(wire.problem(
                                        response.status().code(),
                                        response.status().reasonPhrase(),
                                        bytes));
                            } else {
                                sink.next(wire.json().readTree(bytes));
                            }
                        }));
    }

    /**
     * The row log of job {@code job} (only {@code outcome}'s rows, or all for null) as the NDJSON
     * bytes Tally sends, in pieces as they arrive, in one request.
     */
    public Flux<byte[]> rows(String job, @Nullable String outcome) {
        String query = outcome == null ? "" : Http.query(Map.of("outcome", outcome));
        return http.headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "application/x-ndjson"))
                .get()
                .uri(Http.uri(baseUrl, "/v1/jobs/" + Http.encode(job) + "/rows" + query))
                .response((response, content) -> response.status().code() == 200
                        ? content.asByteArray()
                        : Http.<byte[]>refused(wire, response, content));
    }

    private EventDocument eventLine(byte[] line) {
        ObjectNode data = (ObjectNode) wire.json().readTree(line);
        String name = data.path("event").asString();
        String id = data.path("id").asString();
        data.remove("event");
        data.remove("id");
        return new EventDocument(id, name, data);
    }
}
