package dev.tally.record;

/**
 * Why one value could not be converted. Converters return it in place of the value, so a bad field
 * costs no exception: the caller tests {@code instanceof Problem}.
 *
 * @param detail what is wrong with the value, without the field's name
 */
record Problem(RejectCode code, String detail) {

    static Problem mismatch(String detail) {
        return new Problem(RejectCode.TYPE_MISMATCH, detail);
    }

    static Problem outOfRange(String detail) {
        return new Problem(RejectCode.OUT_OF_RANGE, detail);
    }
}
