package dev.tally.cli;

import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;

/** Follows a job's events to its final one, showing its progress on the way. */
final class JobFollower {

    /** The events ended before the final one: the job may still be running. */
    static final class StreamEnded extends RuntimeException {

        final String job;

        StreamEnded(String job, @Nullable Throwable cause) {
            super(
                    "the event stream ended before the job did" + (cause == null ? "" : ": " + ErrorText.of(cause)),
                    cause);
            this.job = job;
        }
    }

    private final ProgressDisplay display;
    private final @Nullable LongSupplier bytesSent;

    /**
     * @param bytesSent what this client has sent of the body, the progress estimate for events
     *     without {@code bytesRead}; {@code null} when following another client's job
     */
    JobFollower(ProgressDisplay display, @Nullable LongSupplier bytesSent) {
        this.display = display;
        this.bytesSent = bytesSent;
    }

    /**
     * Blocks until the final event, reading the events in order as they arrive. An answer that ends
     * or breaks after the job started is a {@link StreamEnded} that names the job.
     */
    JobEnd follow(Iterable<Event> events, Progress start) {
        Progress progress = start;
        try {
            for (Event event : events) {
                if (event.isFinal()) {
                    display.finish(progress);
                    return new JobEnd(progress, event);
                }
                progress = next(progress, event);
            }
        } catch (RuntimeException e) {
            display.finish(progress);
            if (progress.job().isEmpty()) {
                throw e;
            }
            throw new StreamEnded(progress.job(), Exceptions.unwrap(e));
        }
        display.finish(progress);
        throw new StreamEnded(progress.job(), null);
    }

    private Progress next(Progress progress, Event event) {
        return switch (event.name()) {
            case "job" -> progress.started(event.data());
            case "chunk" -> {
                Progress committed = progress.committed(event.data());
                if (bytesSent != null && !event.data().hasNonNull("bytesRead")) {
                    committed = committed.sent(bytesSent.getAsLong());
                }
                display.show(committed);
                yield committed;
            }
            // an event this client does not know yet: the API may add some
            default -> progress;
        };
    }
}
