package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

class ServerSentEventsTests {

    private static final JobEvent STARTED = new JobEvent.Started(
            UUID.fromString("00000000-0000-0000-0000-000000000001"),
            "things",
            "upsert",
            10,
            false,
            false,
            Instant.parse("2026-01-01T00:00:00Z"),
            null);

    /**
     * One response's events, subscribed twice: the first gets an event every 10 s, the second none.
     * Each keeps its own silence, so the second gets its keep-alive after 15 s and the first none.
     */
    @Test
    void eachSubscriptionKeepsItsOwnSilence() {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        AtomicInteger subscriptions = new AtomicInteger();
        Flux<JobEvent> events = Flux.defer(() -> subscriptions.getAndIncrement() == 0
                ? Flux.interval(Duration.ofSeconds(10), timer).map(tick -> STARTED)
                : Flux.never());
        Flux<ServerSentEvent<String>> sse =
                ServerSentEvents.of(events, new EventJson(JsonMapper.builder().build()), timer);

        List<String> busy = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        Disposable first = sse.subscribe(event -> busy.add(event.comment() != null ? "keep-alive" : event.event()));
        Disposable second = sse.subscribe(event -> silent.add(event.comment() != null ? "keep-alive" : event.event()));
        timer.advanceTimeBy(Duration.ofSeconds(16));

        assertThat(busy).containsExactly("job");
        assertThat(silent).containsExactly("keep-alive");
        first.dispose();
        second.dispose();
    }
}
