package dev.tally.upsert;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.TableSchema;
import dev.tally.record.ParsedLine.Row;
import dev.tally.record.RejectCode;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes one chunk's rows into a dataset's table under one conflict policy, with the outcome of
 * every row as the database reports it, and the same result as writing the rows one at a time in
 * line order.
 *
 * <p>Rows are written in runs, in line order: a run is consecutive rows that provide the same
 * columns and whose keys are distinct, since PostgreSQL refuses to touch one row twice in one
 * upsert. Each run is one statement; almost every chunk is a single run. (Rounds by key
 * occurrence would need fewer statements when keys repeat, but would let a later line claim a
 * value of another unique index before an earlier one.) A row-level database error rolls the chunk back to its
 * start and replays it with each statement under a savepoint, halving the failing one, left
 * before right, down to the single row, which is rejected: k bad rows cost O(k log n) statements.
 */
public final class ChunkUpsert {

    private static final String CHUNK_SAVEPOINT = "tally_chunk";
    private static final String SEGMENT_SAVEPOINT = "tally_segment";

    private final TableSchema schema;
    private final ConflictPolicy policy;
    private final Runnable onSplit;
    private final Map<BitSet, SegmentSql> statements = new ConcurrentHashMap<>();

    /** @param onSplit told each time a failing statement is halved (for the metrics) */
    public ChunkUpsert(TableSchema schema, ConflictPolicy policy, Runnable onSplit) {
        this.schema = schema;
        this.policy = policy;
        this.onSplit = onSplit;
    }

    /**
     * Writes the rows on the connection's open transaction and emits what they did, the rows not
     * written in line order; commits nothing. Statements run one after another on the connection.
     * On cancel the statement in flight is abandoned; the caller rolls the transaction back.
     * Errors that are not caused by a row (connection lost, serialization failure) are signalled
     * as they are.
     */
    public Mono<UpsertResult> write(Connection connection, List<Row> rows) {
        List<List<Row>> segments = segments(rows);
        // Each attempt is reduced whole, so a replay never repeats what the first attempt saw.
        return Mono.from(connection.createSavepoint(CHUNK_SAVEPOINT))
                .then(Flux.fromIterable(segments)
                        .concatMap(segment -> execute(connection, segment))
                        .reduce(UpsertResult.NONE, UpsertResult::plus))
                .onErrorResume(
                        SqlError::isRowLevel, e -> Mono.from(connection.rollbackTransactionToSavepoint(CHUNK_SAVEPOINT))
                                .then(Flux.fromIterable(segments)
                                        .concatMap(segment -> isolate(connection, segment))
                                        .reduce(UpsertResult.NONE, UpsertResult::plus)));
    }

    /**
     * Releases the savepoint {@link #write} leaves open, for a caller that writes many chunks in one
     * transaction: left open, each chunk's would nest in the previous one's and keep its memory on
     * the server and its lock to the end (2,000 chunks: 24 MB and 2,000 locks; released, 1.5 MB and one).
     */
    public Mono<Void> release(Connection connection) {
        return Mono.from(connection.releaseSavepoint(CHUNK_SAVEPOINT));
    }

    /** Consecutive rows with the same columns and distinct keys. */
    private List<List<Row>> segments(List<Row> rows) {
        List<List<Row>> segments = new ArrayList<>();
        List<Row> segment = null;
        Set<Object> keys = new HashSet<>();
        for (Row row : rows) {
            Object key = row.key(schema.key());
            if (segment == null || !segment.getFirst().present().equals(row.present()) || !keys.add(key)) {
                segment = new ArrayList<>();
                segments.add(segment);
                keys.clear();
                keys.add(key);
            }
            segment.add(row);
        }
        return segments;
    }

