package dev.tally.events;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The events of one job for one subscriber, never holding the job back: while the subscriber
 * does not read, consecutive chunk events merge into one, so at most three events (started,
 * merged chunks, ended) wait, however many chunks commit. Chunks the subscriber has (up to its
 * {@code Last-Event-ID}) are left out before they can merge with later ones.
 */
public final class EventFeed {

    private final int maxRowsPerEvent;
    private final long after;
    // Guarded by this. The sink is only ever called outside the lock: what it runs (the subscriber
    // cancelling, its release from its followers) may take other locks, whose holders publish here.
    private final Deque<JobEvent> pending = new ArrayDeque<>();
    private @Nullable FluxSink<JobEvent> sink;
    private boolean ended;
    private boolean terminated;
    private @Nullable Throwable failure;
    private Runnable onCancel = () -> {};
    // One thread drains at a time, the others leave their work to it: events stay in order.
    private final AtomicInteger drains = new AtomicInteger();

    public EventFeed(int maxRowsPerEvent) {
        this(maxRowsPerEvent, -1);
    }

    /** A feed of the chunk events after the id {@code after}. */
    EventFeed(int maxRowsPerEvent, long after) {
        this.maxRowsPerEvent = maxRowsPerEvent;
        this.after = after;
    }

    public void publish(JobEvent event) {
        synchronized (this) {
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
        }
        drain();
    }

    /** Ends the events with an error once those published are delivered: the job could not start. */
    public void fail(Throwable error) {
        synchronized (this) {
            failure = error;
        }
        drain();
    }

    public synchronized void onCancel(Runnable action) {
        onCancel = action;
    }

    /**
     * The events in order, each as soon as there is demand for it; completes after the final
     * event, or errors after those published when the job {@link #fail failed} to start. One
     * subscriber only. Cancelling runs the {@link #onCancel} action: the client is gone.
     */
    public Flux<JobEvent> events() {
        return Flux.create(emitter -> {
            synchronized (this) {
                sink = emitter;
            }
            emitter.onRequest(n -> drain());
            emitter.onCancel(() -> onCancelAction().run());
            drain();
        });
    }

    private synchronized Runnable onCancelAction() {
        return onCancel;
    }

    private void drain() {
        if (drains.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            for (Runnable signal = next(); signal != null; signal = next()) {
                signal.run();
            }
            missed = drains.addAndGet(-missed);
        } while (missed != 0);
    }

    /** What to send now, taken under the lock to be sent outside it; null for nothing. */
    private synchronized @Nullable Runnable next() {
        if (sink == null || terminated) {
            return null;
        }
        FluxSink<JobEvent> to = sink;
        if (!pending.isEmpty()) {
            if (to.requestedFromDownstream() == 0) {
                return null;
            }
            JobEvent event = pending.pollFirst();
            return () -> to.next(event);
        }
        if (failure != null || ended) {
            terminated = true;
            Throwable error = failure;
            return error != null ? () -> to.error(error) : to::complete;
        }
        return null;
    }
}
