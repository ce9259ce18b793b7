package dev.tally.upsert;

import static dev.tally.dataset.Sql.quote;

import dev.tally.dataset.Column;
import dev.tally.dataset.ColumnType;
import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.TableSchema;
import java.util.BitSet;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The statement that writes rows providing one set of columns under one policy, with one array
 * parameter per provided column. Its text depends only on (table, policy, columns), so each
 * connection prepares it once.
 *
 * <p>When every column an insert needs is provided, it is one {@code INSERT … ON CONFLICT …
 * RETURNING}: returned rows were written (inserted when {@code xmax = 0}), the others met an
 * existing key. It answers with one row of counts ({@code n = 0}), then the positions of the rows
 * it did not write when the policy logs them. That anti-join runs only when fewer rows were written
 * than given, and the input is then read again rather than kept: a chunk that inserts every row
 * (a first load) costs PostgreSQL neither, about a tenth of the statement. Otherwise PostgreSQL would refuse even the rows whose key exists (NOT NULL is
 * checked before the conflict), so existing rows are updated in place and the rest reported as
 * lacking a required column; it answers for every row. Result columns, by position: {@code n},
 * the row's 1-based position in the arrays (0 for the insert form's counts), then the insert
 * form's counts of {@code inserted} and {@code updated} rows, or the update form's {@code existed}
 * and {@code updated} for the row.
 *
 * @param columns the provided columns, in schema order: parameter {@code $i} binds {@code columns.get(i-1)}
 * @param missingRequired names of NOT NULL columns without default that are not provided; empty
 *     for the insert form
 */
record SegmentSql(String sql, List<Column> columns, List<String> missingRequired) {

    static SegmentSql of(TableSchema schema, ConflictPolicy policy, BitSet present) {
        List<Column> columns = present.stream().mapToObj(schema.columns()::get).toList();
        List<String> missing = schema.columns().stream()
                .filter(c -> c.requiredOnInsert() && !present.get(c.index()))
                .map(Column::name)
                .toList();
        Builder builder = new Builder(schema, policy, columns);
        return new SegmentSql(missing.isEmpty() ? builder.insert() : builder.updateExisting(), columns, missing);
    }

    boolean inserts() {
        return missingRequired.isEmpty();
    }

    private record Builder(TableSchema schema, ConflictPolicy policy, List<Column> columns) {

        String insert() {
            String names = join(columns, c -> quote(c.name()));
            String values = join(columns, this::inputValue);
            String keys = join(schema.keyColumns(), c -> quote(c.name()));
            String conflict = "INSERT INTO %s AS target (%s) SELECT %s FROM input ON CONFLICT (%s) %s"
                    .formatted(schema.qualifiedName(), names, values, keys, onConflict());
            String counts =
                    "count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated";
            if (policy == ConflictPolicy.UPDATE) {
                // Rows not written are unchanged, which is only counted.
                return """
                        WITH input AS (%s),
                        written AS (%s RETURNING (target.xmax = 0) AS inserted)
                        SELECT 0::bigint AS n, %s FROM written
                        """.formatted(unnest(), conflict, counts);
            }
            return """
                    WITH input AS NOT MATERIALIZED (%s),
                    written AS (%s RETURNING %s, (target.xmax = 0) AS inserted),
                    counts AS (SELECT %s FROM written)
                    SELECT 0::bigint AS n, inserted, updated FROM counts
                    UNION ALL
                    SELECT input.n, NULL, NULL FROM input
                    WHERE (SELECT inserted + updated FROM counts) < cardinality(%s)
                      AND NOT EXISTS (SELECT 1 FROM written WHERE %s)
                    ORDER BY n
                    """.formatted(
                            unnest(),
                            conflict,
                            join(schema.keyColumns(), c -> "target." + quote(c.name()) + " AS " + alias(c)),
                            counts,
                            parameter(columns.getFirst()),
                            join(schema.keyColumns(), c -> "written." + alias(c) + " = input." + alias(c), " AND "));
        }

        String updateExisting() {
            String matchesKey =
                    join(schema.keyColumns(), c -> "target." + quote(c.name()) + " = input." + alias(c), " AND ");
            String update =
                    updatableColumns().isEmpty() || policy == ConflictPolicy.SKIP || policy == ConflictPolicy.FAIL
                            ? "SELECT NULL::bigint AS n WHERE false"
                            : "UPDATE %s AS target SET %s FROM input WHERE %s AND %s RETURNING input.n"
                                    .formatted(
                                            schema.qualifiedName(),
                                            join(updatableColumns(), c -> quote(c.name()) + " = " + inputValue(c)),
                                            matchesKey,
                                            changeCondition("input", true));
            return """
                    WITH input AS (%s),
                    updated AS (%s)
                    SELECT input.n,
                           EXISTS (SELECT 1 FROM %s AS target WHERE %s) AS existed,
                           input.n IN (SELECT n FROM updated) AS updated
                    FROM input
                    """.formatted(unnest(), update, schema.qualifiedName(), matchesKey);
        }

        private String onConflict() {
            if (policy == ConflictPolicy.SKIP
                    || policy == ConflictPolicy.FAIL
                    || updatableColumns().isEmpty()) {
                return "DO NOTHING";
            }
            return "DO UPDATE SET %s WHERE %s"
                    .formatted(
                            join(updatableColumns(), c -> quote(c.name()) + " = excluded." + quote(c.name())),
                            changeCondition("excluded", false));
        }

        /** When a provided row replaces the stored one: it differs, or (update-if-newer) its version is greater. */
        private String changeCondition(String source, boolean fromInput) {
            if (policy == ConflictPolicy.UPDATE_IF_NEWER) {
                Column version = schema.version().orElseThrow();
                return value(source, version, fromInput) + " > target." + quote(version.name());
            }
            return "(%s) IS DISTINCT FROM (%s)"
                    .formatted(
                            join(updatableColumns(), c -> comparable("target." + quote(c.name()), c)),
                            join(updatableColumns(), c -> comparable(value(source, c, fromInput), c)));
        }

        private String value(String source, Column column, boolean fromInput) {
            return fromInput ? inputValue(column) : source + "." + quote(column.name());
        }

        /** json has no equality operator; its text stands in (jsonb compares by value). */
        private static String comparable(String expression, Column column) {
            return column.type().kind() == ColumnType.Kind.JSON ? expression + "::text" : expression;
        }

        private String unnest() {
            String arrays = join(columns, this::parameter);
            return "SELECT * FROM unnest(%s) WITH ORDINALITY AS input(%s, n)"
                    .formatted(arrays, join(columns, Builder::alias));
        }

        private String parameter(Column column) {
            return "$%d::%s".formatted(columns.indexOf(column) + 1, arrayParameterType(column.type()));
        }

        /**
         * The cast of a column's array parameter; array columns travel as text literals, one per row,
         * since unnest would flatten them.
         */
        private static String arrayParameterType(ColumnType type) {
            return type.isArray() ? "text[]" : type.sqlType() + "[]";
        }

        private String inputValue(Column column) {
            String value = "input." + alias(column);
            return column.type().isArray() ? value + "::" + column.type().sqlType() : value;
        }

        private List<Column> updatableColumns() {
            return columns.stream()
                    .filter(c -> !schema.key().contains(c.index()))
                    .toList();
        }

        private static String alias(Column column) {
            return "c" + column.index();
        }

        private static String join(List<Column> columns, Function<Column, String> f) {
            return join(columns, f, ", ");
        }

        private static String join(List<Column> columns, Function<Column, String> f, String separator) {
            return columns.stream().map(f).collect(Collectors.joining(separator));
        }
    }
}
