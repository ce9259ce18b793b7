package dev.tally.events;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Job events as SSE, for the uploader and for subscribers alike. */
public final class ServerSentEvents {

    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private ServerSentEvents() {}

    /** The events with their ids and names, and a keep-alive comment after 15 s without one. */
    public static Flux<ServerSentEvent<String>> of(Flux<JobEvent> jobEvents, EventJson events) {
        return of(jobEvents, events, Schedulers.parallel());
    }

    /** The same, timed by {@code timer}: its clock and its ticks. */
    static Flux<ServerSentEvent<String>> of(Flux<JobEvent> jobEvents, EventJson events, Scheduler timer) {
        // Per subscription: each has its own silence, written by its events and its keep-alive ticks.
        return Flux.defer(() -> {
            AtomicLong lastSent = new AtomicLong(timer.now(TimeUnit.NANOSECONDS));
            Flux<ServerSentEvent<String>> data = jobEvents
                    .map(event -> ServerSentEvent.builder(events.data(event).toString())
                            .id(Long.toString(event.id()))
                            .event(EventJson.name(event))
                            .build())
                    .doOnNext(event -> lastSent.set(timer.now(TimeUnit.NANOSECONDS)));
            Flux<ServerSentEvent<String>> keepAlive = Flux.interval(KEEP_ALIVE.dividedBy(3), timer)
                    .onBackpressureDrop()
                    .filter(tick -> timer.now(TimeUnit.NANOSECONDS) - lastSent.get() >= KEEP_ALIVE.toNanos())
                    .map(tick -> {
                        lastSent.set(timer.now(TimeUnit.NANOSECONDS));
                        return ServerSentEvent.<String>builder()
                                .comment("keep-alive")
                                .build();
                    });
            return data.publish(shared -> Flux.merge(shared, keepAlive.takeUntilOther(shared.then())));
        });
    }
}
