package dev.tally.ndjson;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;

/** A request body's {@code Content-Encoding} that Tally can undo. */
public enum ContentEncoding {
    IDENTITY,
    GZIP;

    /** The codings as a client names them, for a message or an {@code Accept-Encoding} header. */
    public static String supported() {
        return Arrays.stream(values()).map(ContentEncoding::wireName).collect(Collectors.joining(", "));
    }

    /**
     * The encoding a {@code Content-Encoding} header names: none or {@code identity} is the body
     * as is, {@code gzip} (or its alias {@code x-gzip}) compressed; empty for anything else, such as
     * {@code br} or more than one coding stacked.
     */
    public static Optional<ContentEncoding> of(@Nullable String header) {
        if (header == null) {
            return Optional.of(IDENTITY);
        }
        List<String> codings = Arrays.stream(header.split(","))
                .map(coding -> coding.trim().toLowerCase(Locale.ROOT))
                .filter(coding -> !coding.isEmpty() && !coding.equals("identity"))
                .toList();
        if (codings.isEmpty()) {
            return Optional.of(IDENTITY);
        }
        if (codings.size() == 1
                && (codings.getFirst().equals("gzip") || codings.getFirst().equals("x-gzip"))) {
            return Optional.of(GZIP);
        }
        return Optional.empty();
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The body's bytes as they were before this encoding; see {@link GzipDecoder#decode}. */
    public Flux<DataBuffer> decode(Flux<DataBuffer> body) {
        return switch (this) {
            case IDENTITY -> body;
            case GZIP -> GzipDecoder.decode(body);
        };
    }
}
