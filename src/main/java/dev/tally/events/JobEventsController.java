package dev.tally.events;

import dev.tally.access.Caller;
import dev.tally.job.JobDocument;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.Problems;
import org.jspecify.annotations.Nullable;
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
class JobEventsController implements JobEventsApi {

    private final Jobs jobs;
    private final JobSubscriptions subscriptions;
    private final EventJson events;

    JobEventsController(Jobs jobs, JobSubscriptions subscriptions, JsonMapper json) {
        this.jobs = jobs;
        this.subscriptions = subscriptions;
        this.events = new EventJson(json);
    }

    @Override
    @GetMapping("/v1/jobs/{id}/events")
    public Mono<ResponseEntity<Flux<ServerSentEvent<String>>>> events(
            @PathVariable String id,
            @RequestHeader(name = "Last-Event-ID", required = false) @Nullable String lastEventId,
            @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        Mono<JobDocument> job = jobs.find(id, caller::canRead); // a bad id is refused before a bad Last-Event-ID
        long after = after(lastEventId);
        // Detached once found: the lookup's statement would otherwise stay reachable, through the
        // response's subscription, for as long as the subscriber follows (about 18 KB each).
        return job.onTerminateDetach().map(found -> {
            if (found.status() != JobStatus.RUNNING && after > found.chunks()) {
                // The client has the final event: 204 tells an EventSource to stop reconnecting.
                return ResponseEntity.noContent().build();
            }
            return ResponseEntity.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .body(ServerSentEvents.of(subscriptions.events(found, after), events));
        });
    }

    /** The id of the last event the client has, or -1 for none. */
    private static long after(@Nullable String lastEventId) {
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
