package dev.tally.record;

import dev.tally.dataset.Column;
import dev.tally.dataset.ColumnType;
import dev.tally.dataset.ColumnType.Kind;
import dev.tally.dataset.TableSchema;
import dev.tally.dataset.UniqueIndex;
import dev.tally.ndjson.Line;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Hand-built table schemas, spelled as PostgreSQL's format_type prints them. */
final class Schemas {

    static final ColumnType BIGINT = ColumnType.of(Kind.BIGINT, "bigint");
    static final ColumnType TEXT = ColumnType.of(Kind.TEXT, "text");
    static final ColumnType JSONB = ColumnType.of(Kind.JSONB, "jsonb");
    static final ColumnType TIMESTAMPTZ = ColumnType.of(Kind.TIMESTAMPTZ, "timestamp with time zone");

    static final String BENCHMARK_LINE = "{\"id\":1,\"email\":\"c1@example.com\",\"name\":\"Customer 1 v0\","
            + "\"balance\":0.37,\"attrs\":{\"tier\":\"silver\",\"n\":1},\"updated_at\":\"2026-01-01T00:00:01Z\"}";

    private Schemas() {}

    /**
     * {@code customers(id bigint PK, email text NOT NULL UNIQUE, name text NOT NULL,
     * balance numeric(12,2) NOT NULL DEFAULT 0, attrs jsonb, updated_at timestamptz NOT NULL)},
     * version column updated_at.
     */
    static TableSchema customers() {
        return new TableSchema(
                "public",
                "customers",
                List.of(
                        new Column("id", 0, BIGINT, false, false),
                        new Column("email", 1, TEXT, false, false),
                        new Column("name", 2, TEXT, false, false),
                        new Column("balance", 3, numeric(12, 2), false, true),
                        new Column("attrs", 4, JSONB, true, false),
                        new Column("updated_at", 5, TIMESTAMPTZ, false, false)),
                List.of(0),
                5,
                List.of(
                        new UniqueIndex("customers_pkey", List.of(0)),
                        new UniqueIndex("customers_email_key", List.of(1))));
    }

    /** {@code t(id bigint PK, v <type>)} with v nullable and without default, no version column. */
    static TableSchema withValue(ColumnType type) {
        return new TableSchema(
                "public",
                "t",
                List.of(new Column("id", 0, BIGINT, false, false), new Column("v", 1, type, true, false)),
                List.of(0),
                -1,
                List.of(new UniqueIndex("t_pkey", List.of(0))));
    }

    static ColumnType numeric(int precision, int scale) {
        return new ColumnType(Kind.NUMERIC, "numeric(" + precision + "," + scale + ")", -1, precision, scale, null);
    }

    static ColumnType varchar(int length) {
        return new ColumnType(Kind.VARCHAR, "character varying(" + length + ")", length, -1, -1, null);
    }

    static ColumnType character(int length) {
        return new ColumnType(Kind.CHAR, "character(" + length + ")", length, -1, -1, null);
    }

    static ColumnType arrayOf(ColumnType element) {
        return new ColumnType(Kind.ARRAY, element.sqlType() + "[]", -1, -1, -1, element);
    }

    static Line.Text line(long number, String json) {
        return new Line.Text(number, json.getBytes(StandardCharsets.UTF_8));
    }
}
