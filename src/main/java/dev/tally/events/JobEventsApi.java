package dev.tally.events;

import dev.tally.access.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** How the OpenAPI document describes {@code /v1/jobs/{id}/events}; {@link JobEventsController} answers it. */
interface JobEventsApi {

    @Operation(
            operationId = "jobEvents",
            summary = "The job's events: replayed from the ledger, then live while it runs",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "The events after Last-Event-ID",
                        content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE)),
                @ApiResponse(
                        responseCode = "204",
                        description = "The job ended and the client has its final event",
                        content = @Content),
                @ApiResponse(responseCode = "400", description = "Bad Last-Event-ID"),
                @ApiResponse(responseCode = "404", description = "Unknown job")
            })
    Mono<ResponseEntity<Flux<ServerSentEvent<String>>>> events(
            String id,
            @Parameter(description = "The id of the last event the client has: only later ones are sent")
                    String lastEventId,
            @Parameter(hidden = true) Caller caller);
}
