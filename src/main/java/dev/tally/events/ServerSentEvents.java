package dev.tally.events;

import java.time.Duration;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;

/** Job events as SSE, for the uploader and for subscribers alike. */
public final class ServerSentEvents {

    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private ServerSentEvents() {}

    /** The events with their ids and names, and a keep-alive comment after 15 s without one. */
    public static Flux<ServerSentEvent<String>> of(Flux<JobEvent> jobEvents, EventJson events) {
        long[] lastSent = {System.nanoTime()};
        Flux<ServerSentEvent<String>> data = jobEvents
                .map(event -> ServerSentEvent.builder(events.data(event).toString())
                        .id(Long.toString(event.id()))
                        .event(EventJson.name(event))
                        .build())
                .doOnNext(event -> lastSent[0] = System.nanoTime());
        Flux<ServerSentEvent<String>> keepAlive = Flux.interval(KEEP_ALIVE.dividedBy(3))
                .onBackpressureDrop()
                .filter(tick -> System.nanoTime() - lastSent[0] >= KEEP_ALIVE.toNanos())
                .map(tick -> {
                    lastSent[0] = System.nanoTime();
                    return ServerSentEvent.<String>builder()
                            .comment("keep-alive")
                            .build();
                });
        return data.publish(shared -> Flux.merge(shared, keepAlive.takeUntilOther(shared.then())));
    }
}
