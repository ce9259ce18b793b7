package dev.tally.events;

import dev.tally.job.LedgerChannel;
import io.r2dbc.postgresql.api.Notification;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * The notices that a job committed a chunk or ended, from any instance: one connection of its own
 * (not from the pool) listens on the {@link LedgerChannel} for payloads {@code <job id>:<chunk>} and
 * {@code <job id>:end}, sent by the ledger's statement and the job's final update, and delivered
 * at their commit. A notice is only a hint to read the ledger: when the connection breaks it is
 * opened again with backoff, and every follower is woken then, since notices may have been lost.
 */
@Component
class ChunkNotifications implements DisposableBean {

    private static final String CHANNEL = LedgerChannel.NAME;

    private static final Logger log = LoggerFactory.getLogger(ChunkNotifications.class);

    // Sent to every follower when listening (re)starts.
    private static final String EVERYONE = "*";

    // A connection that broke without closing is found at the next check.
    private static final Duration CHECK = Duration.ofSeconds(5);

    private final Sinks.Many<String> notices = Sinks.many().multicast().directBestEffort();
    private final Disposable listening;

    ChunkNotifications(ConnectionFactory connections) {
        ConnectionFactory direct =
                connections instanceof Wrapped<?> pool && pool.unwrap() instanceof ConnectionFactory f
                        ? f
                        : connections;
        this.listening = Flux.usingWhen(Mono.from(direct.create()), this::listen, Connection::close)
                .concatWith(Mono.error(
                        () -> new IllegalStateException("the connection listening on " + CHANNEL + " ended")))
                .doOnError(e -> log.warn("Listening on {} stopped, listening again: {}", CHANNEL, e.toString()))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
                        .maxBackoff(Duration.ofSeconds(10))
                        .transientErrors(true))
                .subscribe(notices::tryEmitNext);
    }

    /** Wake-ups for the job's followers: a chunk committed, the job ended, or notices may have been lost. */
    Flux<String> of(UUID job) {
        String prefix = job + ":";
        return notices.asFlux().filter(notice -> notice.equals(EVERYONE) || notice.startsWith(prefix));
    }

    private Flux<String> listen(Connection connection) {
        PostgresqlConnection postgres =
                connection instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof PostgresqlConnection unwrapped
                        ? unwrapped
                        : (PostgresqlConnection) connection;
        Flux<String> broken = Flux.interval(CHECK)
                .concatMap(tick -> Mono.from(postgres.validate(ValidationDepth.REMOTE)))
                .filter(valid -> !valid)
                .concatMap(invalid ->
                        Mono.error(new IllegalStateException("the connection listening on " + CHANNEL + " broke")));
        return postgres.createStatement("LISTEN " + CHANNEL)
                .execute()
                .flatMap(result -> result.getRowsUpdated())
                .thenMany(Flux.merge(
                        Mono.just(EVERYONE), postgres.getNotifications().map(Notification::getParameter), broken));
    }

    @Override
    public void destroy() {
        listening.dispose();
    }
}
