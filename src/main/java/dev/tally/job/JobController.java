package dev.tally.job;

import dev.tally.access.Access;
import dev.tally.access.Caller;
import dev.tally.system.Problems;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/jobs}, {@code GET /v1/jobs/{id}}, its row log {@code GET /v1/jobs/{id}/rows}, and {@code DELETE
 * /v1/jobs/{id}}, which cancels a running job.
 */
@RestController
class JobController implements JobsApi {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1000;

    private final Jobs jobs;
    private final RowLog rowLog;
    private final ApplicationEventPublisher events;

    JobController(Jobs jobs, RowLog rowLog, ApplicationEventPublisher events) {
        this.jobs = jobs;
        this.rowLog = rowLog;
        this.events = events;
    }

    /** {@code {"jobs":[…]}}, newest first. */
    record JobList(List<JobDocument> jobs) {}

    @Override
    @GetMapping("/v1/jobs")
    public Mono<JobList> list(
            @RequestParam(required = false) @Nullable String dataset,
            @RequestParam(required = false) @Nullable String status,
            @RequestParam(required = false) @Nullable String limit,
            @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        if (dataset != null) {
            Access.requireRead(caller, dataset);
        }
        return jobs.list(
                        dataset,
                        status == null ? null : status(status),
                        limit == null ? DEFAULT_LIMIT : whole("limit", limit, MAX_LIMIT),
                        caller.readableDatasets().orElse(null))
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

    private static int whole(String name, String text, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= 1 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problems.badParameter(
                name, "%s must be a whole number from 1 to %d, not '%s'".formatted(name, max, text));
    }

    @Override
    @GetMapping("/v1/jobs/{id}")
    public Mono<JobDocument> show(@PathVariable String id, @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        return jobs.find(id, caller::canRead);
    }

    /**
     * 202 with the job as it was when the cancel was recorded; the job stops after its chunks in
     * flight. 404 for an unknown job, 409 for one that already ended.
     */
    @Override
    @DeleteMapping("/v1/jobs/{id}")
    public Mono<ResponseEntity<JobDocument>> cancel(
            @PathVariable String id, @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        UUID job = Problems.jobId(id);
        return jobs.find(id, caller::knows)
                .doOnNext(found -> Access.requireWrite(caller, found.dataset()))
                .then(jobs.requestCancel(job))
                .flatMap(requested -> jobs.find(job)
                        .switchIfEmpty(Mono.error(() -> Problems.unknownJob(id)))
                        .map(document -> {
                            if (!requested) {
                                throw alreadyEnded(document);
                            }
                            events.publishEvent(new JobCancelRequested(job));
                            return ResponseEntity.accepted().body(document);
                        }));
    }

    @Override
    @GetMapping(value = "/v1/jobs/{id}/rows", produces = "application/x-ndjson")
    public Flux<RowLogEntry> rows(
            @PathVariable String id,
            @RequestParam(required = false) @Nullable String outcome,
            @RequestParam(required = false) @Nullable String after,
            @RequestParam(required = false) @Nullable String limit,
            @RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
        LoggedRow.Outcome wanted = outcome == null ? null : outcome(outcome);
        long afterLine = after == null ? 0 : afterLine(after);
        Integer most = limit == null ? null : whole("limit", limit, MAX_ROWS);
        return jobs.find(id, caller::canRead).flatMapMany(found -> rowLog.rows(found.job(), wanted, afterLine, most));
    }

    private static long afterLine(String text) {
        try {
            long line = Long.parseLong(text);
            if (line >= 0) {
                return line;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problems.badParameter("after", "after must be a line number, 0 or more, not '%s'".formatted(text));
    }

    private static LoggedRow.Outcome outcome(String name) {
        return Arrays.stream(LoggedRow.Outcome.values())
                .filter(o -> o.wireName().equals(name))
                .findFirst()
                .orElseThrow(() -> Problems.badParameter(
                        "outcome", "outcome must be skipped or rejected, not '%s'".formatted(name)));
    }

    private static RuntimeException alreadyEnded(JobDocument document) {
        ErrorResponseException problem = Problems.of(
                HttpStatus.CONFLICT,
                "Job already ended",
                "Job %s already ended: it is %s; only a running job can be cancelled"
                        .formatted(document.job(), document.status().wireName()));
        problem.getBody().setProperty("jobStatus", document.status().wireName());
        return problem;
    }
}
