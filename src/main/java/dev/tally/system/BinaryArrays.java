package dev.tally.system;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Writes one column of a segment in PostgreSQL's binary array format ({@code array_send}): a
 * header, then each element as its length and its binary value, or -1 for NULL.
 */
public final class BinaryArrays {

    /** Microseconds and days from the Unix epoch to PostgreSQL's, 2000-01-01. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    private static final long PG_EPOCH_DAYS = 10_957L;

    /** How one element's binary value is written; the element type's oid and the array's. */
    public enum Element {
        BOOL(16, 1000),
        INT2(21, 1005),
        INT4(23, 1007),
        INT8(20, 1016),
        FLOAT4(700, 1021),
        FLOAT8(701, 1022),
        TEXT(25, 1009),
        JSON(114, 199),
        JSONB(3802, 3807),
        UUID(2950, 2951),
        DATE(1082, 1182),
        TIMESTAMP(1114, 1115),
        TIMESTAMPTZ(1184, 1185);

        final int oid;
        final int arrayOid;

        Element(int oid, int arrayOid) {
            this.oid = oid;
            this.arrayOid = arrayOid;
        }
    }

    private BinaryArrays() {}

    /** An array of {@code size} elements, element {@code i} being {@code valueAt(i)}, null allowed. */
    public static BinaryArray of(Element element, int size, IntFunction<Object> valueAt) {
        Out out = new Out(size * 24 + 20);
        boolean nulls = false;
        for (int i = 0; i < size && !nulls; i++) {
            nulls = valueAt.apply(i) == null;
        }
        out.int32(1); // dimensions
        out.int32(nulls ? 1 : 0);
        out.int32(element.oid);
        out.int32(size);
        out.int32(1); // lower bound
        for (int i = 0; i < size; i++) {
            Object value = valueAt.apply(i);
            if (value == null) {
                out.int32(-1);
            } else {
                write(out, element, value);
            }
        }
        return new BinaryArray(element.arrayOid, out.toByteArray());
    }

    private static void write(Out out, Element element, Object value) {
        switch (element) {
            case BOOL -> {
                out.int32(1);
                out.write((Boolean) value ? 1 : 0);
            }
            case INT2 -> {
                out.int32(2);
                out.int16((Short) value);
            }
            case INT4 -> {
                out.int32(4);
                out.int32((Integer) value);
            }
            case INT8 -> {
                out.int32(8);
                out.int64((Long) value);
            }
            case FLOAT4 -> {
                out.int32(4);
                out.int32(Float.floatToIntBits((Float) value));
            }
            case FLOAT8 -> {
                out.int32(8);
                out.int64(Double.doubleToLongBits((Double) value));
            }
            case TEXT, JSON -> out.text(null, (String) value);
            case JSONB -> out.text((byte) 1, (String) value); // jsonb's binary form: version 1, then the text
            case UUID -> {
                UUID uuid = (UUID) value;
                out.int32(16);
                out.int64(uuid.getMostSignificantBits());
                out.int64(uuid.getLeastSignificantBits());
            }
            case DATE -> {
                out.int32(4);
                out.int32(Math.toIntExact(((LocalDate) value).toEpochDay() - PG_EPOCH_DAYS));
            }
            case TIMESTAMP -> {
                LocalDateTime local = (LocalDateTime) value;
                out.int32(8);
                out.int64(micros(local.toEpochSecond(ZoneOffset.UTC), local.getNano()));
            }
            case TIMESTAMPTZ -> {
                OffsetDateTime instant = (OffsetDateTime) value;
                out.int32(8);
                out.int64(micros(instant.toEpochSecond(), instant.getNano()));
            }
        }
    }

    /** Microseconds since 2000-01-01, nanoseconds rounded half to even as PostgreSQL's text input does. */
    static long micros(long epochSecond, int nano) {
        long micros = nano / 1000;
        int rest = nano % 1000;
        if (rest > 500 || (rest == 500 && (micros & 1) == 1)) {
            micros++;
        }
        return (epochSecond - PG_EPOCH_SECONDS) * 1_000_000L + micros;
    }

    /** A growable byte array written big-endian, as PostgreSQL's binary formats are. */
    private static final class Out {
        private byte[] buf;
        private int count;

        Out(int size) {
            buf = new byte[size];
        }

        void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        void int16(int v) {
            ensure(2);
            buf[count++] = (byte) (v >>> 8);
            buf[count++] = (byte) v;
        }

        void int32(int v) {
            ensure(4);
            buf[count++] = (byte) (v >>> 24);
            buf[count++] = (byte) (v >>> 16);
            buf[count++] = (byte) (v >>> 8);
            buf[count++] = (byte) v;
        }

        void int64(long v) {
            int32((int) (v >>> 32));
            int32((int) v);
        }

        void text(@Nullable Byte prefix, String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            int32(bytes.length + (prefix == null ? 0 : 1));
            if (prefix != null) {
                write(prefix);
            }
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, count, bytes.length);
            count += bytes.length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }
    }
}
