package dev.tally.system;

/**
 * A one-dimensional array parameter already in PostgreSQL's binary array format, bound as is:
 * PostgreSQL reads it with {@code array_recv}, with no text to escape here or to parse there.
 *
 * @param oid the array type's object id, e.g. 1016 for {@code bigint[]}
 */
public record BinaryArray(int oid, byte[] bytes) {}
