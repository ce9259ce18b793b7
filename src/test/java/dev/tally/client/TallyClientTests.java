package dev.tally.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

class TallyClientTests {

    @Test
    void aOneDigitPortIsAPortNotAHostName() {
        Throwable error = catchThrowable(() -> TallyClient.create("http://localhost:1/", "token")
                .rows("job", null)
                .blockLast(Duration.ofSeconds(30)));

        assertThat(Exceptions.unwrap(error)).isInstanceOf(ConnectException.class);
    }
}
