package dev.tally.events;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * A subscriber's start on a job's events: the last chunk published when it joined, all of whose
 * chunks the ledger holds once they commit one by one; for an upload in one transaction, its chunk
 * events so far merged into one, as they are in no ledger yet; and the events from then on.
 * {@code release} stops feeding it.
 */
public record Follow(
        int publishedChunks, JobEvent.@Nullable ChunksCommitted written, Flux<JobEvent> events, Runnable release) {}
