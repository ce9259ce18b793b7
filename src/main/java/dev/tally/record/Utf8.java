package dev.tally.record;

/** A strict UTF-8 check (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
final class Utf8 {

    private Utf8() {}

    /** The 0-based offset of the first byte of the first invalid sequence, or -1 if all is valid. */
    static int firstInvalid(byte[] bytes) {
        int n = bytes.length;
        int i = 0;
        while (i < n) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            int length = sequenceLength(bytes, i, b & 0xFF);
            if (length == 0) {
                return i;
            }
            i += length;
        }
        return -1;
    }

    /** The length of the valid multi-byte sequence starting at {@code i}, or 0 if it is invalid. */
    private static int sequenceLength(byte[] bytes, int i, int lead) {
        int n = bytes.length;
        if (lead < 0xC2 || lead > 0xF4) {
            return 0; // a continuation byte, an overlong two-byte lead (C0, C1) or beyond U+10FFFF
        }
        if (lead < 0xE0) {
            return i + 1 < n && isContinuation(bytes[i + 1]) ? 2 : 0;
        }
        if (lead < 0xF0) {
            if (i + 2 >= n) {
                return 0;
            }
            int second = bytes[i + 1] & 0xFF;
            int low = lead == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
            int high = lead == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
            return second >= low && second <= high && isContinuation(bytes[i + 2]) ? 3 : 0;
        }
        if (i + 3 >= n) {
            return 0;
        }
        int second = bytes[i + 1] & 0xFF;
        int low = lead == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        int high = lead == 0xF4 ? 0x8F : 0xBF; // F4 90.. would exceed U+10FFFF
        return second >= low && second <= high && isContinuation(bytes[i + 2]) && isContinuation(bytes[i + 3]) ? 4 : 0;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
