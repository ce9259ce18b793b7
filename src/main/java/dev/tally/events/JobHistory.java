package dev.tally.events;

import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobDocument;
import dev.tally.job.JobStatus;
import dev.tally.job.LedgerHistory;
import dev.tally.system.TallyProperties;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A job's events read back from its row and its ledger, with the ids its uploader saw: {@code job}
 * (0), one {@code chunk} per committed chunk (its number), and the final event (chunks + 1).
 */
@Component
public class JobHistory {

    // Chunks read a query: each holds at most twice maxRowsPerEvent logged rows.
    static final int PAGE = 16;

    private final LedgerHistory ledger;
    private final int maxRowsPerEvent;

    JobHistory(LedgerHistory ledger, TallyProperties properties) {
        this.ledger = ledger;
        this.maxRowsPerEvent = properties.ingest().maxRowsPerEvent();
    }

    /** Every event of an ended job, as its uploader saw them when no chunk events merged. */
    public Flux<JobEvent> ofEnded(JobDocument job) {
        return Flux.concat(
                Mono.just(started(job)), chunks(job.job(), 0, Integer.MAX_VALUE), Mono.fromSupplier(() -> ended(job)));
    }

    /**
     * The events of the committed chunks numbered after {@code after} up to {@code upTo}, totals
     * counted from the first. Reads {@value #PAGE} chunks a query, at most a page ahead of the
     * subscriber: one that reads slowly holds two pages, never a pooled connection.
     */
    Flux<JobEvent.ChunksCommitted> chunks(UUID job, int after, int upTo) {
        if (after >= upTo) {
            return Flux.empty();
        }
        return ledger.progress(job, after)
                .flatMapMany(before -> new Reading(job, after, upTo, before.totals()).events());
    }

    /**
     * One reading of a job's chunks, page after page: the last chunk read and the totals so far.
     * Its pages and events come one at a time, each after the one before, so plain fields do.
     */
    private final class Reading {

        private final UUID job;
        private final int upTo;
        private int read;
        private Counts totals;

        Reading(UUID job, int after, int upTo, Counts totals) {
            this.job = job;
            this.upTo = upTo;
            this.read = after;
            this.totals = totals;
        }

        Flux<JobEvent.ChunksCommitted> events() {
            // One row more than an event lists, so that the event knows it was truncated.
            Mono<List<ChunkRecord>> page = Mono.defer(() -> ledger.chunks(
                                    job, maxRowsPerEvent + 1, read, (int) Math.min(upTo, (long) read + PAGE))
                            .collectList())
                    .doOnNext(records ->
                            read = records.isEmpty() ? upTo : records.getLast().chunk());
            return page.repeat()
                    .takeUntil(records -> records.size() < PAGE || read >= upTo)
                    .concatMapIterable(records -> records, 1)
                    .map(this::event);
        }

        private JobEvent.ChunksCommitted event(ChunkRecord record) {
            totals = totals.plus(record.counts());
            return JobEvent.ChunksCommitted.of(record, totals, maxRowsPerEvent);
        }
    }

    static JobEvent.Started started(JobDocument job) {
        return new JobEvent.Started(
                job.job(),
                job.dataset(),
                job.onConflict(),
                job.chunkSize(),
                job.atomic(),
                job.dryRun(),
                job.startedAt().toInstant(),
                job.bytesTotal());
    }

    /**
     * The final event of an ended job. For an atomic or dry-run job, whether its work was kept
     * follows from its status: only a completed atomic job committed.
     */
    static JobEvent.Ended ended(JobDocument job) {
        Counts totals = job.totals();
        JobStatus status = job.status();
        Boolean committed = job.atomic() || job.dryRun() ? status == JobStatus.COMPLETED && !job.dryRun() : null;
        return new JobEvent.Ended(
                job.job(),
                job.chunks() + 1L,
                status,
                totals,
                job.chunks(),
                job.durationMs(),
                job.rowsPerSecond(),
                job.error(),
                committed);
    }
}
