package dev.tally.upsert;

import dev.tally.dataset.Column;
import dev.tally.record.ParsedLine.Row;
import dev.tally.system.BinaryArrays;
import dev.tally.system.BinaryArrays.Element;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One column of a segment as the array parameter bound to {@code $n::type[]}: in binary format
 * where PostgreSQL's is simple, else as text the statement casts (numeric, and array columns,
 * whose values travel as array literals since unnest would flatten them).
 */
final class ColumnArrays {

    private ColumnArrays() {}

    static Object of(Column column, List<Row> rows) {
        int i = column.index();
        return switch (column.type().kind()) {
            case BOOLEAN -> binary(Element.BOOL, rows, i);
            case SMALLINT -> binary(Element.INT2, rows, i);
            case INTEGER -> binary(Element.INT4, rows, i);
            case BIGINT -> binary(Element.INT8, rows, i);
            case REAL -> binary(Element.FLOAT4, rows, i);
            case DOUBLE -> binary(Element.FLOAT8, rows, i);
            case TEXT, VARCHAR, CHAR -> binary(Element.TEXT, rows, i);
            case JSON -> binary(Element.JSON, rows, i);
            case JSONB -> binary(Element.JSONB, rows, i);
            case UUID -> binary(Element.UUID, rows, i);
            case DATE -> binary(Element.DATE, rows, i);
            case TIMESTAMP -> binary(Element.TIMESTAMP, rows, i);
            case TIMESTAMPTZ -> binary(Element.TIMESTAMPTZ, rows, i);
            case NUMERIC -> texts(rows, i, value -> ((BigDecimal) value).toPlainString());
            case ARRAY -> texts(rows, i, value -> ArrayLiteral.render((@Nullable Object[]) value));
        };
    }

    private static Object binary(Element element, List<Row> rows, int column) {
        return BinaryArrays.of(element, rows.size(), r -> rows.get(r).values()[column]);
    }

    private static @Nullable String[] texts(List<Row> rows, int column, Function<Object, String> text) {
        @Nullable String[] values = new String[rows.size()];
        for (int r = 0; r < values.length; r++) {
            Object value = rows.get(r).values()[column];
            values[r] = value == null ? null : text.apply(value);
        }
        return values;
    }
}
