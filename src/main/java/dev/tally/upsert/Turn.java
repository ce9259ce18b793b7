package dev.tally.upsert;

import dev.tally.job.Counts;
import org.jspecify.annotations.Nullable;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A chunk's place in the commit order: each chunk commits only after its predecessor, knowing the
 * totals it committed with, so that the committed chunks are a prefix of the upload and a job that
 * stops at chunk k keeps nothing after it.
 *
 * @param before the previous chunk's totals once it committed; empty when it did not
 */
public record Turn(Sinks.One<Counts> before, Sinks.One<Counts> mine) {

    public static Turn first() {
        return first(Counts.ZERO);
    }

    /** The first chunk of an upload that resumes a job whose ledger already holds these totals. */
    public static Turn first(Counts before) {
        Sinks.One<Counts> start = Sinks.one();
        start.tryEmitValue(before);
        return new Turn(start, Sinks.one());
    }

    public Turn next() {
        return new Turn(mine, Sinks.one());
    }

    /** The totals after the previous chunk committed; empty when it did not. */
    public Mono<Counts> previous() {
        return before.asMono();
    }

    /** Whether the previous chunk has committed or stopped by now, so that no earlier chunk is still writing. */
    public boolean previousSettled() {
        return Boolean.TRUE.equals(before.scan(Scannable.Attr.TERMINATED));
    }

    public void committed(Counts totals) {
        mine.tryEmitValue(totals);
    }

    /** This chunk did not commit: no later chunk may. Harmless after {@link #committed}. */
    public void stopped() {
        mine.tryEmitEmpty();
    }

    /** An upload's turns, handed out one after another in chunk order, from one thread at a time. */
    public static final class Sequence {
        private final Counts before;
        private @Nullable Turn last;

        /** The turns of an upload whose ledger already holds these totals ({@link Counts#ZERO} for a new job). */
        public Sequence(Counts before) {
            this.before = before;
        }

        /** The next chunk's turn. */
        public Turn next() {
            last = last == null ? first(before) : last.next();
            return last;
        }
    }
}
