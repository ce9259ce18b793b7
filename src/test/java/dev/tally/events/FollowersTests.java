package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.job.Counts;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

class FollowersTests {

    private static final UUID JOB = UUID.fromString("00000000-0000-0000-0000-000000000001");

    /**
     * A subscriber that goes while it is handed an event (its connection closed during the write)
     * leaves its followers as another thread publishes to them. It used to be handed the event
     * under its feed's lock and to need the followers' lock to leave, which the publisher held while
     * it waited for the feed's lock: both threads hung, and with them every connection of their
     * event loops.
     */
    @Test
    void aSubscriberLeavingWhileHandedAnEventDoesNotDeadlockThePublisher() throws Exception {
        Followers followers = new Followers(100, false, 0);
        Follow follow = followers.follow(-1).orElseThrow();
        Thread publisher = new Thread(() -> followers.publish(chunk(1)));
        List<JobEvent> received = new CopyOnWriteArrayList<>();
        BaseSubscriber<JobEvent> leaving = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {} // reads later

            @Override
            protected void hookOnNext(JobEvent event) {
                received.add(event);
                publisher.start();
                awaitBlockedOrDone(publisher);
                cancel();
            }
        };
        follow.events().doFinally(signal -> follow.release().run()).subscribe(leaving);
        followers.publish(started());

        Thread reader = new Thread(() -> leaving.request(1));
        reader.start();
        reader.join(TimeUnit.SECONDS.toMillis(10));
        publisher.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(reader.isAlive()).as("the leaving reader hangs").isFalse();
        assertThat(publisher.isAlive()).as("the publisher hangs").isFalse();
        assertThat(received).singleElement().isInstanceOf(JobEvent.Started.class);
        assertThat(followers.closeIfNone()).isTrue();
    }

    private static void awaitBlockedOrDone(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.getState() != Thread.State.BLOCKED
                && thread.getState() != Thread.State.TERMINATED
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static JobEvent.Started started() {
        return new JobEvent.Started(JOB, "things", "skip", 10, false, false, Instant.EPOCH, null);
    }

    private static JobEvent.ChunksCommitted chunk(int n) {
        Counts counts = Counts.of(10, 0, 0, 0, 0);
        return new JobEvent.ChunksCommitted(
                JOB, n, n, 1, 10, 0, Instant.EPOCH, counts, counts, List.of(), List.of(), false);
    }
}
