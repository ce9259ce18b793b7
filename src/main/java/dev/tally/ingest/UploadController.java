package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.dataset.Datasets;
import dev.tally.job.JobSettings;
import dev.tally.ndjson.ContentEncoding;
import dev.tally.system.Problems;
import dev.tally.system.TallyProperties;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/datasets/{dataset}/records}: checks the request, starts the upload and streams
 * its events back as SSE (default), NDJSON, or one JSON document at the end.
 */
@RestController
class UploadController {

    static final MediaType JSONL = MediaType.parseMediaType("application/jsonl");

    private final Datasets datasets;
    private final Uploads uploads;
    private final EventJson events;
    private final int defaultChunkSize;

    UploadController(Datasets datasets, Uploads uploads, JsonMapper json, TallyProperties properties) {
        this.datasets = datasets;
        this.uploads = uploads;
        this.events = new EventJson(json);
        this.defaultChunkSize = properties.ingest().chunkSize();
    }

    @PostMapping("/v1/datasets/{name}/records")
    ResponseEntity<?> upload(
            @PathVariable String name,
            @RequestParam(required = false) String onConflict,
            @RequestParam(required = false) String chunkSize,
            @RequestParam(required = false) String maxRejects,
            @RequestParam(required = false) String atomic,
            @RequestParam(required = false) String dryRun,
            @RequestParam(required = false) String unknownFields,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestHeader(name = HttpHeaders.CONTENT_ENCODING, required = false) String contentEncoding,
            ServerHttpRequest request) {
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
        Flux<JobEvent> jobEvents = uploads.start(dataset, settings, encoding.decode(request.getBody()))
                .onErrorMap(
                        DatabaseRetry::isDatabaseAway,
                        e -> Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "Database unavailable", e.getMessage()));
        return respond(request.getHeaders().getAccept(), jobEvents);
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

    private static ContentEncoding checkBody(MediaType contentType, String contentEncoding) {
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
