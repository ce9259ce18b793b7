package dev.tally.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 response read off a plain socket: its status and headers, then its body as it arrives,
 * de-chunked or cut at its {@code Content-Length}, so that the next response on a kept-alive
 * connection starts right after it.
 */
public final class RawResponse {

    public final int status;
    /** Header names in lower case. */
    public final Map<String, String> headers;

    public final InputStream body;

    private RawResponse(int status, Map<String, String> headers, InputStream body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /**
     * Reads the status line and headers; the body is read from {@link #body} as it arrives. {@code in}
     * is read byte by byte: give it buffered.
     */
    public static RawResponse read(InputStream in) throws IOException {
        int status = Integer.parseInt(readLine(in).split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            int colon = header.indexOf(':');
            headers.put(
                    header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    header.substring(colon + 1).trim());
        }
        InputStream body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))
                ? new Chunked(in)
                : headers.containsKey("content-length")
                        ? new Counted(in, Long.parseLong(headers.get("content-length")))
                        : in;
        return new RawResponse(status, headers, body);
    }

    /** The header's value, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
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

    /** The data of a chunked body; ends after the last chunk and the blank line behind it. */
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
                left = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
                ended = left == 0;
                if (ended) {
                    readLine(in); // the blank line that ends the body (no trailers are sent)
                }
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

    /** A body of an announced length. */
    private static final class Counted extends InputStream {
        private final InputStream in;
        private long left;

        Counted(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left == 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the body");
            }
            left--;
            return b;
        }
    }
}
