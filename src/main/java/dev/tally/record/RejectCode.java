package dev.tally.record;

/** Why a line was rejected; {@link #code()} is the wire name documented in docs/api.md. */
public enum RejectCode {
    INVALID_JSON,
    INVALID_UTF8,
    NOT_AN_OBJECT,
    LINE_TOO_LONG,
    UNKNOWN_FIELD,
    MISSING_KEY,
    MISSING_REQUIRED,
    TYPE_MISMATCH,
    OUT_OF_RANGE,
    TOO_LONG,
    NAIVE_TIMESTAMP,
    CONSTRAINT_VIOLATION,
    DB_ERROR;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
