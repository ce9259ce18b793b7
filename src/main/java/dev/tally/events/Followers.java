package dev.tally.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The subscribers on this instance of one job's events, whoever publishes them (its upload
 * running here, or this instance's reader of its ledger), each fed through its own {@link
 * EventFeed}: one that does not read holds back neither the publisher nor the others.
 */
public final class Followers {

    private final int maxRowsPerEvent;
    private final boolean oneTransaction;
    private final List<EventFeed> feeds = new ArrayList<>();
    private int publishedChunks;
    private JobEvent.@Nullable ChunksCommitted written;
    private boolean ended;

    /**
     * @param oneTransaction whether the job's chunks are written in one transaction, so that no
     *     ledger holds them until the end
     * @param publishedChunks the chunks published before, which joining subscribers read from the ledger
     */
    public Followers(int maxRowsPerEvent, boolean oneTransaction, int publishedChunks) {
        this.maxRowsPerEvent = maxRowsPerEvent;
        this.oneTransaction = oneTransaction;
        this.publishedChunks = publishedChunks;
    }

    /**
     * A subscriber joining now, which has the events up to id {@code after}: it is fed no chunk
     * it has. Empty once the final event was published: the job's row then says it ended.
     */
    public synchronized Optional<Follow> follow(long after) {
        if (ended) {
            return Optional.empty();
        }
        EventFeed feed = new EventFeed(maxRowsPerEvent, after);
        feeds.add(feed);
        return Optional.of(new Follow(publishedChunks, written, feed.events(), () -> unfollow(feed)));
    }

    public synchronized void publish(JobEvent event) {
        if (event instanceof JobEvent.ChunksCommitted chunk) {
            publishedChunks = chunk.lastChunk();
            if (oneTransaction) {
                written = written == null ? chunk : written.merge(chunk, maxRowsPerEvent);
            }
        }
        ended |= event instanceof JobEvent.Ended;
        // A copy: the final event ends a feed, whose release removes it from the list, here.
        List.copyOf(feeds).forEach(feed -> feed.publish(event));
    }

    /** Ends every subscriber's events with the error, after those published: the publisher failed. */
    synchronized void fail(Throwable error) {
        ended = true;
        List.copyOf(feeds).forEach(feed -> feed.fail(error));
    }

    /** Takes no more subscribers; true when none is left. */
    synchronized boolean closeIfNone() {
        ended |= feeds.isEmpty();
        return feeds.isEmpty();
    }

    private synchronized void unfollow(EventFeed feed) {
        feeds.remove(feed);
    }
}
