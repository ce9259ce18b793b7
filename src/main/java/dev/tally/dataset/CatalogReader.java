package dev.tally.dataset;

import dev.tally.dataset.ColumnType.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads one table's shape from the PostgreSQL catalog: columns, types, NOT NULL, defaults and
 * unique indexes. Refuses, with a message naming the table and column, what Tally cannot write.
 */
final class CatalogReader {

    private static final String TABLE_SQL = """
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')
            """;

    // Generated columns are computed by the database and can never be written, so they are not
    // columns an upload can name.
    private static final String COLUMNS_SQL = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.atttypmod, a.attnotnull,
                   a.atthasdef OR a.attidentity <> '', et.typname, t.typcategory
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """;

    private static final String UNIQUE_INDEXES_SQL = """
            SELECT ic.relname, array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                                     ORDER BY k.ord), i.indisprimary, i.indimmediate
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = ? AND i.indisunique AND i.indisvalid
              AND i.indpred IS NULL AND i.indexprs IS NULL
            ORDER BY NOT i.indisprimary, ic.relname
            """;

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("int2", Kind.SMALLINT),
            Map.entry("int4", Kind.INTEGER),
            Map.entry("int8", Kind.BIGINT),
            Map.entry("numeric", Kind.NUMERIC),
            Map.entry("float4", Kind.REAL),
            Map.entry("float8", Kind.DOUBLE),
            Map.entry("bool", Kind.BOOLEAN),
            Map.entry("text", Kind.TEXT),
            Map.entry("varchar", Kind.VARCHAR),
            Map.entry("bpchar", Kind.CHAR),
            Map.entry("uuid", Kind.UUID),
            Map.entry("date", Kind.DATE),
            Map.entry("timestamp", Kind.TIMESTAMP),
            Map.entry("timestamptz", Kind.TIMESTAMPTZ),
            Map.entry("json", Kind.JSON),
            Map.entry("jsonb", Kind.JSONB));

    private final Connection connection;

    CatalogReader(Connection connection) {
        this.connection = connection;
    }

    /**
     * @param qualifiedTable {@code schema.table}, or a bare name meaning {@code public.table}
     * @param key conflict target column names; empty means the primary key
     * @param versionColumn the version column's name, or null
     */
    TableSchema read(String qualifiedTable, List<String> key, String versionColumn) throws SQLException {
        String[] parts =
                qualifiedTable.contains(".") ? qualifiedTable.split("\\.", 2) : new String[] {"public", qualifiedTable};
        long oid = tableOid(parts[0], parts[1]);
        List<Column> columns = columns(oid, qualifiedTable);
        List<UniqueIndex> indexes = new ArrayList<>();
        // ON CONFLICT cannot infer a deferrable unique constraint, so only immediate ones can hold a key.
        List<Set<Integer>> arbiters = new ArrayList<>();
        List<Integer> primaryKey = List.of();
        try (PreparedStatement statement = connection.prepareStatement(UNIQUE_INDEXES_SQL)) {
            statement.setLong(1, oid);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    List<Integer> indexColumns =
                            indexesOf(columns, (String[]) rs.getArray(2).getArray());
                    if (indexColumns == null) {
                        continue; // covers a generated column: never written by an upload
                    }
                    indexes.add(new UniqueIndex(rs.getString(1), indexColumns));
                    if (rs.getBoolean(4)) {
                        arbiters.add(Set.copyOf(indexColumns));
                    }
                    if (rs.getBoolean(3)) {
                        primaryKey = indexColumns;
                    }
                }
            }
        }
        List<Integer> keyColumns = key.isEmpty() ? primaryKey : keyColumns(columns, key, qualifiedTable);
        if (keyColumns.isEmpty()) {
            throw new IllegalStateException(
                    "Table %s has no primary key: configure the dataset's key".formatted(qualifiedTable));
        }
        Set<Integer> keySet = Set.copyOf(keyColumns);
        if (!arbiters.contains(keySet)) {
            List<String> keyNames =
                    keyColumns.stream().map(i -> columns.get(i).name()).toList();
            boolean deferrable =
                    indexes.stream().anyMatch(i -> Set.copyOf(i.columns()).equals(keySet));
            throw new IllegalStateException((deferrable
                            ? "Key %s of table %s has only a deferrable unique constraint, which INSERT … ON CONFLICT cannot use"
                            : "Key %s of table %s has no unique index or constraint on exactly those columns")
                    .formatted(keyNames, qualifiedTable));
        }
        int version = versionColumn == null ? -1 : column(columns, versionColumn, qualifiedTable, "version column");
        return new TableSchema(parts[0], parts[1], columns, keyColumns, version, indexes);
    }

    private long tableOid(String schema, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(TABLE_SQL)) {
            statement.setString(1, schema);
            statement.setString(2, table);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("Table %s.%s does not exist".formatted(schema, table));
                }
                return rs.getLong(1);
            }
        }
    }

    private List<Column> columns(long oid, String table) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(COLUMNS_SQL)) {
            statement.setLong(1, oid);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    String sqlType = rs.getString(2);
                    ColumnType type = "A".equals(rs.getString(8))
                            ? arrayType(table, name, sqlType, rs.getString(7))
                            : scalarType(table, name, sqlType, rs.getString(3), rs.getInt(4));
                    columns.add(new Column(name, columns.size(), type, !rs.getBoolean(5), rs.getBoolean(6)));
                }
            }
        }
        return columns;
    }

    private static ColumnType arrayType(String table, String column, String sqlType, String elementTypeName) {
        // format_type of an array column has no element modifiers we could check cheaply: bind the
        // elements unconstrained and let the column's own cast enforce them.
        String elementSqlType = sqlType.substring(0, sqlType.length() - 2);
        if (!KINDS.containsKey(elementTypeName)) {
            throw cannotConvert(table, column, sqlType);
        }
        ColumnType element = scalarType(table, column, elementSqlType, elementTypeName, -1);
        return new ColumnType(Kind.ARRAY, sqlType, -1, -1, -1, element);
    }

    private static ColumnType scalarType(String table, String column, String sqlType, String typeName, int typmod) {
        Kind kind = KINDS.get(typeName);
        if (kind == null) {
            throw cannotConvert(table, column, sqlType);
        }
        return switch (kind) {
            case VARCHAR, CHAR -> new ColumnType(kind, sqlType, typmod < 0 ? -1 : typmod - 4, -1, -1, null);
            case NUMERIC ->
                typmod < 0
                        ? ColumnType.of(kind, sqlType)
                        : new ColumnType(kind, sqlType, -1, ((typmod - 4) >> 16) & 0xffff, numericScale(typmod), null);
            default -> ColumnType.of(kind, sqlType);
        };
    }

    // PostgreSQL 15+ stores the scale as 11 signed bits: numeric(5,-2) rounds to hundreds.
    private static int numericScale(int typmod) {
        return (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
    }

    private static IllegalStateException cannotConvert(String table, String column, String sqlType) {
        return new IllegalStateException(
                "Column %s of table %s has type %s, which Tally cannot convert".formatted(column, table, sqlType));
    }

    private static List<Integer> keyColumns(List<Column> columns, List<String> names, String table) {
        return names.stream().map(n -> column(columns, n, table, "key column")).toList();
    }

    private static int column(List<Column> columns, String name, String table, String role) {
        return columns.stream()
                .filter(c -> c.name().equals(name))
                .mapToInt(Column::index)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("%s %s does not exist in table %s (columns: %s)"
                        .formatted(
                                role,
                                name,
                                table,
                                columns.stream().map(Column::name).toList())));
    }

    private static @Nullable List<Integer> indexesOf(List<Column> columns, String[] names) {
        List<Integer> result = new ArrayList<>();
        for (String name : names) {
            var match = columns.stream().filter(c -> c.name().equals(name)).findFirst();
            if (match.isEmpty()) {
                return null;
            }
            result.add(match.get().index());
        }
        return List.copyOf(result);
    }
}
