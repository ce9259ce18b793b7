package dev.tally.ingest;

import dev.tally.access.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The upload route as the API documents it ({@code /v3/api-docs}): its parameters, bodies and
 * answers, apart from the code that serves it ({@link UploadController}).
 */
interface UploadsApi {

    // The body is read as it streams (from the request, which springdoc does not see as a body) and
    // the response type follows Accept: the annotations say both.
    @PostMapping("/v1/datasets/{dataset}/records")
    @Operation(
            operationId = "upload",
            summary = "Upload NDJSON records into a dataset and stream each chunk's outcome",
            requestBody =
                    @RequestBody(
                            required = true,
                            content = {
                                @Content(mediaType = MediaType.APPLICATION_NDJSON_VALUE),
                                @Content(mediaType = "application/jsonl")
                            }),
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The job's events: SSE (default), NDJSON, or its final event as JSON",
                        content = {
                            @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE),
                            @Content(mediaType = MediaType.APPLICATION_NDJSON_VALUE),
                            @Content(mediaType = MediaType.APPLICATION_JSON_VALUE)
                        }),
                @ApiResponse(responseCode = "400", description = "Bad parameter"),
                @ApiResponse(responseCode = "404", description = "Unknown dataset"),
                @ApiResponse(
                        responseCode = "409",
                        description = "Policy not allowed for the dataset, or Idempotency-Key in use or with other"
                                + " settings"),
                @ApiResponse(responseCode = "415", description = "Content type or encoding not supported"),
                @ApiResponse(
                        responseCode = "429",
                        description = "Too many uploads of the dataset, or of the caller, running at once; see"
                                + " Retry-After"),
                @ApiResponse(responseCode = "503", description = "Database unavailable, or the service shutting down")
            })
    ResponseEntity<?> upload(
            @PathVariable("dataset") String name,
            @Parameter(
                            description = "What a line whose key already exists does",
                            schema =
                                    @Schema(
                                            allowableValues = {"skip", "update", "update-if-newer", "fail"},
                                            defaultValue = "skip"))
                    @RequestParam(required = false)
                    @Nullable
                    String onConflict,
            @Parameter(
                            description = "Most lines per chunk transaction (default: tally.ingest.chunk-size)",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "10000"))
                    @RequestParam(required = false)
                    @Nullable
                    String chunkSize,
            @Parameter(
                            description = "Fail the job once more lines than this are rejected (default: unlimited)",
                            schema = @Schema(type = "integer", format = "int64", minimum = "0"))
                    @RequestParam(required = false)
                    @Nullable
                    String maxRejects,
            @Parameter(
                            description = "One transaction for the whole upload: all or nothing",
                            schema = @Schema(type = "boolean", defaultValue = "false"))
                    @RequestParam(required = false)
                    @Nullable
                    String atomic,
            @Parameter(
                            description = "Run everything, report the real outcomes, then roll back",
                            schema = @Schema(type = "boolean", defaultValue = "false"))
                    @RequestParam(required = false)
                    @Nullable
                    String dryRun,
            @Parameter(
                            description = "What a field that is not a column of the table does",
                            schema =
                                    @Schema(
                                            allowableValues = {"reject", "ignore"},
                                            defaultValue = "reject"))
                    @RequestParam(required = false)
                    @Nullable
                    String unknownFields,
            @Parameter(
                            description =
                                    "Sent again with the same key and dataset: the first job's outcome, or its resumption")
                    @RequestHeader(name = "Idempotency-Key", required = false)
                    @Nullable
                    String idempotencyKey,
            @Parameter(
                            description = "The body's coding",
                            schema = @Schema(allowableValues = {"identity", "gzip", "x-gzip"}))
                    @RequestHeader(name = HttpHeaders.CONTENT_ENCODING, required = false)
                    @Nullable
                    String contentEncoding,
            ServerHttpRequest request,
            @Parameter(hidden = true) @RequestAttribute(Caller.ATTRIBUTE) Caller caller);
}
