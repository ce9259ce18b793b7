package dev.tally.ingest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Hands this instance's write slots to the uploads' chunks. A chunk takes its slot before it is
 * parsed, so that an upload waiting for one holds lines rather than parsed rows, and keeps it until
 * it committed or rolled back; a slot stands for the pooled connection a chunk holds from its
 * BEGIN to its COMMIT, the wait for its turn included.
 *
 * <p>A chunk written ahead of its turn holds its connection until the chunks before it committed.
 * Taken first come, first served, as the pool hands out connections, one upload's chunks written
 * ahead could hold the connections while another upload's next chunk, which could commit at once,
 * waits for one. So a free slot goes to the upload that holds the fewest, round-robin among
 * equals: every upload's earliest chunk is written before any upload's third. Within an upload,
 * slots are handed out in chunk order ({@link Lane#ticket}), so the chunks holding slots are
 * always the earliest of their upload, whose first can always commit: no upload waits on itself.
 */
final class WriteScheduler {

    private final int slots;
    private final List<Lane> lanes = new ArrayList<>();
    private int free;
    private int next;

    WriteScheduler(int slots) {
        this.slots = slots;
        this.free = slots;
    }

    /** The slots, free or not. */
    int slots() {
        return slots;
    }

    /** One upload's chunks. */
    Lane lane() {
        return new Lane();
    }

    /** Slots free now. */
    synchronized int free() {
        return free;
    }

    /** Gives free slots to the waiting chunks, the fewest held first, round-robin among equals. */
    private void grant() {
        List<Sinks.Empty<Void>> granted = new ArrayList<>();
        synchronized (this) {
            while (free > 0) {
                Lane lane = pick();
                if (lane == null) {
                    break;
                }
                Ticket ticket = lane.pending.removeFirst();
                ticket.granted = true;
                lane.held++;
                free--;
                granted.add(ticket.signal);
            }
        }
        // Outside the lock: a granted chunk starts its write on this thread.
        granted.forEach(Sinks.Empty::tryEmitEmpty);
    }

    /** The lane whose first ticket asked for its slot and that holds the fewest; null when none. */
    private @Nullable Lane pick() {
        Lane best = null;
        int n = lanes.size();
        for (int i = 0; i < n; i++) {
            Lane lane = lanes.get((next + i) % n);
            Ticket first = lane.pending.peek();
            if (first != null && first.asked && (best == null || lane.held < best.held)) {
                best = lane;
            }
        }
        if (best != null) {
            next = (lanes.indexOf(best) + 1) % n;
        }
        return best;
    }

    /** One upload's chunks, in chunk order: its slots are handed out in the order of its tickets. */
    final class Lane {
        private final ArrayDeque<Ticket> pending = new ArrayDeque<>();
        private int held;

        /** The next chunk's place; must be called in chunk order. */
        Ticket ticket() {
            synchronized (WriteScheduler.this) {
                if (pending.isEmpty() && held == 0) {
                    lanes.add(this);
                }
                Ticket ticket = new Ticket(this);
                pending.add(ticket);
                return ticket;
            }
        }

        /** Called with the scheduler's lock held. */
        private void leaveIfIdle() {
            if (pending.isEmpty() && held == 0) {
                int at = lanes.indexOf(this);
                lanes.remove(at);
                if (next > at) {
                    next--;
                }
            }
        }
    }

    /** A chunk's claim on a slot: taken in chunk order, asked for when the chunk is cut, released once it ended. */
    final class Ticket {
        private final Lane lane;
        private final Sinks.Empty<Void> signal = Sinks.empty();
        private boolean asked;
        private boolean granted;
        private boolean released;

        private Ticket(Lane lane) {
            this.lane = lane;
        }

        /** Completes once the chunk has its slot; its turn to get one comes after every earlier chunk's. */
        Mono<Void> slot() {
            return Mono.defer(() -> {
                synchronized (WriteScheduler.this) {
                    asked = true;
                }
                grant();
                return signal.asMono();
            });
        }

        /** The chunk ended, or will not be written: its slot, or its place in line, goes to another. Idempotent. */
        void release() {
            synchronized (WriteScheduler.this) {
                if (released) {
                    return;
                }
                released = true;
                if (granted) {
                    lane.held--;
                    free++;
                } else {
                    lane.pending.remove(this);
                }
                lane.leaveIfIdle();
            }
            grant();
        }
    }
}
