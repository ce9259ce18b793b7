package dev.tally.ingest;

import java.util.ArrayDeque;
import java.util.Deque;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The events of one job for one subscriber, never holding the job back: while the subscriber
 * does not read, consecutive chunk events merge into one, so at most three events (started,
 * merged chunks, ended) wait, however many chunks commit. Chunks the subscriber has (up to its
 * {@code Last-Event-ID}) are left out before they can merge with later ones.
 */
final class EventFeed {

    private final int maxRowsPerEvent;
    private final long after;
    private final Deque<JobEvent> pending = new ArrayDeque<>();
    private FluxSink<JobEvent> sink;
    private boolean ended;
    private Throwable failure;
    private Runnable onCancel = () -> {};

    EventFeed(int maxRowsPerEvent) {
        this(maxRowsPerEvent, -1);
    }

    /** A feed of the chunk events after the id {@code after}. */
    EventFeed(int maxRowsPerEvent, long after) {
        this.maxRowsPerEvent = maxRowsPerEvent;
        this.after = after;
    }

    synchronized void publish(JobEvent event) {
        if (event instanceof JobEvent.ChunksCommitted chunk && chunk.lastChunk() <= after) {
            return;
        }
        if (event instanceof JobEvent.ChunksCommitted next
                && pending.peekLast() instanceof JobEvent.ChunksCommitted previous) {
            pending.removeLast();
            pending.addLast(previous.merge(next, maxRowsPerEvent));
        } else {
            pending.addLast(event);
        }
        ended |= event instanceof JobEvent.Ended;
        drain();
    }

    /** Ends the events with an error once those published are delivered: the job could not start. */
    synchronized void fail(Throwable error) {
        failure = error;
        drain();
    }

    synchronized void onCancel(Runnable action) {
        onCancel = action;
    }

    /**
     * The events in order, each as soon as there is demand for it; completes after the final
     * event, or errors after those published when the job {@link #fail failed} to start. One subscriber only. Cancelling runs the {@link #onCancel} action: the client is gone.
     */
    Flux<JobEvent> events() {
        return Flux.create(emitter -> {
            synchronized (this) {
                sink = emitter;
                emitter.onRequest(n -> drain());
                emitter.onCancel(() -> onCancelAction().run());
                drain();
            }
        });
    }

    private synchronized Runnable onCancelAction() {
        return onCancel;
    }

    private synchronized void drain() {
        if (sink == null) {
            return;
        }
        while (!pending.isEmpty() && sink.requestedFromDownstream() > 0) {
            sink.next(pending.pollFirst());
        }
        if (pending.isEmpty() && failure != null) {
            sink.error(failure);
        } else if (pending.isEmpty() && ended) {
            sink.complete();
        }
    }
}
