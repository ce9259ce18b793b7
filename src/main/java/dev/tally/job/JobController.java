package dev.tally.job;

import dev.tally.system.Problems;
import java.util.Arrays;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code GET /v1/jobs/{id}} and its row log, {@code GET /v1/jobs/{id}/rows}. */
@RestController
class JobController {

    private final Jobs jobs;

    JobController(Jobs jobs) {
        this.jobs = jobs;
    }

    @GetMapping("/v1/jobs/{id}")
    Mono<JobDocument> show(@PathVariable String id) {
        return jobs.find(jobId(id)).switchIfEmpty(Mono.error(() -> unknownJob(id)));
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

    private static RuntimeException unknownJob(String id) {
        return Problems.of(HttpStatus.NOT_FOUND, "Unknown job", "No job with id '%s'".formatted(id));
    }
}
