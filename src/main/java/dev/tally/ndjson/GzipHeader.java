package dev.tally.ndjson;

import java.util.zip.CRC32;

/**
 * Reads one gzip member header (RFC 1952, section 2.3) a byte at a time, so that it may span any
 * number of buffers, and keeps none of its fields: a file name or comment of any length costs
 * nothing. Not thread-safe.
 */
final class GzipHeader {

    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int RESERVED = 0xE0;
    private static final int FIXED_BYTES = 10;

    private enum Field {
        FIXED,
        EXTRA_LENGTH,
        EXTRA,
        NAME,
        COMMENT,
        HEADER_CRC,
        DONE
    }

    // Over every header byte before FHCRC, whose value is its low 16 bits.
    private final CRC32 crc = new CRC32();
    private Field field = Field.FIXED;
    private int member;
    private int count;
    private int flags;
    private int value;

    /** Starts reading the header of the given member, numbered from 1. */
    void start(int member) {
        this.member = member;
        field = Field.FIXED;
        crc.reset();
        count = 0;
        flags = 0;
        value = 0;
    }

    boolean isDone() {
        return field == Field.DONE;
    }

    /** Whether no byte of this header has been read yet. */
    boolean isUntouched() {
        return field == Field.FIXED && count == 0;
    }

    /**
     * Reads header bytes from {@code bytes[from..to)} until the header ends.
     *
     * @return the index of the first byte after the header, or {@code to} when it continues
     * @throws InvalidGzipException if the bytes are not a gzip member header
     */
    int read(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && field != Field.DONE) {
            int b = bytes[i++] & 0xFF;
            if (field != Field.HEADER_CRC) {
                crc.update(b);
            }
            accept(b);
        }
        return i;
    }

    private void accept(int b) {
        switch (field) {
            case FIXED -> fixed(b);
            case EXTRA_LENGTH -> {
                value |= b << (8 * count++);
                if (count == 2) {
                    int length = value;
                    next(length == 0 ? Field.NAME : Field.EXTRA);
                    value = length;
                }
            }
            case EXTRA -> {
                if (--value == 0) {
                    next(Field.NAME);
                }
            }
            case NAME -> {
                if (b == 0) {
                    next(Field.COMMENT);
                }
            }
            case COMMENT -> {
                if (b == 0) {
                    next(Field.HEADER_CRC);
                }
            }
            case HEADER_CRC -> {
                value |= b << (8 * count++);
                if (count == 2) {
                    int expected = (int) (crc.getValue() & 0xFFFF);
                    if (value != expected) {
                        throw new InvalidGzipException(
                                "header CRC16 mismatch in gzip member %d: the header says 0x%04X, its bytes have 0x%04X"
                                        .formatted(member, value, expected));
                    }
                    field = Field.DONE;
                }
            }
            case DONE -> throw new IllegalStateException("header already read");
        }
    }

    private void fixed(int b) {
        switch (count++) {
            case 0, 1 -> {
                int magic = count == 1 ? 0x1F : 0x8B;
                if (b != magic) {
                    throw new InvalidGzipException(
                            member == 1
                                    ? "not gzip data: byte %d of the body is 0x%02X, where a gzip stream has 0x%02X"
                                            .formatted(count - 1, b, magic)
                                    : "unexpected data after gzip member %d: byte 0x%02X, where another member would start with 0x1F 0x8B"
                                            .formatted(member - 1, b));
                }
            }
            case 2 -> {
                if (b != 8) {
                    throw new InvalidGzipException(
                            "gzip member %d uses compression method %d; only 8 (deflate) is defined"
                                    .formatted(member, b));
                }
            }
            case 3 -> {
                if ((b & RESERVED) != 0) {
                    throw new InvalidGzipException(
                            "gzip member %d sets reserved header flags 0x%02X".formatted(member, b & RESERVED));
                }
                flags = b;
            }
            default -> {
                // MTIME, XFL and OS: nothing to check.
            }
        }
        if (count == FIXED_BYTES) {
            next(Field.EXTRA_LENGTH);
        }
    }

    /** Moves to {@code candidate} or, when the flags leave it out, the next field they include. */
    private void next(Field candidate) {
        count = 0;
        value = 0;
        Field f = candidate;
        while (!isPresent(f)) {
            f = Field.values()[f.ordinal() + 1];
        }
        field = f;
    }

    private boolean isPresent(Field f) {
        return switch (f) {
            case EXTRA_LENGTH, EXTRA -> (flags & FEXTRA) != 0;
            case NAME -> (flags & FNAME) != 0;
            case COMMENT -> (flags & FCOMMENT) != 0;
            case HEADER_CRC -> (flags & FHCRC) != 0;
            case FIXED, DONE -> true;
        };
    }
}
