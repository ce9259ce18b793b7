package dev.tally.job;

import dev.tally.access.Caller;
import dev.tally.job.JobController.JobList;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** How the OpenAPI document describes {@code /v1/jobs}; {@link JobController} answers it. */
interface JobsApi {

    /** The most rows one page of the row log holds. */
    int MAX_ROWS = 10_000;

    @Operation(
            operationId = "listJobs",
            summary = "Jobs, newest first",
            responses = {
                @ApiResponse(responseCode = "200", description = "The jobs"),
                @ApiResponse(responseCode = "400", description = "Bad status or limit"),
                @ApiResponse(responseCode = "503", description = "Database unavailable")
            })
    Mono<JobList> list(
            @Parameter(description = "Only this dataset's jobs") String dataset,
            @Parameter(
                            description = "Only jobs with this status",
                            schema =
                                    @Schema(
                                            allowableValues = {"running", "completed", "failed", "cancelled", "aborted"
                                            }))
                    String status,
            @Parameter(
                            description = "Most jobs listed",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "1000", defaultValue = "50"))
                    String limit,
            @Parameter(hidden = true) Caller caller);

    @Operation(
            operationId = "showJob",
            summary = "A job: status, settings, totals, timing",
            responses = {
                @ApiResponse(responseCode = "200", description = "The job"),
                @ApiResponse(responseCode = "404", description = "Unknown job"),
                @ApiResponse(responseCode = "503", description = "Database unavailable")
            })
    Mono<JobDocument> show(String id, @Parameter(hidden = true) Caller caller);

    @Operation(
            operationId = "cancelJob",
            summary = "Cancel a running job: it stops after its chunks in flight, status cancelled",
            responses = {
                @ApiResponse(responseCode = "202", description = "Cancel recorded; the job as it was then"),
                @ApiResponse(responseCode = "404", description = "Unknown job"),
                @ApiResponse(responseCode = "409", description = "The job already ended"),
                @ApiResponse(responseCode = "503", description = "Database unavailable")
            })
    Mono<ResponseEntity<JobDocument>> cancel(String id, @Parameter(hidden = true) Caller caller);

    @Operation(
            operationId = "jobRows",
            summary = "The job's row log: its skipped and rejected lines, with their text",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "One row-log object per line",
                        content =
                                @Content(
                                        mediaType = "application/x-ndjson",
                                        schema = @Schema(implementation = RowLogEntry.class))),
                @ApiResponse(responseCode = "400", description = "Bad outcome, after or limit"),
                @ApiResponse(responseCode = "404", description = "Unknown job"),
                @ApiResponse(responseCode = "503", description = "Database unavailable")
            })
    Flux<RowLogEntry> rows(
            String id,
            @Parameter(
                            description = "Only rows with this outcome (default: both)",
                            schema = @Schema(allowableValues = {"skipped", "rejected"}))
                    String outcome,
            @Parameter(
                            description = "Only rows after this line: the last line of the previous page (default: 0)",
                            schema = @Schema(type = "integer", format = "int64", minimum = "0"))
                    String after,
            @Parameter(
                            description = "At most this many rows (default: all)",
                            schema = @Schema(type = "integer", minimum = "1", maximum = "" + MAX_ROWS))
                    String limit,
            @Parameter(hidden = true) Caller caller);
}