    /** Runs a segment under a savepoint; on a row-level error, its halves in turn. */
    private Mono<UpsertResult> isolate(Connection connection, List<Row> rows) {
        return Mono.from(connection.createSavepoint(SEGMENT_SAVEPOINT))
                .then(execute(connection, rows))
                .flatMap(result -> Mono.from(connection.releaseSavepoint(SEGMENT_SAVEPOINT))
                        .thenReturn(result))
                .onErrorResume(SqlError::isRowLevel, e -> Mono.from(
                                connection.rollbackTransactionToSavepoint(SEGMENT_SAVEPOINT))
                        .then(Mono.from(connection.releaseSavepoint(SEGMENT_SAVEPOINT)))
                        .then(
                                rows.size() == 1
                                        ? Mono.just(new UpsertResult(0, 0, 0, List.of(rejected(rows.getFirst(), e))))
                                        : Mono.fromRunnable(onSplit)
                                                .then(isolate(connection, rows.subList(0, rows.size() / 2)))
                                                .flatMap(left -> isolate(
                                                                connection, rows.subList(rows.size() / 2, rows.size()))
                                                        .map(left::plus))));
    }

    private Mono<UpsertResult> execute(Connection connection, List<Row> rows) {
        SegmentSql sql = statements.computeIfAbsent(
                rows.getFirst().present(), present -> SegmentSql.of(schema, policy, present));
        Statement statement = connection.createStatement(sql.sql());
        for (int i = 0; i < sql.columns().size(); i++) {
            statement.bind(i, ColumnArrays.of(sql.columns().get(i), rows));
        }
        Tally tally = new Tally();
        return Flux.from(statement.execute())
                .concatMap(result -> result.map((row, meta) -> {
                    int n = row.get(0, Long.class).intValue();
                    if (!sql.inserts()) {
                        tally.existing(rows.get(n - 1), sql, row.get(1, Boolean.class), row.get(2, Boolean.class));
                    } else if (n == 0) { // the insert form's counts
                        tally.inserted = row.get(1, Long.class);
                        tally.updated = row.get(2, Long.class);
                    } else { // the insert form lists the rows it did not write when they are logged
                        tally.notWritten(rows.get(n - 1));
                    }
                    return n;
                }))
                .then(Mono.fromSupplier(() -> tally.result(rows.size(), sql.inserts())));
    }

    /** One statement's outcome as its result rows arrive. */
    private final class Tally {
        long inserted;
        long updated;
        long unchanged;
        final List<RowOutcome> others = new ArrayList<>();

        void existing(Row row, SegmentSql sql, boolean existed, boolean written) {
            if (!existed) {
                others.add(new RowOutcome.Rejected(
                        row,
                        RejectCode.MISSING_REQUIRED,
                        "the key does not exist, and inserting needs %s, absent from the line"
                                .formatted(String.join(", ", sql.missingRequired()))));
            } else if (written) {
                updated++;
            } else {
                notWritten(row);
            }
        }

        /** A row whose key exists and that the policy did not write. */
        void notWritten(Row row) {
            switch (policy) {
                case SKIP -> others.add(new RowOutcome.Skipped(row, "exists"));
                case UPDATE -> unchanged++;
                case UPDATE_IF_NEWER -> others.add(new RowOutcome.Skipped(row, "stale"));
                case FAIL -> others.add(new RowOutcome.KeyExists(row));
            }
        }

        /** Under update, the insert form does not list unchanged rows: they are the ones it did not write. */
        UpsertResult result(int rows, boolean insertForm) {
            if (insertForm && policy == ConflictPolicy.UPDATE) {
                unchanged = rows - inserted - updated;
            }
            return new UpsertResult(inserted, updated, unchanged, List.copyOf(others));
        }
    }

    /** The single row the database refused, with the SQLSTATE's reject code and the database's message. */
    private static RowOutcome rejected(Row row, Throwable error) {
        SqlError.RowLevel refused = (SqlError.RowLevel) SqlError.of(error);
        return new RowOutcome.Rejected(row, refused.code(), refused.message());
    }
}
