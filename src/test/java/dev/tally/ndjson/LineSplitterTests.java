package dev.tally.ndjson;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class LineSplitterTests {

    private static final DefaultDataBufferFactory HEAP = DefaultDataBufferFactory.sharedInstance;

    @Test
    void splitsOnNewlineAndNumbersLinesFromOne() {
        StepVerifier.create(lines(100, "{\"a\":1}\n{\"a\":2}\n"))
                .expectNext("1:{\"a\":1}", "2:{\"a\":2}")
                .verifyComplete();
    }

    @Test
    void joinsLinesSplitAcrossBufferBoundaries() {
        StepVerifier.create(lines(100, "ab", "c\nd", "e", "f", "g\nh", "\n"))
                .expectNext("1:abc", "2:defg", "3:h")
                .verifyComplete();
    }

    @Test
    void removesTheCarriageReturnOfCrlf() {
        StepVerifier.create(lines(100, "a\r\nb\r\n")).expectNext("1:a", "2:b").verifyComplete();
    }

    @Test
    void removesTheCarriageReturnWhenBuffersSplitBetweenCrAndLf() {
        StepVerifier.create(lines(100, "a\r", "\nb", "\r", "\n", "\r", "\nc"))
                .expectNext("1:a", "2:b", "4:c")
                .verifyComplete();
    }

    @Test
    void keepsCarriageReturnsThatDoNotEndTheLine() {
        StepVerifier.create(lines(100, "a\rb\r\r\n\rc\n"))
                .expectNext("1:a\rb\r", "2:\rc")
                .verifyComplete();
    }

    @Test
    void skipsBlankAndWhitespaceOnlyLinesButCountsThem() {
        StepVerifier.create(lines(100, "\na\n \n\t \r\n\r\nb\n  ", "\t\n", "c \n"))
                .expectNext("2:a", "6:b", "8:c ")
                .verifyComplete();
    }

    @Test
    void emitsALastLineWithoutNewline() {
        StepVerifier.create(lines(100, "a\nb", "c")).expectNext("1:a", "2:bc").verifyComplete();
    }

    @Test
    void removesTheCarriageReturnOfALastLineWithoutNewline() {
        StepVerifier.create(lines(100, "a\nb\r")).expectNext("1:a", "2:b").verifyComplete();
    }

    @Test
    void emptyBodyHasNoLines() {
        StepVerifier.create(lines(100)).verifyComplete();
        StepVerifier.create(lines(100, "")).verifyComplete();
    }

    @Test
    void bodyOfOnlyNewlinesHasNoLines() {
        StepVerifier.create(lines(100, "\n\n")).verifyComplete();
        StepVerifier.create(lines(100, "\n", "\n", " \r\n")).verifyComplete();
    }

    @Test
    void lineOfExactlyTheLimitIsText() {
        StepVerifier.create(lines(3, "abc\nabc\r\nab", "c\r", "\nabc"))
                .expectNext("1:abc", "2:abc", "3:abc", "4:abc")
                .verifyComplete();
    }

    @Test
    void tooLongLineKeepsItsHeadAndLengthAndTheNextLineFollows() {
        StepVerifier.create(lines(3, "abcd\nxy\n"))
                .expectNext("1:TooLong[4]abcd", "2:xy")
                .verifyComplete();
    }

    @Test
    void tooLongLineLengthExcludesItsCrlf() {
        StepVerifier.create(lines(3, "abcde\r\nxy\n", "abcd", "e", "\r", "\n"))
                .expectNext("1:TooLong[5]abcde", "2:xy", "3:TooLong[5]abcde")
                .verifyComplete();
    }

    @Test
    void tooLongLineSpanningManyBuffersIsCountedAndTheNextLineFollows() {
        String line = "x".repeat(1000) + "y".repeat(24) + "z".repeat(8976);
        StepVerifier.create(lines(100, chunks("a\n" + line + "\nb\n", 7)))
                .expectNext("1:a", "2:TooLong[10000]" + "x".repeat(1000) + "y".repeat(24), "3:b")
                .verifyComplete();
    }

    @Test
    void tooLongLastLineWithoutNewlineIsEmitted() {
        StepVerifier.create(lines(5, "a\n", "0123456", "789\r"))
                .expectNext("1:a", "2:TooLong[10]0123456789")
                .verifyComplete();
    }

    @Test
    void headOfATooLongLineIsAtMostOneKibibyte() {
        String line = "h".repeat(1024) + "t".repeat(4000);
        StepVerifier.create(lines(10, line + "\n"))
                .expectNext("1:TooLong[5024]" + "h".repeat(1024))
                .verifyComplete();
        StepVerifier.create(lines(10, chunks(line + "\n", 300)))
                .expectNext("1:TooLong[5024]" + "h".repeat(1024))
                .verifyComplete();
    }

    @Test
    void tooLongLineBeyondTwoGibibytesIsCountedNotHeld() {
        byte[] mebibyte = new byte[1 << 20];
        Arrays.fill(mebibyte, (byte) 'x');
        long length = 2049L << 20;
        // One array wrapped again and again: the body costs no memory, so only a splitter that holds
        // the line's bytes (more than any Java array can) could fail here.
        Flux<DataBuffer> body =
                Flux.range(0, 2049).map(i -> (DataBuffer) HEAP.wrap(mebibyte)).concatWith(Flux.just(buffer("\nnext")));
        StepVerifier.create(LineSplitter.split(body, 1 << 20).map(LineSplitterTests::describe))
                .expectNext("1:TooLong[" + length + "]" + "x".repeat(1024), "2:next")
                .verifyComplete();
    }

    @Test
    void readsEverySegmentOfACompositeBuffer() {
        var netty = new TrackedBuffers();
        DataBuffer joined = netty.factory.join(List.of(netty.of("a\nb"), netty.of("c\r"), netty.of("\nd")));
        StepVerifier.create(LineSplitter.split(Flux.just(joined), 100).map(LineSplitterTests::describe))
                .expectNext("1:a", "2:bc", "3:d")
                .verifyComplete();
        netty.assertAllReleased();
    }

    @Test
    void emitsOnlyTheLinesRequestedAndReadsTheBodyOnlyOnDemand() {
        var upstreamRequested = new AtomicLong();
        var emitted = new AtomicInteger();
        Flux<DataBuffer> body = Flux.defer(() -> Flux.just(buffer("a\nb\nc\n"), buffer("d\n"), buffer("e\n")))
                .doOnRequest(upstreamRequested::addAndGet);
        Flux<String> lines = LineSplitter.split(body, 100)
                .map(LineSplitterTests::describe)
                .doOnNext(line -> emitted.incrementAndGet());

        StepVerifier.create(lines, 0)
                .expectSubscription()
                .then(() -> assertThat(emitted).hasValue(0))
                .thenRequest(1)
                .expectNext("1:a")
                .then(() -> {
                    assertThat(emitted).hasValue(1);
                    assertThat(upstreamRequested).hasValue(1);
                })
                .thenRequest(1)
                .expectNext("2:b")
                .then(() -> {
                    assertThat(emitted).hasValue(2);
                    assertThat(upstreamRequested).hasValue(1);
                })
                .thenRequest(Long.MAX_VALUE)
                .expectNext("3:c", "4:d", "5:e")
                .verifyComplete();
    }

    @Test
    void releasesEveryBufferOnCompletion() {
        var netty = new TrackedBuffers();
        Flux<DataBuffer> body = Flux.defer(() -> Flux.just(netty.of("a\r"), netty.of("\nb"), netty.of("cdefgh\n \n")));
        StepVerifier.create(LineSplitter.split(body, 3).map(LineSplitterTests::describe))
                .expectNext("1:a", "2:TooLong[7]bcdefgh")
                .verifyComplete();
        assertThat(netty.made).hasSize(3);
        netty.assertAllReleased();
    }

    @Test
    void releasesEveryBufferWhenCancelledMidStream() {
        var netty = new TrackedBuffers();
        Sinks.Many<DataBuffer> sink = Sinks.many().unicast().onBackpressureBuffer();
        for (int i = 0; i < 5; i++) {
            sink.tryEmitNext(netty.of("x\ny\npartial"));
        }
        StepVerifier.create(LineSplitter.split(sink.asFlux(), 100).map(LineSplitterTests::describe), 1)
                .expectNext("1:x")
                .thenCancel()
                .verify();
        assertThat(netty.made).hasSize(5);
        netty.assertAllReleased();
    }

    @Test
    void releasesEveryBufferAndPassesOnTheBodysError() {
        var netty = new TrackedBuffers();
        Flux<DataBuffer> body = Flux.defer(() -> Flux.just(netty.of("a\nb"), netty.of("c")))
                .concatWith(Flux.error(new IllegalStateException("connection reset")));
        StepVerifier.create(LineSplitter.split(body, 100).map(LineSplitterTests::describe))
                .expectNext("1:a")
                .expectErrorMessage("connection reset")
                .verify();
        assertThat(netty.made).hasSize(2);
        netty.assertAllReleased();
    }

    @Test
    void passesOnTheBodysErrorOnlyAfterTheLinesThatEndedBeforeIt() {
        // The error follows the last buffer at once, as a socket's would, while its lines wait for demand.
        Sinks.Many<DataBuffer> body = Sinks.many().unicast().onBackpressureBuffer();
        body.tryEmitNext(buffer("a\nb\nc\npartial"));
        body.tryEmitError(new IllegalStateException("connection reset"));
        StepVerifier.create(LineSplitter.split(body.asFlux(), 100).map(LineSplitterTests::describe), 0)
                .thenRequest(1)
                .expectNext("1:a")
                .thenRequest(1)
                .expectNext("2:b")
                .thenRequest(1)
                .expectNext("3:c")
                .thenRequest(1)
                .expectErrorMessage("connection reset")
                .verify();
    }

    @Test
    void invalidGzipIsLocatedInTheLineBeingRead() {
        Flux<DataBuffer> body = Flux.defer(() -> Flux.just(buffer("a\n\nb")))
                .concatWith(Flux.error(new InvalidGzipException("corrupt deflate data in gzip member 1: oops")));
        StepVerifier.create(LineSplitter.split(body, 100).map(LineSplitterTests::describe))
                .expectNext("1:a")
                .expectErrorSatisfies(error -> {
                    assertThat(error)
                            .isInstanceOf(InvalidGzipException.class)
                            .hasMessage("corrupt deflate data in gzip member 1: oops; decoding stopped in line 3");
                    assertThat(((InvalidGzipException) error).line()).isEqualTo(3L);
                })
                .verify();
    }

    @Test
    void eachSubscriptionSplitsFromTheStart() {
        Flux<DataBuffer> body = Flux.defer(() -> Flux.just(buffer("a\nb"), buffer("c")));
        Flux<String> lines = LineSplitter.split(body, 100).map(LineSplitterTests::describe);
        StepVerifier.create(lines).expectNext("1:a", "2:bc").verifyComplete();
        StepVerifier.create(lines).expectNext("1:a", "2:bc").verifyComplete();
    }

    @Test
    void refusesALimitBelowOneByte() {
        assertThatIllegalArgumentException().isThrownBy(() -> LineSplitter.split(Flux.empty(), 0));
    }

    @Test
    void randomBodiesInRandomBuffersSplitLikeTheReference() {
        var random = new Random(20261124L);
        for (int round = 0; round < 500; round++) {
            String body = randomBody(random);
            int maxLineBytes = random.nextInt(4) == 0 ? 2000 : 1 + random.nextInt(60);
            int largestBuffer = random.nextBoolean() ? 1 + random.nextInt(8) : 1 + random.nextInt(4096);
            List<String> buffers = new ArrayList<>();
            for (int at = 0; at < body.length(); ) {
                int end = Math.min(body.length(), at + 1 + random.nextInt(largestBuffer));
                buffers.add(body.substring(at, end));
                at = end;
            }
            StepVerifier.create(lines(maxLineBytes, buffers.toArray(String[]::new)))
                    .expectNextSequence(referenceSplit(body, maxLineBytes))
                    .as("round " + round + " with maxLineBytes " + maxLineBytes)
                    .verifyComplete();
        }
    }

    /** Lines as {@code String.split} sees them, described as {@link #describe} does. */
    private static List<String> referenceSplit(String body, int maxLineBytes) {
        String[] parts = body.split("\n", -1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String line = parts[i].endsWith("\r") ? parts[i].substring(0, parts[i].length() - 1) : parts[i];
            if (line.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\r')) {
                continue;
            }
            lines.add(
                    line.length() > maxLineBytes
                            ? (i + 1) + ":TooLong[" + line.length() + "]"
                                    + line.substring(0, Math.min(1024, line.length()))
                            : (i + 1) + ":" + line);
        }
        return lines;
    }

    private static String randomBody(Random random) {
        // Every char stands for one byte (ISO-8859-1), including bytes that are not valid UTF-8.
        String alphabet = "ab{}\":, \t\r\u00c3\u00a9\u00ff";
        var body = new StringBuilder();
        int lineCount = random.nextInt(30);
        for (int i = 0; i < lineCount; i++) {
            int length =
                    switch (random.nextInt(10)) {
                        case 0 -> 0;
                        case 1 -> 900 + random.nextInt(2500);
                        default -> random.nextInt(80);
                    };
            for (int j = 0; j < length; j++) {
                body.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (i < lineCount - 1 || random.nextBoolean()) {
                body.append(random.nextBoolean() ? "\n" : "\r\n");
            }
        }
        return body.toString();
    }

    private static Flux<String> lines(int maxLineBytes, String... buffers) {
        Flux<DataBuffer> body = Flux.defer(() -> Flux.fromArray(buffers).map(LineSplitterTests::buffer));
        return LineSplitter.split(body, maxLineBytes).map(LineSplitterTests::describe);
    }

    private static String[] chunks(String text, int size) {
        List<String> chunks = new ArrayList<>();
        for (int at = 0; at < text.length(); at += size) {
            chunks.add(text.substring(at, Math.min(text.length(), at + size)));
        }
        return chunks.toArray(String[]::new);
    }

    private static DataBuffer buffer(String text) {
        return HEAP.wrap(text.getBytes(ISO_8859_1));
    }

    private static String describe(Line line) {
        return switch (line) {
            case Line.Text text -> text.number() + ":" + new String(text.bytes(), ISO_8859_1);
            case Line.TooLong tooLong ->
                tooLong.number() + ":TooLong[" + tooLong.length() + "]" + new String(tooLong.head(), ISO_8859_1);
        };
    }

    /** Netty buffers whose reference counts can be checked once the splitter is done with them. */
    private static final class TrackedBuffers {

        final NettyDataBufferFactory factory = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);
        final List<NettyDataBuffer> made = new ArrayList<>();

        DataBuffer of(String text) {
            byte[] bytes = text.getBytes(ISO_8859_1);
            NettyDataBuffer buffer = factory.allocateBuffer(bytes.length);
            buffer.write(bytes);
            made.add(buffer);
            return buffer;
        }

        void assertAllReleased() {
            assertThat(made)
                    .allSatisfy(buffer ->
                            assertThat(buffer.getNativeBuffer().refCnt()).isZero());
        }
    }
}
