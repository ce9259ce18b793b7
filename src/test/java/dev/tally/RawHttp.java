package dev.tally;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection over a plain socket, driven byte by byte by the test: requests written
 * as given (pipelined, half sent, with a body the server never reads), answers read one at a time,
 * and a chunked answer read chunk by chunk while the request is still being sent. No client library
 * decides for the test when to open, reuse or close the connection.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawHttp connect(int port, Duration readTimeout) throws IOException {
        Socket socket = new Socket("localhost", port);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return new RawHttp(socket);
    }

    /** The head of an answer: status and headers (names in lower case). */
    public record Head(int status, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public boolean chunked() {
            return "chunked".equalsIgnoreCase(header("transfer-encoding"));
        }
    }

    /** A whole answer. */
    public record Answer(Head head, byte[] body) {
        public int status() {
            return head.status();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public void write(String ascii) throws IOException {
        write(ascii.getBytes(StandardCharsets.UTF_8));
    }

    public synchronized void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Writes as much of {@code ascii} as the server takes: one that answers and closes the connection
     * before the body ended makes the write fail, and a careful client then still reads the answer
     * already received. Returns whether the whole text went out.
     */
    public boolean writeUntilClosed(String ascii) {
        try {
            write(ascii);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** Sends {@code text} as one chunk of a chunked request body. */
    public synchronized void writeChunk(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(Integer.toHexString(bytes.length) + "\r\n");
        write(bytes);
        write("\r\n");
    }

    /** Ends a chunked request body. */
    public void endChunks() throws IOException {
        write("0\r\n\r\n");
    }

    public Head readHead() throws IOException {
        String statusLine = readLine();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        return new Head(Integer.parseInt(statusLine.split(" ")[1]), headers);
    }

    /** The next chunk of a chunked answer's body, or {@code null} after the last one. */
    public byte[] readChunk() throws IOException {
        int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
        if (size == 0) {
            readLine();
            return null;
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length < size) {
            throw new EOFException("the connection closed inside a chunk");
        }
        readLine();
        return chunk;
    }

    /** Reads one whole answer: its body by Content-Length or by chunks. */
    public Answer read() throws IOException {
        Head head = readHead();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head.chunked()) {
            for (byte[] chunk = readChunk(); chunk != null; chunk = readChunk()) {
                body.write(chunk);
            }
        } else if (head.header("content-length") != null) {
            int length = Integer.parseInt(head.header("content-length"));
            byte[] bytes = in.readNBytes(length);
            if (bytes.length < length) {
                throw new EOFException("the connection closed inside the body");
            }
            body.write(bytes);
        }
        return new Answer(head, body.toByteArray());
    }

    /** Whether the server closed the connection: end of stream (or a reset) within the read timeout. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed; read so far: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
