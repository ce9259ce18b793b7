package dev.tally.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** An HTTP/1.1 response read off a plain socket: its status, then its body, de-chunked. */
public final class RawResponse {

    public final int status;
    public final InputStream body;

    private RawResponse(int status, InputStream body) {
        this.status = status;
        this.body = body;
    }

    /** Reads the status line and headers; the body is read from {@link #body} as it arrives. */
    public static RawResponse read(InputStream socket) throws IOException {
        InputStream in = new BufferedInputStream(socket);
        int status = Integer.parseInt(readLine(in).split(" ")[1]);
        boolean chunked = false;
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            chunked |= header.toLowerCase(Locale.ROOT).equals("transfer-encoding: chunked");
        }
        return new RawResponse(status, chunked ? new Chunked(in) : in);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** The data of a chunked body; ends at the last chunk. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private boolean started;
        private boolean ended;
        private int left;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (left == 0 && !ended) {
                if (started) {
                    readLine(in); // the CRLF that ends the previous chunk's data
                }
                started = true;
                left = Integer.parseInt(readLine(in).trim(), 16);
                ended = left == 0;
            }
            if (ended) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside a chunk");
            }
            left--;
            return b;
        }
    }
}
