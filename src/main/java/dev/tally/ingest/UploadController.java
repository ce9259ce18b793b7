package dev.tally.ingest;

import dev.tally.access.Access;
import dev.tally.access.Caller;
import dev.tally.dataset.Dataset;
import dev.tally.dataset.Datasets;
import dev.tally.events.EventJson;
import dev.tally.events.JobEvent;
import dev.tally.events.ServerSentEvents;
import dev.tally.job.JobSettings;
import dev.tally.ndjson.ContentEncoding;
import dev.tally.system.ConnectionLoss;
import dev.tally.system.Problems;
import dev.tally.system.TallyProperties;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.netty.Connection;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/datasets/{dataset}/records}: checks the request, starts the upload and streams
 * its events back as SSE (default), NDJSON, or one JSON document at the end.
 */
@RestController
class UploadController implements UploadsApi {

    static final MediaType JSONL = MediaType.parseMediaType("application/jsonl");

    private final Datasets datasets;
    private final Uploads uploads;
    private final EventJson events;
    private final IngestMetrics metrics;
    private final int defaultChunkSize;
    private final Duration idleTimeout;

    UploadController(
            Datasets datasets, Uploads uploads, JsonMapper json, TallyProperties properties, IngestMetrics metrics) {
        this.metrics = metrics;
        this.datasets = datasets;
        this.uploads = uploads;
        this.events = new EventJson(json);
        this.defaultChunkSize = properties.ingest().chunkSize();
        this.idleTimeout = properties.limits().idleTimeout();
    }

    @Override
    public ResponseEntity<?> upload(
            String name,
            @Nullable String onConflict,
            @Nullable String chunkSize,
            @Nullable String maxRejects,
            @Nullable String atomic,
            @Nullable String dryRun,
            @Nullable String unknownFields,
            @Nullable String idempotencyKey,
            @Nullable String contentEncoding,
            ServerHttpRequest request,
            Caller caller) {
        Access.requireWrite(caller, name);
        Dataset dataset = datasets.find(name).orElseThrow(() -> Problems.unknownDataset(name));
        JobSettings settings = UploadParameters.settings(
                dataset,
                onConflict,
                chunkSize,
                maxRejects,
                atomic,
                dryRun,
                unknownFields,
                idempotencyKey,
                defaultChunkSize);
        ContentEncoding encoding = checkBody(request.getHeaders().getContentType(), contentEncoding);
        IngestMetrics.DatasetMeters meters = metrics.of(dataset.name());
        // Counted as received, before decoding: what the network carried.
        Flux<DataBuffer> body = IdleClient.watch(request.getBody(), idleTimeout)
                .doOnError(IdleClient.Idle.class, idle -> closeAfterResponse(request))
                .doOnNext(buffer -> meters.received(buffer.readableByteCount()));
        long length = request.getHeaders().getContentLength();
        UploadBody upload = UploadBody.of(body, length < 0 ? null : length, encoding);
        Flux<JobEvent> jobEvents = uploads.start(dataset, caller.name(), settings, upload)
                .onErrorMap(
                        ConnectionLoss::is,
                        e -> Problems.of(
                                HttpStatus.SERVICE_UNAVAILABLE,
                                "Database unavailable",
                                Objects.requireNonNullElse(e.getMessage(), e.toString())));
        return respond(request.getHeaders().getAccept(), jobEvents);
    }

    /**
     * An idle client still gets its final event, then the connection closes; else Reactor Netty
     * keeps it open for the rest of a body that is not coming.
     */
    private static void closeAfterResponse(ServerHttpRequest request) {
        if (ServerHttpRequestDecorator.getNativeRequest(request) instanceof Connection connection) {
            connection.markPersistent(false);
        }
    }

    private ResponseEntity<?> respond(List<MediaType> accept, Flux<JobEvent> jobEvents) {
        MediaType chosen = accept.stream()
                .filter(type -> type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                        || type.isCompatibleWith(MediaType.APPLICATION_NDJSON)
                        || type.isCompatibleWith(MediaType.APPLICATION_JSON))
                .findFirst()
                .orElse(MediaType.TEXT_EVENT_STREAM);
        if (chosen.isWildcardType() || chosen.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)) {
            return ResponseEntity.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .body(ServerSentEvents.of(jobEvents, events));
        }
        if (chosen.equalsTypeAndSubtype(MediaType.APPLICATION_NDJSON)) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_NDJSON).body(jobEvents.map(events::line));
        }
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .body(jobEvents.last().map(events::data));
    }

    private static ContentEncoding checkBody(@Nullable MediaType contentType, @Nullable String contentEncoding) {
        if (contentType == null
                || !(contentType.equalsTypeAndSubtype(MediaType.APPLICATION_NDJSON)
                        || contentType.equalsTypeAndSubtype(JSONL))) {
            throw Problems.of(
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported content type",
                    "Send the records as application/x-ndjson (or application/jsonl), not " + contentType);
        }
        return ContentEncoding.of(contentEncoding).orElseThrow(() -> {
            var problem = Problems.of(
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported content encoding",
                    "Content-Encoding %s is not supported; send the body as one of: %s"
                            .formatted(contentEncoding, ContentEncoding.supported()));
            // RFC 9110, 15.5.16: a 415 for a content coding names the codings that would do.
            problem.getHeaders().set(HttpHeaders.ACCEPT_ENCODING, ContentEncoding.supported());
            return problem;
        });
    }
}
