package dev.tally.upsert;

import dev.tally.dataset.Column;
import dev.tally.dataset.ColumnType;
import dev.tally.record.ParsedLine.Row;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One column of a segment as the Java array r2dbc-postgresql binds to {@code $n::type[]}. Kinds the
 * driver has no array codec we rely on travel as text and are cast by the statement.
 */
final class ColumnArrays {

    private ColumnArrays() {}

    static Object of(Column column, List<Row> rows) {
        int i = column.index();
        ColumnType type = column.type();
        return switch (type.kind()) {
            case BIGINT -> fill(rows, i, Long[]::new, Long.class::cast);
            case INTEGER -> fill(rows, i, Integer[]::new, Integer.class::cast);
            case SMALLINT -> fill(rows, i, Integer[]::new, v -> ((Short) v).intValue());
            case NUMERIC -> fill(rows, i, BigDecimal[]::new, BigDecimal.class::cast);
            case REAL -> fill(rows, i, Double[]::new, v -> ((Float) v).doubleValue());
            case DOUBLE -> fill(rows, i, Double[]::new, Double.class::cast);
            case BOOLEAN -> fill(rows, i, Boolean[]::new, Boolean.class::cast);
            case UUID -> fill(rows, i, UUID[]::new, UUID.class::cast);
            case TIMESTAMPTZ -> fill(rows, i, OffsetDateTime[]::new, OffsetDateTime.class::cast);
            case TEXT, VARCHAR, CHAR, JSON, JSONB, DATE, TIMESTAMP -> fill(rows, i, String[]::new, Object::toString);
            case ARRAY -> fill(rows, i, String[]::new, v -> ArrayLiteral.render((Object[]) v));
        };
    }

    private static <T> T[] fill(List<Row> rows, int column, IntFunction<T[]> array, Function<Object, T> convert) {
        T[] values = array.apply(rows.size());
        for (int r = 0; r < values.length; r++) {
            Object value = rows.get(r).values()[column];
            values[r] = value == null ? null : convert.apply(value);
        }
        return values;
    }
}
