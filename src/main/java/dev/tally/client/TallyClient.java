package dev.tally.client;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * A reactive client of Tally's HTTP API (docs/api.md): uploads a {@link Publisher} of records as
 * one streamed request and reports, as chunks commit, what happened to every line; follows a job's
 * events; reads a job's row log. Thread-safe; one instance can serve a whole application.
 *
 * <pre>{@code
 * TallyClient tally = TallyClient.create("http://localhost:8080", token);
 * tally.upload("customers", Flux.fromIterable(rows), UploadOptions.defaults().withOnConflict("update"))
 *         .doOnNext(event -> log.info("{}", event))
 *         .blockLast();
 * }</pre>
 */
public final class TallyClient {

    /** Rows of the row log read per request by {@link #rows(String, String)}. */
    public static final int DEFAULT_ROWS_PAGE = 1000;

    private final HttpClient http;
    private final Wire wire;
    private final RecordLines lines;
    private final TallyDocuments documents;
    private final String baseUrl;

    private TallyClient(HttpClient http, String baseUrl, JsonMapper json) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.wire = new Wire(json);
        this.lines = new RecordLines(json);
        this.documents = new TallyDocuments(http, baseUrl, wire);
    }

    /**
     * A client of the Tally at {@code baseUrl} (such as {@code http://localhost:8080}) that sends
     * {@code token} as its bearer token (null sends none).
     */
    public static TallyClient create(String baseUrl, @Nullable String token) {
        return create(HttpClient.create(), baseUrl, token, JsonMapper.builder().build());
    }

    /**
     * A client on a configured {@link HttpClient} (timeouts, TLS, connection pool), writing records
     * that are not Strings or byte arrays with {@code json}.
     */
    public static TallyClient create(HttpClient http, String baseUrl, @Nullable String token, JsonMapper json) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        HttpClient configured = http;
        if (token != null) {
            configured = configured.headers(headers -> headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token));
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return new TallyClient(configured, base, json);
    }

    /**
     * Uploads {@code records} into {@code dataset} as one request, and emits what Tally reports as it
     * happens: {@link UploadEvent.JobStarted}, one {@link UploadEvent.ChunkCommitted} per committed
     * chunk (or per run of chunks merged when this subscriber reads slowly), then one {@link
     * UploadEvent.JobEnded}, after which the flux completes. The request body is sent while the
     * events are read, on the same connection.
     *
     * <p>Records: a {@code String} or {@code byte[]} is one NDJSON line (a trailing line break is
     * dropped; one inside is an {@link IllegalArgumentException}); anything else (a {@code Map}, a
     * record, a POJO, a {@code JsonNode}) is written as JSON by the client's Jackson mapper. Record
     * n is line n of the upload, so the line numbers of the events are positions in the publisher.
     *
     * <p>Subscribing starts the upload; nothing happens before. Events are emitted in the order Tally
     * sent them; chunks in chunk order. The events' demand does not hold the upload back: Tally merges
     * the chunk events of a slow reader.
     *
     * <p>Demand on {@code records}: the client requests records only as Tally reads them (Reactor
     * Netty writes while the socket is writable, and Tally reads the socket only as fast as it
     * writes chunks). Outstanding demand, the records requested and not yet received, never exceeds
     * {@link UploadOptions#prefetch()} (default {@value UploadOptions#DEFAULT_PREFETCH}); what the
     * client holds beyond that is what Reactor Netty has taken to write ({@value
     * RecordLines#BATCH_LINES} lines a buffer) and the socket's buffer.
     *
     * <p>Errors: a refused upload (problem+json) is a {@link TallyProblemException}; a broken
     * connection that is not resumed is a {@link TallyConnectionLostException}; an error of {@code
     * records} ends the request (Tally ends the job {@code aborted}) and is signalled as it is.
     *
     * <p>Resume: with an {@link UploadOptions#idempotencyKey()} (and not atomic, not a dry run), a
     * connection lost after the job started is resumed: the client emits {@link
     * UploadEvent.Resumed} and subscribes to {@code records} again, sending the records reported
     * committed as blank lines and the rest as they are, under the same key; Tally continues the same
     * job and the events continue, no line applied twice. Resuming therefore needs a publisher that
     * produces the same records again on a new subscription (a cold one, as {@code Flux.fromIterable}
     * or a {@code Flux.using} over a file); with another, set {@code withResume(false)}.
     *
     * <p>Cancel: cancelling the subscription closes the connection; Tally ends the job {@code
     * aborted} and keeps what committed, which the same upload with the same key resumes.
     */
    public Flux<UploadEvent> upload(String dataset, Publisher<?> records, UploadOptions options) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/x-ndjson");
        headers.put("Accept", "application/x-ndjson");
        if (options.gzip()) {
            headers.put("Content-Encoding", "gzip");
        }
        if (options.idempotencyKey() != null) {
            headers.put("Idempotency-Key", options.idempotencyKey());
        }
        String uri = "/v1/datasets/" + Http.encode(dataset) + "/records" + Http.query(options.query());
        return new Upload(
                        records,
                        options,
                        (source, blankLines) ->
                                post(uri, headers, lines.body(source, blankLines, options.prefetch(), options.gzip())))
                .events();
    }

    /**
     * The events of job {@code job} from the start, as replayed from its ledger and then live, until
     * its final event. Emitted in order; a chunk event per chunk (merged when this subscriber reads
     * slowly). A connection lost on the way is opened again with {@code Last-Event-ID} (up to 5
     * times in a row, backing off from 200 ms), so no event is repeated or missed.
     * An unknown job is a {@link TallyProblemException} (404). Cancelling closes the connection.
     */
    public Flux<UploadEvent> follow(String job) {
        return documents.events(job).map(event -> wire.event(event.name(), event.data()));
    }

    /** The API's documents as JSON, for tools that show fields beyond this client's records. */
    public TallyDocuments documents() {
        return documents;
    }

    /** {@link #rows(String, String, int)} with pages of {@value #DEFAULT_ROWS_PAGE} rows. */
    public Flux<RowLogEntry> rows(String job, @Nullable String outcome) {
        return rows(job, outcome, DEFAULT_ROWS_PAGE);
    }

    /**
     * The row log of job {@code job} in line order: its skipped and rejected lines, or only those of
     * {@code outcome} ({@code skipped}, {@code rejected}; null for both). Read a page of {@code
     * pageSize} rows per request ({@code after} the last line of the previous page), the next page
     * only once the previous one was emitted, so at most one page is held. An unknown job is a {@link
     * TallyProblemException} (404); cancelling stops the paging.
     */
    public Flux<RowLogEntry> rows(String job, @Nullable String outcome, int pageSize) {
        return page(job, outcome, pageSize, 0);
    }

    private Flux<RowLogEntry> page(String job, @Nullable String outcome, int pageSize, long after) {
        Map<String, String> query = new LinkedHashMap<>();
        if (outcome != null) {
            query.put("outcome", outcome);
        }
        query.put("after", Long.toString(after));
        query.put("limit", Integer.toString(pageSize));
        Flux<RowLogEntry> rows = http.get()
                .uri(Http.uri(baseUrl, "/v1/jobs/" + Http.encode(job) + "/rows" + Http.query(query)))
                .response((response, body) -> response.status().code() != 200
                        ? Http.<RowLogEntry>refused(wire, response, body)
                        : Http.lines(body).map(wire::row));
        return rows.collectList()
                .flatMapMany(page -> page.size() < pageSize
                        ? Flux.fromIterable(page)
                        : Flux.fromIterable(page)
                                .concatWith(Flux.defer(() -> page(
                                        job, outcome, pageSize, page.getLast().line()))));
    }

    private Flux<UploadEvent> post(String uri, Map<String, String> headers, Flux<ByteBuf> body) {
        return http.headers(h -> headers.forEach(h::set))
                .post()
                .uri(Http.uri(baseUrl, uri))
                .send((request, out) -> out.send(body))
                .response((response, content) -> response.status().code() != 200
                        ? Http.<UploadEvent>refused(wire, response, content)
                        : Http.lines(content).map(wire::eventLine));
    }
}
