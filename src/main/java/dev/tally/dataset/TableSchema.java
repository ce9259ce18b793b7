package dev.tally.dataset;

import java.util.List;
import java.util.Optional;

/**
 * A table as read from the catalog at start-up: its columns in order, its conflict key,
 * optional version column and every unique index (plain, non-partial, non-expression).
 *
 * @param key indexes into {@link #columns()} of the conflict target's columns, in index order
 * @param versionColumn index into {@link #columns()} of the version column, or -1
 */
public record TableSchema(
        String schema,
        String table,
        List<Column> columns,
        List<Integer> key,
        int versionColumn,
        List<UniqueIndex> uniqueIndexes) {

    public TableSchema {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
        uniqueIndexes = List.copyOf(uniqueIndexes);
    }

    public Optional<Column> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public List<Column> keyColumns() {
        return key.stream().map(columns::get).toList();
    }

    public Optional<Column> version() {
        return versionColumn < 0 ? Optional.empty() : Optional.of(columns.get(versionColumn));
    }

    /** {@code "schema"."table"}, quoted for SQL. */
    public String qualifiedName() {
        return Sql.quote(schema) + "." + Sql.quote(table);
    }
}
