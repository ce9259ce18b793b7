package dev.tally.testing;

import dev.tally.TestTokens;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A subscriber to {@code GET /v1/jobs/{id}/events} over a plain socket, which reads only when the
 * test lets it and can go away with a FIN or a RST: a slow or vanished client, as a test needs one.
 * Each event is its data with its {@code event} name and {@code id}, as NDJSON events are.
 */
public final class RawSubscriber implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Socket socket;
    private final CountDownLatch reading = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private volatile int status;

    private RawSubscriber(Socket socket) {
        this.socket = socket;
        Thread reader = new Thread(this::readResponse, "raw-subscriber");
        reader.setDaemon(true);
        reader.start();
    }

    /** Subscribes and reads the events as they come. */
    public static RawSubscriber reading(int port, String job) throws IOException {
        RawSubscriber subscriber = notReading(port, job, 0);
        subscriber.startReading();
        return subscriber;
    }

    /**
     * Subscribes but reads nothing until {@link #startReading}, with a receive buffer of about
     * {@code receiveBuffer} bytes (0 for the system's), so that the service soon cannot send more.
     */
    public static RawSubscriber notReading(int port, String job, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("localhost", port));
        socket.getOutputStream()
                .write(("GET /v1/jobs/" + job + "/events HTTP/1.1\r\nHost: localhost:" + port
                                + "\r\nAuthorization: " + TestTokens.bearer()
                                + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new RawSubscriber(socket);
    }

    public void startReading() {
        reading.countDown();
    }

    /** The events read so far. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Waits until {@code count} events were read; fails if they were not in time. */
    public void awaitEvents(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received only " + events);
            }
            Thread.sleep(20);
        }
    }

    /** Every event, once the response has ended; fails if it does not end in time. */
    public List<JsonNode> awaitEnd(Duration timeout) throws InterruptedException {
        if (!ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("The events did not end within " + timeout + "; events: " + events);
        }
        return events();
    }

    /** The response's HTTP status, once its head was read; 0 before. */
    public int status() {
        return status;
    }

    /** Goes away at once: with a FIN, or with a RST when {@code reset}. */
    public void cut(boolean reset) throws IOException {
        if (reset) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Reads the SSE body: fields up to a blank line make an event; comments are left out. */
    private void readResponse() {
        try {
            reading.await();
            RawResponse response = RawResponse.read(new BufferedInputStream(socket.getInputStream()));
            status = response.status;
            ObjectNode event = null;
            for (String line = readLine(response.body); line != null; line = readLine(response.body)) {
                if (line.isEmpty()) {
                    if (event != null) {
                        events.add(JSON.readTree(event.toString()));
                    }
                    event = null;
                } else if (!line.startsWith(":")) {
                    String name = line.substring(0, line.indexOf(':'));
                    String value = line.substring(line.indexOf(':') + 1).stripLeading();
                    ObjectNode data = event == null ? JSON.createObjectNode() : event;
                    switch (name) {
                        case "data" -> event = ((ObjectNode) JSON.readTree(value)).setAll(data);
                        case "id" -> event = data.put("id", Long.parseLong(value));
                        case "event" -> event = data.put("event", value);
                        default -> event = data;
                    }
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // Cut by the test or the service: the events end here.
        } finally {
            ended.countDown();
        }
    }

    /** The next line of the body, or null at its end. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
