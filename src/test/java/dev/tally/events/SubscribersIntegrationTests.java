package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.testing.FollowedEvents;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawSubscriber;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Subscribers of a running job, over plain sockets: many at once, one that stops reading, and
 * ones that go away. Each gets the whole sequence or its merged equivalent; none holds the upload
 * or the others back; a subscriber that has gone is released.
 */
class SubscribersIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int LINES = 100_000;

    @Autowired
    JobSubscriptions subscriptions;

    @Test
    void twoHundredSubscribersJoiningAtDifferentPointsEachGetEveryChunkAndTheFinalEvent() throws Exception {
        List<RawSubscriber> subscribers = new ArrayList<>();
        List<JsonNode> uploaded;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            for (int part = 0; part < 4; part++) {
                for (int i = 0; i < 50; i++) {
                    subscribers.add(RawSubscriber.reading(port, job));
                }
                upload.send(Things.lines(part * 500L + 1, (part + 1) * 500L));
            }
            upload.finish();
            uploaded = upload.remainingEvents(WAIT);
        }
        JsonNode end = uploaded.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        assertThat(end.at("/totals/received").asLong()).isEqualTo(Things.received(2000));
        for (RawSubscriber subscriber : subscribers) {
            try (subscriber) {
                List<JsonNode> followed = subscriber.awaitEnd(WAIT);
                assertThat(subscriber.status()).isEqualTo(200);
                FollowedEvents.assertWhole(followed, end);
            }
        }
        awaitActive(subscriptions::active, 0);

        // The ended job replayed, page by page from the ledger: the uploader's events, one by one.
        try (RawSubscriber replay = RawSubscriber.reading(port, end.get("job").asString())) {
            List<JsonNode> replayed = replay.awaitEnd(WAIT);
            assertThat(replayed.subList(1, replayed.size())).isEqualTo(uploaded);
            assertThat(replayed).hasSize((int) end.get("chunks").asLong() + 2).hasSizeGreaterThan(10 * JobHistory.PAGE);
        }
    }

    @Test
    void aSubscriberThatStopsReadingHoldsNothingBackAndCatchesUpWithMergedEvents() throws Exception {
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=100")) {
            String job = upload.nextEvent(WAIT).get("job").asString();
            try (RawSubscriber slow = RawSubscriber.notReading(port, job, 4096);
                    RawSubscriber reader = RawSubscriber.reading(port, job)) {
                assertSlowSubscriberCatchesUp(upload, slow, reader);
            }
        }
        awaitActive(subscriptions::active, 0);
    }

    private void assertSlowSubscriberCatchesUp(RawUpload upload, RawSubscriber slow, RawSubscriber reader)
            throws Exception {
        awaitActive(subscriptions::active, 2);
        // Events of 100 rejected rows each, about 12 MB in all: more than the sockets' buffers hold.
        StringBuilder invalid = new StringBuilder();
        for (int n = 1; n <= LINES; n++) {
            invalid.append("{\"id\":").append(n).append(",\"label\":\"not closed\n");
        }
        upload.send(invalid.toString());
        upload.finish();
        // Neither the upload nor the other subscriber waits for the one not reading.
        List<JsonNode> uploaded = upload.remainingEvents(WAIT);
        JsonNode end = uploaded.getLast();
        assertThat(end.get("event").asString()).isEqualTo("completed");
        FollowedEvents.assertWhole(reader.awaitEnd(WAIT), end);
        assertThat(slow.events()).isEmpty();

        slow.startReading();
        List<JsonNode> caughtUp = slow.awaitEnd(WAIT);
        FollowedEvents.assertWhole(caughtUp, end);
        // Beyond what the sockets and Reactor Netty buffer (about 8 MB here), chunk events waited
        // merged, not one by one.
        assertThat(FollowedEvents.merged(caughtUp)).isPositive();
        assertThat(end.at("/totals/rejected").asLong()).isEqualTo(LINES);
    }

    /**
     * On the uploading instance, subscribers are fed by the upload; on another, 20 of them share
     * one reader of the job's ledger, which stops once the job ended.
     */
    @Test
    void subscribersThatGoAwayAreReleasedOnTheUploadingInstanceAndOnAnother() throws Exception {
        try (ConfigurableApplicationContext other = ServiceInstance.start();
                RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            IntSupplier otherActive = other.getBean(JobSubscriptions.class)::active;
            LedgerTails otherTails = other.getBean(LedgerTails.class);
            String job = upload.nextEvent(WAIT).get("job").asString();
            upload.send(Things.lines(1, 25));
            JobLedger.awaitChunks(db, job, 2, WAIT);

            List<RawSubscriber> here = new ArrayList<>();
            List<RawSubscriber> there = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                here.add(RawSubscriber.reading(port, job));
                there.add(RawSubscriber.reading(ServiceInstance.port(other), job));
            }
            for (RawSubscriber subscriber : concat(here, there)) {
                subscriber.awaitEvents(3, WAIT); // job, chunks 1 and 2
            }
            assertThat(subscriptions.active()).isEqualTo(20);
            assertThat(otherActive.getAsInt()).isEqualTo(20);
            assertThat(otherTails.readers()).isEqualTo(1);

            here.get(0).cut(false);
            here.get(1).cut(true);
            there.get(0).cut(false);
            there.get(1).cut(true);
            awaitActive(subscriptions::active, 18);
            awaitActive(otherActive, 18);

            upload.send(Things.lines(26, 500));
            upload.finish();
            JsonNode end = upload.remainingEvents(WAIT).getLast();
            for (RawSubscriber subscriber : concat(here.subList(2, 20), there.subList(2, 20))) {
                FollowedEvents.assertWhole(subscriber.awaitEnd(WAIT), end);
            }
            awaitActive(subscriptions::active, 0);
            awaitActive(otherActive, 0);
            awaitActive(otherTails::readers, 0);
            for (RawSubscriber subscriber : concat(here, there)) {
                subscriber.close();
            }
        }
    }

    private static List<RawSubscriber> concat(List<RawSubscriber> a, List<RawSubscriber> b) {
        List<RawSubscriber> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Waits until as many subscriptions are open; a subscriber that went is released within seconds. */
    private static void awaitActive(IntSupplier active, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (active.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("subscriptions open: " + active.getAsInt() + ", expected " + expected);
            }
            Thread.sleep(20);
        }
    }
}
