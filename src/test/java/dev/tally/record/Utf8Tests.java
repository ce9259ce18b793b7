package dev.tally.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8Tests {

    @Test
    void wellFormedTextOfEveryLengthIsValid() {
        assertThat(Utf8.firstInvalid("a é € 😀 \uD7FF \uE000 \uDBFF\uDFFF".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(-1);
        assertThat(Utf8.firstInvalid(new byte[0])).isEqualTo(-1);
    }

    @Test
    void invalidSequencesAreFoundAtTheirFirstByte() {
        assertThat(Utf8.firstInvalid(bytes('a', 0xC3, 0x28))).isEqualTo(1); // lead without continuation
        assertThat(Utf8.firstInvalid(bytes(0x80))).isEqualTo(0); // lone continuation
        assertThat(Utf8.firstInvalid(bytes('a', 'b', 0xC0, 0xAF))).isEqualTo(2); // overlong '/'
        assertThat(Utf8.firstInvalid(bytes(0xE0, 0x80, 0xAF))).isEqualTo(0); // overlong three-byte
        assertThat(Utf8.firstInvalid(bytes(0xED, 0xA0, 0x80))).isEqualTo(0); // surrogate U+D800
        assertThat(Utf8.firstInvalid(bytes(0xF0, 0x80, 0x80, 0xAF))).isEqualTo(0); // overlong four-byte
        assertThat(Utf8.firstInvalid(bytes(0xF4, 0x90, 0x80, 0x80))).isEqualTo(0); // above U+10FFFF
        assertThat(Utf8.firstInvalid(bytes(0xF5, 0x80, 0x80, 0x80))).isEqualTo(0);
        assertThat(Utf8.firstInvalid(bytes('x', 0xE2, 0x82))).isEqualTo(1); // cut short at the end
        assertThat(Utf8.firstInvalid(bytes(0xFF))).isEqualTo(0);
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }
}
