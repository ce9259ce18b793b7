package dev.tally.ndjson;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContentEncodingTests {

    @ParameterizedTest(name = "[{0}] is {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            null              | IDENTITY
            identity          | IDENTITY
            ''                | IDENTITY
            IDENTITY          | IDENTITY
            gzip              | GZIP
            GZip              | GZIP
            x-gzip            | GZIP
            ' gzip , identity' | GZIP
            identity, gzip    | GZIP
            br                | null
            deflate           | null
            zstd              | null
            gzip, gzip        | null
            gzip, br          | null
            """)
    void namesTheEncodingsTallyCanUndo(String header, ContentEncoding expected) {
        assertThat(ContentEncoding.of(header)).isEqualTo(Optional.ofNullable(expected));
    }

    @Test
    void supportedListsTheirWireNames() {
        assertThat(ContentEncoding.supported()).isEqualTo("identity, gzip");
    }
}
