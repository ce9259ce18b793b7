package dev.tally.system;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.ValidationDepth;
import io.r2dbc.spi.Wrapped;
import java.io.IOException;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Ending a transaction on a pooled connection that an error or a cancel interrupted. */
public final class Transactions {

    private Transactions() {}

    /**
     * Rolls back whatever is open, then closes (returns to the pool). A ROLLBACK statement, not
     * rollbackTransaction(): cancelled while its BEGIN is in flight, the driver does not know yet
     * that a transaction is open and skips the rollback, and the pool then hands out a connection
     * inside an open transaction, where nothing would ever commit.
     */
    public static Mono<Void> rollbackAndClose(Connection connection) {
        return Flux.from(connection.createStatement("ROLLBACK").execute())
                .flatMap(Result::getRowsUpdated)
                .onErrorComplete()
                .then(Mono.defer(() -> Mono.from(connection.close())));
    }

    /**
     * Like {@link #rollbackAndClose(Connection)}, but a ROLLBACK not answered within {@code wait}
     * (it queues behind a statement still running, or the server no longer answers) {@linkplain
     * #abandon abandons} the connection instead; and after {@code error}, when it says the
     * connection is in an unknown state (a resource error: lost, or a step that did not answer), it
     * is abandoned at once. Either way nothing is left open on the server.
     */
    public static Mono<Void> rollbackAndClose(Connection connection, Throwable error, Duration wait) {
        return inUnknownState(error) ? abandon(connection, wait) : rollbackAndClose(connection, wait);
    }

    /** {@link #rollbackAndClose(Connection)} within {@code wait}, else {@link #abandon}. */
    public static Mono<Void> rollbackAndClose(Connection connection, Duration wait) {
        return Flux.from(connection.createStatement("ROLLBACK").execute())
                .flatMap(Result::getRowsUpdated)
                .then()
                .timeout(wait)
                .then(Mono.defer(() -> Mono.from(connection.close())))
                .onErrorResume(failure -> abandon(connection, wait));
    }

    /**
     * Ends a connection whose state is unknown, so that the pool never hands it out again: the
     * statement running on it, if any, is cancelled on the server (a backend blocked on a lock does
     * not notice that its client went away, and would hold its own locks until then), its socket is
     * closed, which rolls back its transaction, and it is returned to the pool, which finds it
     * closed at the next acquire and drops it. Each step waits at most {@code wait}; errors are
     * dropped, as the connection is given up either way.
     */
    public static Mono<Void> abandon(Connection connection, Duration wait) {
        Connection real =
                connection instanceof Wrapped<?> pooled && pooled.unwrap() instanceof Connection c ? c : connection;
        // A connection already closed has nothing running on the server; a cancel would only wait
        // for a server that may be down.
        Mono<Void> cancel = real instanceof PostgresqlConnection postgres
                ? postgres.validate(ValidationDepth.LOCAL)
                        .filter(Boolean::booleanValue)
                        .flatMap(open -> postgres.cancelRequest())
                        .timeout(wait)
                        .onErrorComplete()
                : Mono.empty();
        return cancel.then(
                        Mono.defer(() -> Mono.from(real.close())).timeout(wait).onErrorComplete())
                .then(Mono.defer(() -> real == connection ? Mono.<Void>empty() : Mono.from(connection.close()))
                        .timeout(wait)
                        .onErrorComplete());
    }

    private static boolean inUnknownState(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof R2dbcNonTransientResourceException || e instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
