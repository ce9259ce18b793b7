package dev.tally.upsert;

import dev.tally.dataset.TableSchema;
import dev.tally.job.JobSettings;
import dev.tally.system.TallyProperties;
import io.r2dbc.spi.ConnectionFactory;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an upload's chunks, owning each chunk's transaction from BEGIN to the committed outcome:
 * its rows, its ledger row and row log, and the commit order. What it emits is what is in the
 * database; the caller publishes it. Either a transaction per chunk ({@link PerChunk}), or one for
 * the whole upload ({@link OneTransaction}), for {@code atomic=true} and {@code dryRun=true}; both
 * write a chunk by the same steps ({@link ChunkSequence}).
 */
public sealed interface ChunkWriter {

    /** The writer an upload with these settings needs. */
    static ChunkWriter of(Context context) {
        return context.settings().atomic() || context.settings().dryRun()
                ? new OneTransactionWriter(context)
                : new PerChunkWriter(context);
    }

    /**
     * What a writer needs of its upload.
     *
     * @param meters the dataset's, told of each chunk's write time, split statements and retries
     */
    record Context(
            ConnectionFactory connections,
            TableSchema schema,
            UUID job,
            JobSettings settings,
            TallyProperties.Ingest limits,
            JsonMapper json,
            WriteMeters meters) {}

    /** A transaction per chunk: chunks written in parallel, each committing in its {@link Turn}. */
    non-sealed interface PerChunk extends ChunkWriter {

        /**
         * Writes the chunk, then commits it in its turn or rolls it back; emits one result, never an
         * error: a chunk that fails is {@link ChunkResult.Stopped}, rolled back, with the SQLSTATE
         * in its error. Once it ends, however it ends, the turn has passed (as stopped unless it
         * committed), so no later chunk commits after one that did not. On cancel the transaction
         * rolls back.
         */
        Mono<ChunkResult> write(ParsedChunk chunk, Turn turn);
    }

    /** One transaction for the whole upload: atomic, or a dry run that always rolls back. */
    non-sealed interface OneTransaction extends ChunkWriter {

        /**
         * Writes the chunks in order, one at a time (the next is requested once the previous one is
         * written), and emits each one's result as {@link ChunkResult.Written} or, ending the
         * chunks, {@link ChunkResult.Stopped}. Then commits, unless a chunk stopped the job, the
         * upload was {@code abandoned} or it is a dry run, and completes; a failed commit is
         * signalled as the error. On error or cancel the transaction rolls back.
         *
         * @param abandoned asked once, at the end: whether the upload was given up
         */
        Flux<ChunkResult> write(Flux<ParsedChunk> chunks, BooleanSupplier abandoned);

        /** Whether the transaction committed; false until it has, and always for a dry run. */
        boolean committed();
    }
}
