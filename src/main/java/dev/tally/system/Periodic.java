package dev.tally.system;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Background work run every period, one run at a time; a run that fails is reported and the next one runs. */
public final class Periodic {

    private Periodic() {}

    /** Runs {@code task} every {@code period}, the first after one period, until disposed. */
    public static Disposable every(Duration period, Supplier<Publisher<?>> task, Consumer<Throwable> failed) {
        return Flux.interval(period, period)
                .onBackpressureDrop()
                .concatMap(tick -> Flux.from(task.get()).onErrorResume(e -> {
                    failed.accept(e);
                    return Mono.empty();
                }))
                .subscribe();
    }
}
