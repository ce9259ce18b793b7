package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTests {

    @Test
    void linesCutAnywhereComeWholeWithoutTheirLineBreaks() {
        LineSplitter splitter = new LineSplitter();
        byte[] body = "{\"a\":\"é\"}\r\n\n{\"b\":2}\nrest".getBytes(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        for (byte b : body) {
            splitter.feed(new byte[] {b}).forEach(line -> lines.add(new String(line, StandardCharsets.UTF_8)));
        }
        assertThat(lines).containsExactly("{\"a\":\"é\"}", "", "{\"b\":2}");
    }
}
