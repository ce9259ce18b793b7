package dev.tally.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import reactor.core.publisher.Flux;

/**
 * {@code FILE.rejected.ndjson}: the job's rejected lines as its row log has them, one JSON object
 * per line with the line number, code, message, key and original {@code text}. Written whole or not
 * at all (through a temporary file beside it), and removed when nothing was rejected, so that a file
 * left from an earlier run is never taken for this one's.
 */
final class RejectedFile {

    private RejectedFile() {}

    /** Writes the rows to {@code file}, or removes it when there are none; the number of rows written. */
    static long write(Path file, Flux<byte[]> rows) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        long lines = 0;
        try (OutputStream out = Files.newOutputStream(partial)) {
            byte last = '\n';
            for (byte[] bytes : rows.toIterable()) {
                out.write(bytes);
                for (byte b : bytes) {
                    lines += b == '\n' ? 1 : 0;
                }
                last = bytes.length > 0 ? bytes[bytes.length - 1] : last;
            }
            // The service ends its last row without a newline; a file of lines should end with one.
            if (last != '\n') {
                out.write('\n');
                lines++;
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        if (lines == 0) {
            Files.delete(partial);
            Files.deleteIfExists(file);
        } else {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return lines;
    }

    static void remove(Path file) throws IOException {
        Files.deleteIfExists(file);
    }
}
