package dev.tally.upsert;

import dev.tally.job.JobError;
import dev.tally.system.Transactions;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An upload written in one transaction, for {@code atomic=true} and {@code dryRun=true}: its chunks
 * are written one after another, in order, on one connection, and each chunk's result is emitted
 * as soon as it is written, before anything commits. At the end the transaction commits only if no
 * chunk stopped the job, the upload was not abandoned and it is not a dry run; otherwise it rolls
 * back and the table is as it was.
 *
 * <p>An atomic upload writes its ledger and row log in its transaction, so they hold what
 * committed: everything or nothing. A dry run writes them beside it, on a second connection that
 * commits each chunk's at once, so that after the rollback its job keeps the would-be totals and
 * row log. No chunk is held once written: Tally's memory stays bounded however long the upload;
 * the row locks and the transaction's size on the server are the price of asking for one.
 *
 * <p>Each wait on the database (a connection, a chunk's statements, its ledger row, the COMMIT or
 * ROLLBACK) lasts at most {@code tally.ingest.database-wait}; one not answered by then fails the
 * upload, whose transaction is cancelled on the server and its connection closed. It is not tried
 * again: the transaction holding the chunks before is gone.
 */
final class OneTransactionWriter implements ChunkWriter.OneTransaction {

    private final ConnectionFactory connections;
    private final ChunkSequence sequence;
    private final boolean dryRun;
    private final WriteMeters meters;
    private final DatabaseRetry retry;
    private volatile boolean committed;

    OneTransactionWriter(ChunkWriter.Context context) {
        this.connections = context.connections();
        this.sequence = new ChunkSequence(context);
        this.dryRun = context.settings().dryRun();
        this.meters = context.meters();
        this.retry = new DatabaseRetry(
                context.limits().databaseRetry(), context.limits().databaseWait());
    }

    @Override
    public Flux<ChunkResult> write(Flux<ParsedChunk> chunks, BooleanSupplier abandoned) {
        if (!dryRun) {
            return inTransaction(chunks, null, abandoned);
        }
        return Flux.usingWhen(
                connect(),
                ledger -> inTransaction(chunks, ledger, abandoned),
                ledger -> Mono.from(ledger.close()),
                this::release,
                this::release);
    }

    @Override
    public boolean committed() {
        return committed;
    }

    /** The chunks on one transaction; the ledger on {@code ledger}, or in the transaction when null. */
    private Flux<ChunkResult> inTransaction(
            Flux<ParsedChunk> chunks, @Nullable Connection ledger, BooleanSupplier abandoned) {
        return Flux.defer(() -> {
            Progress progress = new Progress();
            return Flux.usingWhen(
                    connect(),
                    data -> retry.answered(Mono.from(data.beginTransaction()), "BEGIN")
                            .thenMany(chunks.concatMap(
                                    chunk -> writeChunk(data, ledger == null ? data : ledger, chunk, progress), 1))
                            .takeUntil(result -> result instanceof ChunkResult.Stopped),
                    data -> end(data, !dryRun && !progress.stopped && !abandoned.getAsBoolean()),
                    this::release,
                    this::release);
        });
    }

    /**
     * Writes one chunk and its ledger row, unless it stops the job. The chunk's savepoint is
     * released once written, so that chunks do not nest one in another on the server.
     */
    private Mono<ChunkResult> writeChunk(Connection data, Connection ledger, ParsedChunk chunk, Progress progress) {
        return meters.timed(writeAndRecord(data, ledger, chunk, progress));
    }

    private Mono<ChunkResult> writeAndRecord(Connection data, Connection ledger, ParsedChunk chunk, Progress progress) {
        return retry.answered(
                        sequence.write(data, chunk)
                                .flatMap(outcomes -> sequence.release(data).thenReturn(outcomes)),
                        chunk.where())
                .flatMap(outcomes -> {
                    JobError stop = sequence.stop(outcomes, progress.rejected);
                    if (stop != null) {
                        progress.stopped = true;
                        return Mono.just(new ChunkResult.Stopped(chunk.number(), stop));
                    }
                    progress.rejected += outcomes.record().counts().rejected();
                    return retry.answered(sequence.record(ledger, outcomes), chunk.where() + ": its ledger row")
                            .map(recorded -> new ChunkResult.Written(recorded.chunk(), recorded.cancelRequested()));
                });
    }

    private Mono<Void> end(Connection data, boolean keep) {
        Mono<Void> end = keep
                ? retry.answered(Mono.<Void>from(data.commitTransaction()), "COMMIT")
                        .then(Mono.fromRunnable(() -> committed = true))
                : retry.answered(Mono.<Void>from(data.rollbackTransaction()), "ROLLBACK");
        return end.onErrorResume(error -> release(data, error).then(Mono.error(error)))
                .then(close(data));
    }

    private Mono<Connection> connect() {
        return retry.answered(Mono.from(connections.create()), "a connection from the pool");
    }

    private Mono<Void> release(Connection connection, Throwable error) {
        return Transactions.rollbackAndClose(connection, error, retry.answerWait());
    }

    private Mono<Void> release(Connection connection) {
        return Transactions.rollbackAndClose(connection, retry.answerWait());
    }

    private static Mono<Void> close(Connection connection) {
        return Mono.defer(() -> Mono.from(connection.close()));
    }

    /** What the chunks written so far add up to, as far as stopping the job goes. */
    private static final class Progress {
        long rejected;
        boolean stopped;
    }
}
