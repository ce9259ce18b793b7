package dev.tally.dataset;

import org.jspecify.annotations.Nullable;

/**
 * A column's type as Tally converts and binds it: the kind, the catalog's own spelling
 * ({@code format_type}, used verbatim in casts), and the modifiers that limit values.
 *
 * @param kind what Java value a field becomes
 * @param sqlType the type as {@code format_type(atttypid, atttypmod)} prints it, e.g. {@code numeric(12,2)}
 * @param length the {@code n} of {@code varchar(n)} or {@code char(n)}, else -1
 * @param precision the declared precision of {@code numeric(p,s)}, else -1 (unconstrained)
 * @param scale the declared scale of {@code numeric(p,s)}, else -1; on PostgreSQL 15+ it may be
 *     negative ({@code numeric(5,-2)} rounds to hundreds), so only {@code precision} tells unconstrained
 * @param element the element type of a one-dimensional array, else null
 */
public record ColumnType(
        Kind kind,
        String sqlType,
        int length,
        int precision,
        int scale,
        @Nullable ColumnType element) {

    /** The kinds Tally converts; each names the Java type a field's value becomes. */
    public enum Kind {
        SMALLINT, // Short
        INTEGER, // Integer
        BIGINT, // Long
        NUMERIC, // BigDecimal, already rounded to the column's scale
        REAL, // Float
        DOUBLE, // Double
        BOOLEAN, // Boolean
        TEXT, // String
        VARCHAR, // String
        CHAR, // String
        UUID, // java.util.UUID
        DATE, // java.time.LocalDate
        TIMESTAMP, // java.time.LocalDateTime
        TIMESTAMPTZ, // java.time.OffsetDateTime
        JSON, // String: the value's JSON text
        JSONB, // String: the value's JSON text
        ARRAY // Object[] of the element kind's Java type, nulls allowed
    }

    public static ColumnType of(Kind kind, String sqlType) {
        return new ColumnType(kind, sqlType, -1, -1, -1, null);
    }

    public boolean isArray() {
        return kind == Kind.ARRAY;
    }
}
