package dev.tally.ingest;

import dev.tally.job.Jobs;
import dev.tally.system.Problems;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
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
    Mono<ResponseEntity<Flux<ServerSentEvent<String>>>> events(
            @PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        UUID job = jobId(id);
        long after = after(lastEventId);
        return jobs.find(job).switchIfEmpty(Mono.error(() -> unknownJob(id))).map(found -> ResponseEntity.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .body(ServerSentEvents.of(subscriptions.events(found, after), events)));
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

    private static UUID jobId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw unknownJob(id);
        }
    }

    private static RuntimeException unknownJob(String id) {
        return Problems.of(HttpStatus.NOT_FOUND, "Unknown job", "No job with id '%s'".formatted(id));
    }
}
