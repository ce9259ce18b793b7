package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.system.BinaryArrays.Element;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class BinaryArraysTests {

    @Test
    void microsecondsCountFromPostgresEpochAndRoundHalfToEvenLikeItsTextInput() {
        assertThat(BinaryArrays.micros(946_684_800L, 0)).isZero();
        assertThat(BinaryArrays.micros(946_684_801L, 1_000)).isEqualTo(1_000_001L);
        assertThat(BinaryArrays.micros(946_684_800L, 1_500)).isEqualTo(2L);
        assertThat(BinaryArrays.micros(946_684_800L, 2_500)).isEqualTo(2L);
        assertThat(BinaryArrays.micros(946_684_800L, 2_501)).isEqualTo(3L);
        assertThat(BinaryArrays.micros(946_684_799L, 999_999_999)).isEqualTo(0L);
    }

    @Test
    void aBigintArrayWithANullIsWrittenAsArraySendWritesIt() {
        List<Object> values = java.util.Arrays.asList(5L, null);
        BinaryArray array = BinaryArrays.of(Element.INT8, values.size(), values::get);

        assertThat(array.oid()).isEqualTo(1016);
        assertThat(HexFormat.of().formatHex(array.bytes()))
                .isEqualTo(
                        "00000001" // one dimension
                                + "00000001" // has nulls
                                + "00000014" // element type int8 (20)
                                + "00000002" // two elements
                                + "00000001" // lower bound 1
                                + "00000008" + "0000000000000005"
                                + "ffffffff"); // NULL
    }

    @Test
    void jsonbElementsCarryTheVersionByte() {
        byte[] bytes = BinaryArrays.of(Element.JSONB, 1, i -> "{\"a\":1}").bytes();

        ByteBuffer element = ByteBuffer.wrap(bytes, 20, bytes.length - 20);
        assertThat(element.getInt()).isEqualTo(8);
        assertThat(element.get()).isEqualTo((byte) 1);
    }
}
