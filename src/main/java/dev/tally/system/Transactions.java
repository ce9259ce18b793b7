package dev.tally.system;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
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
}
