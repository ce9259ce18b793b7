package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

class RecordLinesTests {

    private final RecordLines lines = new RecordLines(JsonMapper.builder().build());

    record Point(long id, String label) {}

    @Test
    void eachKindOfRecordIsOneLine() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", 1);
        map.put("label", null);
        assertThat(text(lines.line(map))).isEqualTo("{\"id\":1,\"label\":null}\n");
        assertThat(text(lines.line(new Point(2, "two")))).isEqualTo("{\"id\":2,\"label\":\"two\"}\n");
        assertThat(text(lines.line("{\"id\":3}\r\n"))).isEqualTo("{\"id\":3}\n");
        assertThat(text(lines.line("{\"id\":4}".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("{\"id\":4}\n");
        assertThat(text(lines.line(""))).isEqualTo("\n");
    }

    @Test
    void aRecordOfTwoLinesIsRefusedAsItWouldShiftTheLineNumbers() {
        assertThatThrownBy(() -> lines.line("{\"id\":1}\n{\"id\":2}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line break at byte 8");
    }

    @Test
    void recordsAlreadyCommittedGoAsBlankLines() {
        Flux<String> records = Flux.range(1, 5).map(n -> "{\"id\":" + n + "}");
        assertThat(body(lines.body(records, 3, 16, false))).isEqualTo("\n\n\n{\"id\":4}\n{\"id\":5}\n");
    }

    @Test
    void aGzipBodyIsOneMemberHoldingEveryLine() throws IOException {
        Flux<String> records = Flux.range(1, 1000).map(n -> "{\"id\":" + n + "}");
        byte[] compressed = bytes(lines.body(records, 0, 64, true));
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(compressed)).readAllBytes();
        assertThat(text(plain).lines()).hasSize(1000).startsWith("{\"id\":1}").endsWith("{\"id\":1000}");
    }

    @Test
    void thePublisherNeverHasMoreThanThePrefetchOutstanding() {
        AtomicLong requested = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        AtomicLong worst = new AtomicLong();
        Flux<String> records = Flux.range(1, 100_000)
                .map(n -> "{\"id\":" + n + "}")
                .doOnNext(line -> emitted.incrementAndGet())
                .doOnRequest(n -> worst.accumulateAndGet(requested.addAndGet(n) - emitted.get(), Math::max));

        StepVerifier.create(lines.body(records, 0, 100, false), 1)
                .expectNextCount(1)
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(worst.get()).isEqualTo(100))
                .thenRequest(Long.MAX_VALUE)
                .thenConsumeWhile(buffer -> buffer.release() || true)
                .verifyComplete();

        assertThat(worst.get()).isEqualTo(100);
        assertThat(emitted.get()).isEqualTo(100_000);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String body(Flux<ByteBuf> body) {
        return text(bytes(body));
    }

    private static byte[] bytes(Flux<ByteBuf> body) {
        return body.map(buffer -> {
                    byte[] bytes = new byte[buffer.readableBytes()];
                    buffer.readBytes(bytes);
                    buffer.release();
                    return bytes;
                })
                .reduce(new byte[0], (a, b) -> {
                    byte[] joined = new byte[a.length + b.length];
                    System.arraycopy(a, 0, joined, 0, a.length);
                    System.arraycopy(b, 0, joined, a.length, b.length);
                    return joined;
                })
                .block();
    }
}
