package dev.tally.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class EventStreamParserTests {

    private static final String STREAM = "id:0\nevent:job\ndata:{\"job\":\"j\",\"dataset\":\"cafés\"}\n\n"
            + ": keep-alive\n\n"
            + "id: 1\r\nevent: chunk\r\ndata: {\"chunk\":1,\r\ndata: \"lines\":{\"last\":3}}\r\n\r\n"
            + "id:2\nevent:completed\ndata:{\"status\":\"completed\"}\n\n";

    @Test
    void eventsCutAnywhereEvenInsideACharacterComeOutWhole() {
        byte[] bytes = STREAM.getBytes(UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            EventStreamParser parser =
                    new EventStreamParser(JsonMapper.builder().build());
            List<Event> events = new ArrayList<>(parser.feed(Arrays.copyOfRange(bytes, 0, cut)));
            events.addAll(parser.feed(Arrays.copyOfRange(bytes, cut, bytes.length)));

            assertThat(events).extracting(Event::id).containsExactly("0", "1", "2");
            assertThat(events).extracting(Event::name).containsExactly("job", "chunk", "completed");
            assertThat(events.get(0).data().get("dataset").asString()).isEqualTo("cafés");
            assertThat(events.get(1).data().toString()).isEqualTo("{\"chunk\":1,\"lines\":{\"last\":3}}");
            assertThat(events.get(2).isFinal()).isTrue();
            assertThat(events.get(0).isFinal()).isFalse();
        }
    }

    @Test
    void anEventWithoutItsBlankLineIsNotYetComplete() {
        EventStreamParser parser = new EventStreamParser(JsonMapper.builder().build());

        assertThat(parser.feed("id:0\nevent:job\ndata:{}\n".getBytes(UTF_8))).isEmpty();
        assertThat(parser.feed("\n".getBytes(UTF_8))).hasSize(1);
    }
}
