package dev.tally.testing;

import dev.tally.TestTokens;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An upload over a plain socket, full duplex: the body goes out in HTTP chunks whenever the test
 * sends them, the NDJSON events are read as they arrive, and the connection can be cut anywhere,
 * even inside an HTTP chunk. JDK and Spring clients cannot do all three.
 */
public final class RawUpload implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNode END_OF_RESPONSE = JSON.createObjectNode().put("event", "(end of response)");

    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private volatile int status;

    private RawUpload(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        Thread reader = new Thread(this::readResponse, "raw-upload-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends the request head, with a chunked body to come, asking for NDJSON events. */
    public static RawUpload start(int port, String dataset, String query) throws IOException {
        RawUpload upload = new RawUpload(new Socket("localhost", port));
        upload.write(("POST /v1/datasets/" + dataset + "/records?" + query + " HTTP/1.1\r\n"
                        + "Host: localhost:" + port + "\r\n"
                        + "Authorization: " + TestTokens.bearer() + "\r\n"
                        + "Content-Type: application/x-ndjson\r\n"
                        + "Accept: application/x-ndjson\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return upload;
    }

    /** Sends the text as one HTTP chunk. */
    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    public void send(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        write(frame(bytes.length));
        write(bytes);
        write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Sends the head of an HTTP chunk of {@code declared} bytes, and only {@code bytes} of it. */
    public void sendTruncatedChunk(byte[] bytes, int declared) throws IOException {
        write(frame(declared));
        write(bytes);
    }

    /** Ends the body. */
    public void finish() throws IOException {
        write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Closes the connection at once: with a FIN, or with a RST when {@code reset}. */
    public void cut(boolean reset) throws IOException {
        if (reset) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    /** The next event, or null when none came within the timeout or the response ended. */
    public JsonNode nextEvent(Duration timeout) throws InterruptedException {
        JsonNode event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (event == END_OF_RESPONSE) {
            events.add(END_OF_RESPONSE);
            return null;
        }
        return event;
    }

    /** The events still to come, until the response ends; fails if it does not end in time. */
    public List<JsonNode> remainingEvents(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> remaining = new ArrayList<>();
        while (true) {
            JsonNode event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("The response did not end within " + timeout + "; events: " + remaining);
            }
            if (event == END_OF_RESPONSE) {
                events.add(END_OF_RESPONSE);
                return remaining;
            }
            remaining.add(event);
        }
    }

    /** The response's HTTP status, once its head was read; 0 before. */
    public int status() {
        return status;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private static byte[] frame(int size) {
        return (Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads the response, queueing each NDJSON line of its body. */
    private void readResponse() {
        try {
            RawResponse response = RawResponse.read(new BufferedInputStream(socket.getInputStream()));
            status = response.status;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = response.body.read(); b >= 0; b = response.body.read()) {
                collect(b, line);
            }
        } catch (IOException | RuntimeException e) {
            // The connection was cut, by the test or the service: the response ends here.
        } finally {
            events.add(END_OF_RESPONSE);
        }
    }

    private void collect(int b, ByteArrayOutputStream line) {
        if (b != '\n') {
            line.write(b);
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (!text.isBlank()) {
            events.add(JSON.readTree(text));
        }
    }
}
