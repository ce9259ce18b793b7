package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.client.ServerSentEvents.Sse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ServerSentEventsTests {

    @Test
    void fieldsUpToABlankLineMakeOneEventAndCommentsAreDropped() {
        ServerSentEvents sse = new ServerSentEvents();
        List<Sse> events = Stream.of(
                        ": keep-alive",
                        "",
                        "id: 0",
                        "event: job",
                        "data: {\"job\":1}",
                        "",
                        "id:1",
                        "event:chunk",
                        "data: {",
                        "data: }",
                        "retry: 10",
                        "")
                .map(line -> sse.feed(line.getBytes(StandardCharsets.UTF_8)))
                .flatMap(Optional::stream)
                .toList();
        assertThat(events).containsExactly(new Sse("0", "job", "{\"job\":1}"), new Sse("1", "chunk", "{\n}"));
    }
}
