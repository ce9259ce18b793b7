package dev.tally.events;

import dev.tally.access.Caller;
import dev.tally.job.JobDocument;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** {@code GET /v1/jobs/{id}/events}: any job's events as SSE, replayed, then followed while it runs. */
@RestController
class JobEventsController {

    private final Jobs jobs;
    private final JobSubscriptions subscriptions;
    private final EventJson events;

    JobEventsController(Jobs jobs, JobSubscriptions subscriptions, JsonMapper json) {
        this.jobs = jobs;
        this.subscriptions = subscriptions;
        this.events = new EventJson(json);
    }

    @GetMapping("/v1/jobs/{id}/events")
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
            @PathVariable String id,
            @Parameter(description = "The id of the last event the client has: only later ones are sent")
                    @RequestHeader(name = "Last-Event-ID", required = false)
                    String lastEventId,
            @Parameter(hidden = true) @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        Mono<JobDocument> job = jobs.find(id, caller::canRead); // a bad id is refused before a bad Last-Event-ID
        long after = after(lastEventId);
        // Detached once found: the lookup's statement would otherwise stay reachable, through the
        // response's subscription, for as long as the subscriber follows (about 18 KB each).
        return job.onTerminateDetach().map(found -> {
            if (JobStatus.of(found.status()) != JobStatus.RUNNING && after > found.chunks()) {
                // The client has the final event: 204 tells an EventSource to stop reconnecting.
                return ResponseEntity.noContent().build();
            }
            return ResponseEntity.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .body(ServerSentEvents.of(subscriptions.events(found, after), events));
        });
    }

    /** The id of the last event the client has, or -1 for none. */
    private static long after(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return -1;
        }
        try {
            long id = Long.parseLong(lastEventId.strip());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Problems.badParameter(
                "Last-Event-ID",
                "Last-Event-ID must be the id of an event of this job, a number from 0, not '%s'"
                        .formatted(lastEventId));
    }
}
