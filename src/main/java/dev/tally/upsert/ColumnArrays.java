package dev.tally.upsert;

import dev.tally.dataset.Column;
import dev.tally.record.ParsedLine.Row;
import dev.tally.upsert.BinaryArrays.Element;
import java.math.BigDecimal;
import java.util.List;

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
            case BOOLEAN -> BinaryArrays.of(Element.BOOL, rows, i);
            case SMALLINT -> BinaryArrays.of(Element.INT2, rows, i);
            case INTEGER -> BinaryArrays.of(Element.INT4, rows, i);
            case BIGINT -> BinaryArrays.of(Element.INT8, rows, i);
            case REAL -> BinaryArrays.of(Element.FLOAT4, rows, i);
            case DOUBLE -> BinaryArrays.of(Element.FLOAT8, rows, i);
            case TEXT, VARCHAR, CHAR -> BinaryArrays.of(Element.TEXT, rows, i);
            case JSON -> BinaryArrays.of(Element.JSON, rows, i);
            case JSONB -> BinaryArrays.of(Element.JSONB, rows, i);
            case UUID -> BinaryArrays.of(Element.UUID, rows, i);
            case DATE -> BinaryArrays.of(Element.DATE, rows, i);
            case TIMESTAMP -> BinaryArrays.of(Element.TIMESTAMP, rows, i);
            case TIMESTAMPTZ -> BinaryArrays.of(Element.TIMESTAMPTZ, rows, i);
            case NUMERIC -> texts(rows, i, value -> ((BigDecimal) value).toPlainString());
            case ARRAY -> texts(rows, i, value -> ArrayLiteral.render((Object[]) value));
        };
    }

    private static String[] texts(List<Row> rows, int column, java.util.function.Function<Object, String> text) {
        String[] values = new String[rows.size()];
        for (int r = 0; r < values.length; r++) {
            Object value = rows.get(r).values()[column];
            values[r] = value == null ? null : text.apply(value);
        }
        return values;
    }
}
