package dev.tally.job;

import dev.tally.system.Problems;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/jobs}, {@code GET /v1/jobs/{id}}, its row log {@code GET /v1/jobs/{id}/rows}, and {@code DELETE
 * /v1/jobs/{id}}, which cancels a running job.
 */
@RestController
class JobController {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1000;

    private final Jobs jobs;
    private final ApplicationEventPublisher events;

    JobController(Jobs jobs, ApplicationEventPublisher events) {
        this.jobs = jobs;
        this.events = events;
    }

    /** {@code {"jobs":[…]}}, newest first. */
    record JobList(List<JobDocument> jobs) {}

    @GetMapping("/v1/jobs")
    Mono<JobList> list(
            @RequestParam(required = false) String dataset,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String limit) {
        return jobs.list(dataset, status == null ? null : status(status), limit == null ? DEFAULT_LIMIT : limit(limit))
                .collectList()
                .map(JobList::new);
    }

    private static JobStatus status(String name) {
        return Arrays.stream(JobStatus.values())
                .filter(s -> s.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> Problems.badParameter(
                        "status",
                        "status must be one of running, completed, failed, cancelled, aborted, not '%s'"
                                .formatted(name)));
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problems.badParameter(
                "limit", "limit must be a whole number from 1 to %d, not '%s'".formatted(MAX_LIMIT, text));
    }

    @GetMapping("/v1/jobs/{id}")
    Mono<JobDocument> show(@PathVariable String id) {
        return jobs.find(jobId(id)).switchIfEmpty(Mono.error(() -> unknownJob(id)));
    }

    /**
     * 202 with the job as it was when the cancel was recorded; the job stops after its chunks in
     * flight. 404 for an unknown job, 409 for one that already ended.
     */
    @DeleteMapping("/v1/jobs/{id}")
    Mono<ResponseEntity<JobDocument>> cancel(@PathVariable String id) {
        UUID job = jobId(id);
        return jobs.requestCancel(job).flatMap(requested -> jobs.find(job)
                .switchIfEmpty(Mono.error(() -> unknownJob(id)))
                .map(document -> {
                    if (!requested) {
                        throw alreadyEnded(document);
                    }
                    events.publishEvent(new JobCancelRequested(job));
                    return ResponseEntity.accepted().body(document);
                }));
    }

    @GetMapping(value = "/v1/jobs/{id}/rows", produces = "application/x-ndjson")
    Flux<RowLogEntry> rows(@PathVariable String id, @RequestParam(required = false) String outcome) {
        UUID job = jobId(id);
        LoggedRow.Outcome wanted = outcome == null ? null : outcome(outcome);
        return jobs.find(job)
                .switchIfEmpty(Mono.error(() -> unknownJob(id)))
                .flatMapMany(found -> jobs.rows(job, wanted));
    }

    private static LoggedRow.Outcome outcome(String name) {
        return Arrays.stream(LoggedRow.Outcome.values())
                .filter(o -> o.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> Problems.badParameter(
                        "outcome", "outcome must be skipped or rejected, not '%s'".formatted(name)));
    }

    private static UUID jobId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw unknownJob(id);
        }
    }

    private static RuntimeException alreadyEnded(JobDocument document) {
        ErrorResponseException problem = Problems.of(
                HttpStatus.CONFLICT,
                "Job already ended",
                "Job %s already ended: it is %s; only a running job can be cancelled"
                        .formatted(document.job(), document.status()));
        problem.getBody().setProperty("jobStatus", document.status());
        return problem;
    }

    private static RuntimeException unknownJob(String id) {
        return Problems.of(HttpStatus.NOT_FOUND, "Unknown job", "No job with id '%s'".formatted(id));
    }
}
