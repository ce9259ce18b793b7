package dev.tally.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 connection over a plain socket, driven byte by byte by the test: requests written
 * as given (pipelined, half sent, with a body the server never reads), answers read one at a time
 * with {@link RawResponse}, the body of one still arriving while the request is being sent. No
 * client library decides for the test when to open, reuse or close the connection.
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

    /** A whole answer: its head and its body. */
    public record Answer(RawResponse head, byte[] body) {
        public int status() {
            return head.status;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public synchronized void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Writes as much of {@code text} as the server takes: one that answers and closes the connection
     * before the body ended makes the write fail, and a careful client then still reads the answer
     * already received. Returns whether the whole text went out.
     */
    public boolean writeUntilClosed(String text) {
        try {
            write(text);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    /** Sends {@code text} as one chunk of a chunked request body. */
    public synchronized void writeChunk(String text) throws IOException {
        write(Integer.toHexString(text.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + text + "\r\n");
    }

    /** Ends a chunked request body. */
    public void endChunks() throws IOException {
        write("0\r\n\r\n");
    }

    /** The next answer's head; its body is read from {@link RawResponse#body}, to its end, before the next. */
    public RawResponse readHead() throws IOException {
        return RawResponse.read(in);
    }

    /** Reads one whole answer. */
    public Answer read() throws IOException {
        RawResponse head = readHead();
        return new Answer(head, head.body.readAllBytes());
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
