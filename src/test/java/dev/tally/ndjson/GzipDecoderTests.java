package dev.tally.ndjson;

import static dev.tally.ndjson.GzipBytes.concat;
import static dev.tally.ndjson.GzipBytes.littleEndian;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class GzipDecoderTests {

    private static final DefaultDataBufferFactory HEAP = DefaultDataBufferFactory.sharedInstance;
    private static final String TEXT = "{\"id\":1,\"name\":\"one\"}\n{\"id\":2,\"name\":\"two\"}\n";

    @Test
    void decodesAMemberWrittenByTheJdk() {
        assertThat(decoded(List.of(gzip(TEXT)))).isEqualTo(TEXT);
    }

    @Test
    void decodesAMemberWithEveryOptionalHeaderFieldSplitAtEveryByteBoundary() {
        byte[] member = member(TEXT, FEXTRA | FNAME | FCOMMENT | FHCRC);
        for (int at = 0; at <= member.length; at++) {
            assertThat(decoded(
                            List.of(Arrays.copyOfRange(member, 0, at), Arrays.copyOfRange(member, at, member.length))))
                    .as("split at byte " + at)
                    .isEqualTo(TEXT);
        }
        assertThat(decoded(bytewise(member))).isEqualTo(TEXT);
    }

    @Test
    void decodesConcatenatedMembersSplitAtEveryByteBoundary() {
        // A line split across members, and an empty member between them.
        byte[] body = concat(member("{\"id\":1}\n{\"id\"", FNAME), member("", 0), member(":2}\n", FEXTRA | FHCRC));
        for (int at = 0; at <= body.length; at++) {
            assertThat(decoded(List.of(Arrays.copyOfRange(body, 0, at), Arrays.copyOfRange(body, at, body.length))))
                    .as("split at byte " + at)
                    .isEqualTo("{\"id\":1}\n{\"id\":2}\n");
        }
        assertThat(decoded(bytewise(body))).isEqualTo("{\"id\":1}\n{\"id\":2}\n");
    }

    @Test
    void randomMembersInRandomBuffersDecodeToTheirText() {
        var random = new Random(20261121L);
        for (int round = 0; round < 150; round++) {
            var text = new StringBuilder();
            var body = new ByteArrayOutputStream();
            int members = 1 + random.nextInt(4);
            for (int m = 0; m < members; m++) {
                String part = randomText(random);
                text.append(part);
                body.writeBytes(random.nextBoolean() ? gzip(part) : member(part, random.nextInt(32) & ~FTEXT));
            }
            assertThat(decoded(randomSplit(body.toByteArray(), random)))
                    .as("round " + round)
                    .isEqualTo(text.toString());
        }
    }

    @Test
    void emptyBodyAndEmptyMemberDecodeToNothing() {
        StepVerifier.create(GzipDecoder.decode(Flux.empty())).verifyComplete();
        StepVerifier.create(GzipDecoder.decode(Flux.just(HEAP.wrap(new byte[0]))))
                .verifyComplete();
        StepVerifier.create(GzipDecoder.decode(Flux.just(HEAP.wrap(gzip(""))))).verifyComplete();
    }

    @Test
    void decompressesOnlyWhatIsRequested() {
        // One compressed buffer of about 16 KiB that expands to 16 MiB: only requested output is made.
        byte[] bomb = gzipOfRepeated((byte) 'a', 1L << 24);
        var upstreamRequested = new AtomicLong();
        Flux<DataBuffer> body =
                Flux.defer(() -> Flux.<DataBuffer>just(HEAP.wrap(bomb))).doOnRequest(upstreamRequested::addAndGet);

        StepVerifier.create(GzipDecoder.decode(body), 0)
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(upstreamRequested).hasValue(1))
                .thenCancel()
                .verify();
        StepVerifier.create(GzipDecoder.decode(Flux.just(HEAP.wrap(bomb))).take(20))
                .thenConsumeWhile(buffer -> {
                    assertThat(buffer.readableByteCount()).isEqualTo(GzipStream.OUTPUT_BYTES);
                    return true;
                })
                .verifyComplete();
    }

    @Test
    void bytesBeforeCorruptDeflateDataComeOutThenTheError() {
        byte[] flushed = deflateFlushed("{\"id\":1}\n{\"id\":2}\n{\"id");
        // After a sync flush a block starts on a byte boundary: 0xFF is a final block of type 3, which is invalid.
        byte[] body = concat(header(0), flushed, new byte[] {(byte) 0xFF, 0, 0, 0});
        StepVerifier.create(GzipDecoder.decode(Flux.just(HEAP.wrap(body))).map(GzipDecoderTests::text))
                .expectNext("{\"id\":1}\n{\"id\":2}\n{\"id")
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(InvalidGzipException.class)
                        .hasMessage("corrupt deflate data in gzip member 1: invalid block type"))
                .verify();
    }

    @Test
    void corruptStreamsFailWithWhatIsWrong() {
        byte[] good = gzip(TEXT);
        assertError(
                bytes("{\"id\":1}\n"), "", "not gzip data: byte 0 of the body is 0x7B, where a gzip stream has 0x1F");
        assertError(
                new byte[] {0x1F, 0x00}, "", "not gzip data: byte 1 of the body is 0x00, where a gzip stream has 0x8B");
        assertError(withByte(good, 2, 7), "", "gzip member 1 uses compression method 7; only 8 (deflate) is defined");
        assertError(withByte(good, 3, 0x20), "", "gzip member 1 sets reserved header flags 0x20");
        byte[] badHeaderCrc = member(TEXT, FHCRC);
        badHeaderCrc[10] ^= 1;
        assertError(
                badHeaderCrc,
                "",
                "header CRC16 mismatch in gzip member 1: the header says 0x%04X, its bytes have 0x%04X"
                        .formatted(
                                (badHeaderCrc[10] & 0xFF) | (badHeaderCrc[11] & 0xFF) << 8,
                                headerCrc(badHeaderCrc, 10)));
        assertError(
                withByte(good, good.length - 8, good[good.length - 8] ^ 0x01),
                TEXT,
                "CRC32 mismatch in gzip member 1: the trailer says 0x%08X, the data has 0x%08X"
                        .formatted(crc(TEXT) ^ 0x01, crc(TEXT)));
        assertError(
                withByte(good, good.length - 4, TEXT.length() + 1),
                TEXT,
                "length mismatch in gzip member 1: the trailer says %d bytes (modulo 2^32), the data has %d"
                        .formatted(TEXT.length() + 1, TEXT.length()));
        assertError(
                concat(good, bytes("\n")),
                TEXT,
                "unexpected data after gzip member 1: byte 0x0A, where another member would start with 0x1F 0x8B");
    }

    @Test
    void bodyEndingInsideAMemberIsTruncated() {
        byte[] good = gzip(TEXT);
        assertError(
                Arrays.copyOf(good, 5),
                "",
                "the gzip stream is truncated: the body ends inside the header of member 1");
        assertError(
                concat(header(0), deflateFlushed(TEXT)),
                TEXT,
                "the gzip stream is truncated: the body ends inside the deflate data of member 1");
        assertError(
                Arrays.copyOf(good, good.length - 3),
                TEXT,
                "the gzip stream is truncated: the body ends inside the trailer of member 1");
        assertError(
                concat(good, Arrays.copyOf(good, 1)),
                TEXT,
                "the gzip stream is truncated: the body ends inside the header of member 2");
    }

    @Test
    void releasesEveryCompressedBufferOnCompletionErrorAndCancel() {
        byte[] good = gzip(TEXT);
        var netty = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);
        List<NettyDataBuffer> made = new ArrayList<>();
        Function<byte[], Flux<DataBuffer>> body = bytes -> Flux.defer(
                () -> Flux.fromIterable(randomSplit(bytes, new Random(7))).<DataBuffer>map(part -> {
                    NettyDataBuffer buffer = netty.allocateBuffer(Math.max(1, part.length));
                    buffer.write(part);
                    made.add(buffer);
                    return buffer;
                }));

        StepVerifier.create(GzipDecoder.decode(body.apply(good)).map(GzipDecoderTests::text))
                .thenConsumeWhile(text -> true)
                .verifyComplete();
        StepVerifier.create(GzipDecoder.decode(body.apply(withByte(good, good.length - 1, 9)))
                        .map(GzipDecoderTests::text))
                .thenConsumeWhile(text -> true)
                .verifyError(InvalidGzipException.class);
        StepVerifier.create(GzipDecoder.decode(body.apply(gzipOfRepeated((byte) 'x', 1 << 24))), 1)
                .expectNextCount(1)
                .thenCancel()
                .verify();

        assertThat(made).isNotEmpty().allSatisfy(buffer -> assertThat(
                        buffer.getNativeBuffer().refCnt())
                .isZero());
    }

    // --- building gzip streams by hand, so that every header field and fault can be made

    private static final int FTEXT = 0x01;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;

    /** One member with the given header flags: extra field, name and comment as the flags ask. */
    static byte[] member(String text, int flags) {
        byte[] data = bytes(text);
        var deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        var out = new ByteArrayOutputStream();
        out.writeBytes(header(flags));
        byte[] buffer = new byte[512];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        out.writeBytes(littleEndian(crc(text)));
        out.writeBytes(littleEndian(data.length));
        return out.toByteArray();
    }

    static byte[] header(int flags) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x1F, (byte) 0x8B, 8, (byte) flags, 1, 2, 3, 4, 0, 3});
        if ((flags & FEXTRA) != 0) {
            out.writeBytes(new byte[] {5, 0, 'A', 'p', 2, 0, 'x'});
        }
        if ((flags & FNAME) != 0) {
            out.writeBytes(bytes("records.ndjson\0"));
        }
        if ((flags & FCOMMENT) != 0) {
            out.writeBytes(bytes("a comment\0"));
        }
        if ((flags & FHCRC) != 0) {
            byte[] soFar = out.toByteArray();
            int crc16 = headerCrc(soFar, soFar.length);
            out.writeBytes(new byte[] {(byte) crc16, (byte) (crc16 >> 8)});
        }
        return out.toByteArray();
    }

    static byte[] deflateFlushed(String text) {
        return GzipBytes.deflateFlushed(bytes(text));
    }

    static byte[] gzip(String text) {
        return GzipBytes.gzip(bytes(text));
    }

    /** A gzip member of {@code count} copies of one byte, compressed a mebibyte at a time. */
    static byte[] gzipOfRepeated(byte b, long count) {
        byte[] block = new byte[1 << 20];
        Arrays.fill(block, b);
        var out = new ByteArrayOutputStream();
        try (var gzip = new GZIPOutputStream(out, 64 * 1024)) {
            for (long left = count; left > 0; left -= block.length) {
                gzip.write(block, 0, (int) Math.min(left, block.length));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static int headerCrc(byte[] bytes, int length) {
        var crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) (crc.getValue() & 0xFFFF);
    }

    private static long crc(String text) {
        return GzipBytes.crc(bytes(text));
    }

    private static byte[] withByte(byte[] bytes, int index, long value) {
        byte[] copy = bytes.clone();
        copy[index] = (byte) value;
        return copy;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(ISO_8859_1);
    }

    private static String randomText(Random random) {
        String alphabet = "ab{}\":, \n\r\u00e9";
        var text = new StringBuilder();
        int length = random.nextInt(4) == 0 ? random.nextInt(100_000) : random.nextInt(300);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static List<byte[]> bytewise(byte[] body) {
        List<byte[]> parts = new ArrayList<>();
        for (byte b : body) {
            parts.add(new byte[] {b});
        }
        return parts;
    }

    private static List<byte[]> randomSplit(byte[] body, Random random) {
        int largest = random.nextBoolean() ? 1 + random.nextInt(16) : 1 + random.nextInt(8192);
        List<byte[]> parts = new ArrayList<>();
        for (int at = 0; at < body.length; ) {
            int end = Math.min(body.length, at + 1 + random.nextInt(largest));
            parts.add(Arrays.copyOfRange(body, at, end));
            at = end;
        }
        return parts;
    }

    private static String decoded(List<byte[]> parts) {
        Flux<DataBuffer> body = Flux.fromIterable(parts).map(bytes -> (DataBuffer) HEAP.wrap(bytes));
        return GzipDecoder.decode(body)
                .map(GzipDecoderTests::text)
                .collect(StringBuilder::new, StringBuilder::append)
                .map(StringBuilder::toString)
                .block();
    }

    /** Decoding {@code body} yields {@code before} and then fails with {@code message}. */
    private static void assertError(byte[] body, String before, String message) {
        var out = new StringBuilder();
        StepVerifier.create(GzipDecoder.decode(Flux.just(HEAP.wrap(body))).map(GzipDecoderTests::text))
                .thenConsumeWhile(text -> out.append(text) != null)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(InvalidGzipException.class)
                        .hasMessage(message))
                .verify();
        assertThat(out.toString()).isEqualTo(before);
    }

    private static String text(DataBuffer buffer) {
        String text = buffer.toString(ISO_8859_1);
        DataBufferUtils.release(buffer);
        return text;
    }
}
