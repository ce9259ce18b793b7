package dev.tally.client;

import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;

/**
 * Uploads {@code count} records, each made only when requested, into {@code things} and prints one
 * line: the job's final status and totals and the largest outstanding demand (requested − emitted)
 * the publisher saw. Run in a JVM of its own with a small heap by {@link
 * TallyClientBackpressureIntegrationTests}: arguments base URL, token, count, prefetch.
 */
public final class BoundedHeapUpload {

    private BoundedHeapUpload() {}

    public static void main(String[] args) {
        String baseUrl = args[0];
        String token = args[1];
        long count = Long.parseLong(args[2]);
        int prefetch = Integer.parseInt(args[3]);
        AtomicLong requested = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        AtomicLong maxOutstanding = new AtomicLong();
        Flux<String> records = Flux.<String, Long>generate(() -> 1L, (id, sink) -> {
                    if (id > count) {
                        sink.complete();
                    } else {
                        emitted.incrementAndGet();
                        sink.next("{\"id\":" + id + ",\"label\":\"thing " + id + "\",\"note\":\"" + "x".repeat(64)
                                + "\"}");
                    }
                    return id + 1;
                })
                .doOnRequest(n -> {
                    long total = requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    maxOutstanding.accumulateAndGet(total - emitted.get(), Math::max);
                });
        long started = System.nanoTime();
        UploadEvent.JobEnded end = TallyClient.create(baseUrl, token)
                .upload(
                        "things",
                        records,
                        UploadOptions.defaults().withChunkSize(5000).withPrefetch(prefetch))
                .ofType(UploadEvent.JobEnded.class)
                .blockLast();
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf(
                "status=%s received=%d inserted=%d emitted=%d maxOutstanding=%d millis=%d%n",
                end.status(),
                end.totals().received(),
                end.totals().inserted(),
                emitted.get(),
                maxOutstanding.get(),
                millis);
    }
}
