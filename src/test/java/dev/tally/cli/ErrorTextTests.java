package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** What the client says went wrong: words a terminal user knows, never a Java class name. */
class ErrorTextTests {

    @Test
    void networkTroubleIsSaidAsATerminalSaysIt() {
        assertThat(ErrorText.of(new ConnectException("Connection refused: localhost/127.0.0.1:1")))
                .isEqualTo("connection refused (is the service running, and on that port?)");
        assertThat(ErrorText.of(new UnknownHostException("Failed to resolve 'x.invalid' [A(1), AAAA(28)]")))
                .isEqualTo("the host name could not be resolved");
        assertThat(ErrorText.of(new SocketException("Connection reset"))).isEqualTo("connection reset");
    }

    @Test
    void fileTroubleNamesNeitherTheClassNorThePathTwice() {
        assertThat(ErrorText.of(new NoSuchFileException("/data/f.ndjson"))).isEqualTo("no such file");
        assertThat(ErrorText.of(new AccessDeniedException("/data/f.ndjson"))).isEqualTo("permission denied");
        assertThat(ErrorText.of(new IOException("Disk gone"))).isEqualTo("disk gone");
    }

    @Test
    void anErrorWithoutAMessageStillHasNoClassName() {
        assertThat(ErrorText.of(new IllegalStateException())).isEqualTo("an error that says nothing more");
    }
}
