package dev.tally.ingest;

import dev.tally.job.Counts;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A chunk's place in the commit order: each chunk commits only after its predecessor, knowing the
 * totals it committed with, so that the committed chunks are a prefix of the upload and a job that
 * stops at chunk k keeps nothing after it.
 *
 * @param previous the totals after the previous chunk committed; empty when it did not
 */
record Turn(Mono<Counts> previous, Sinks.One<Counts> mine) {

    static Turn first() {
        return first(Counts.ZERO);
    }

    /** The first chunk of an upload that resumes a job whose ledger already holds these totals. */
    static Turn first(Counts before) {
        return new Turn(Mono.just(before), Sinks.one());
    }

    Turn next() {
        return new Turn(mine.asMono(), Sinks.one());
    }

    void committed(Counts totals) {
        mine.tryEmitValue(totals);
    }

    /** This chunk did not commit: no later chunk may. Harmless after {@link #committed}. */
    void stopped() {
        mine.tryEmitEmpty();
    }
}
