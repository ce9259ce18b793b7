package dev.tally.client;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a response body, arriving in pieces cut anywhere, into its lines (without the {@code \n} or
 * a {@code \r} before it): a line is handed on only when whole. One splitter per response, fed in
 * order.
 */
final class LineSplitter {

    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    List<byte[]> feed(byte[] piece) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < piece.length; i++) {
            if (piece[i] == '\n') {
                partial.write(piece, start, i - start);
                byte[] line = partial.toByteArray();
                partial.reset();
                int length = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                lines.add(length == line.length ? line : java.util.Arrays.copyOf(line, length));
                start = i + 1;
            }
        }
        partial.write(piece, start, piece.length - start);
        return lines;
    }
}
