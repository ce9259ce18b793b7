package dev.tally.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.loadtests.UploadLog.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One upload of the standard workload (keys 1..lines, version 0) whose body is sent at a steady
 * rate, so that it runs long enough for subscribers to follow it and its chunks commit all along.
 * Gatling cannot throttle a request body, so this runs on the JDK's own HTTP client, off Gatling's
 * virtual users; its body is generated as it is sent.
 */
final class PacedUpload {

    private final String baseUrl;
    private final long lines;
    private final int linesPerSecond;
    private final HttpClient client = HttpClient.newHttpClient();

    PacedUpload(String baseUrl, long lines, int linesPerSecond) {
        this.baseUrl = baseUrl;
        this.lines = lines;
        this.linesPerSecond = linesPerSecond;
    }

    /** Starts the upload; completes with its final event, or null if none came. */
    CompletableFuture<Event> start() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/datasets/customers/records?onConflict=skip"))
                .header("Authorization", ApiToken.BEARER)
                .header("Content-Type", "application/x-ndjson")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PacedLines(lines, linesPerSecond)))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the upload got status " + response.statusCode());
            }
            return EventLines.last(EventLines.read(response.body()));
        });
    }

    /**
     * The running job's id, from {@code GET /v1/jobs?dataset=customers&status=running}, polled until
     * it shows (the upload creates its job on its first bytes).
     */
    String awaitJob(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs?dataset=customers&status=running"))
                .header("Authorization", ApiToken.BEARER)
                .build();
        while (System.nanoTime() < deadline) {
            JsonNode jobs = UploadLog.parse(client.send(request, HttpResponse.BodyHandlers.ofString())
                            .body())
                    .path("jobs");
            if (jobs.size() > 1) {
                throw new IllegalStateException("more than one running job on customers: " + jobs);
            }
            if (jobs.size() == 1) {
                return jobs.get(0).path("job").asText();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no running job on customers after " + timeout);
    }

    /** {@code GET /v1/jobs/{id}}: the job document. */
    JsonNode job(String id) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs/" + id))
                .header("Authorization", ApiToken.BEARER)
                .build();
        return UploadLog.parse(client.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    /**
     * The body: line i (from 0) becomes readable {@code i / linesPerSecond} seconds after the first
     * read, so the server receives the lines at that rate, whatever the size of its reads.
     */
    private static final class PacedLines extends InputStream {

        private final long lines;
        private final int linesPerSecond;
        private long next;
        private long startNanos = -1;
        private byte[] pending = new byte[0];
        private int position;

        PacedLines(long lines, int linesPerSecond) {
            this.lines = lines;
            this.linesPerSecond = linesPerSecond;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (position == pending.length && !refill()) {
                return -1;
            }
            int n = Math.min(length, pending.length - position);
            System.arraycopy(pending, position, buffer, offset, n);
            position += n;
            return n;
        }

        /** Waits for the next line to be due, then takes every line due by now; false at the end. */
        private boolean refill() throws IOException {
            if (next == lines) {
                return false;
            }
            if (startNanos < 0) {
                startNanos = System.nanoTime();
            }
            long dueNanos = startNanos + next * 1_000_000_000L / linesPerSecond;
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            long due = Math.min(lines, (System.nanoTime() - startNanos) * linesPerSecond / 1_000_000_000L + 1);
            StringBuilder sb = new StringBuilder();
            for (; next < due; next++) {
                sb.append(Workload.line(next + 1, 0)).append('\n');
            }
            pending = sb.toString().getBytes(StandardCharsets.US_ASCII);
            position = 0;
            return true;
        }
    }
}
