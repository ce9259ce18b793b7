package dev.tally.cli;

import java.util.function.LongSupplier;

/** Follows a job's events to its final one, showing its progress on the way. */
final class JobFollower {

    /** The events ended before the final one: the job may still be running. */
    static final class StreamEnded extends RuntimeException {

        final String job;

        StreamEnded(String job) {
            super("the event stream ended before the job did");
            this.job = job;
        }
    }

    private final ProgressDisplay display;
    private final LongSupplier bytesSent;

    /**
     * @param bytesSent what this client has sent of the body, the progress estimate for events
     *     without {@code bytesRead}; {@code null} when following another client's job
     */
    JobFollower(ProgressDisplay display, LongSupplier bytesSent) {
        this.display = display;
        this.bytesSent = bytesSent;
    }

    /** Blocks until the final event, reading the events in order as they arrive. */
    JobEnd follow(Iterable<Event> events, Progress start) {
        Progress progress = start;
        for (Event event : events) {
            if (event.isFinal()) {
                display.finish(progress);
                return new JobEnd(progress, event);
            }
            switch (event.name()) {
                case "job" -> progress = progress.started(event.data());
                case "chunk" -> {
                    progress = progress.committed(event.data());
                    if (bytesSent != null && !event.data().hasNonNull("bytesRead")) {
                        progress = progress.sent(bytesSent.getAsLong());
                    }
                    display.show(progress);
                }
                default -> {
                    // an event this client does not know yet: the API may add some
                }
            }
        }
        display.finish(progress);
        throw new StreamEnded(progress.job());
    }
}
