package dev.tally.ingest;

import dev.tally.dataset.Datasets;
import dev.tally.upsert.WriteMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The upload pipeline's meters (docs/operations.md), each dataset's made once and kept, so that
 * counting a chunk costs a few adds. Meters are touched per chunk or per request buffer, never per
 * line: the write path is benchmarked.
 */
@Component
class IngestMetrics {

    // Buckets for tally.chunk.write: a chunk takes milliseconds alone, seconds when it waits for its turn or the
    // database.
    private static final Duration[] WRITE_BUCKETS = {
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };

    private final MeterRegistry registry;
    private final AtomicInteger chunksInFlight = new AtomicInteger();
    private final Map<String, DatasetMeters> datasets = new ConcurrentHashMap<>();

    IngestMetrics(MeterRegistry registry, Datasets configured) {
        this.registry = registry;
        Gauge.builder("tally.chunks.in.flight", chunksInFlight, AtomicInteger::get)
                .description("Chunks being written on this instance: from the start of their transaction to its end")
                .strongReference(true)
                .register(registry);
        // Every configured dataset's counters exist from the start, at 0, so that rates begin with the first upload.
        configured.all().forEach(dataset -> of(dataset.name()));
    }

    /** The meters of one dataset. */
    DatasetMeters of(String dataset) {
        return datasets.computeIfAbsent(dataset, DatasetMeters::new);
    }

    /** One dataset's meters; thread-safe. */
    final class DatasetMeters implements WriteMeters {

        private final String dataset;
        private final Counter inserted;
        private final Counter updated;
        private final Counter unchanged;
        private final Counter skipped;
        private final Counter rejected;
        private final Timer write;
        private final Counter splits;
        private final Counter bytes;
        private final Map<String, Counter> rejects = new ConcurrentHashMap<>();
        private final Map<String, Counter> retries = new ConcurrentHashMap<>();

        private DatasetMeters(String dataset) {
            this.dataset = dataset;
            this.inserted = lines("inserted");
            this.updated = lines("updated");
            this.unchanged = lines("unchanged");
            this.skipped = lines("skipped");
            this.rejected = lines("rejected");
            this.write = Timer.builder("tally.chunk.write")
                    .description("Time a chunk's write took, from the start of its transaction to its commit or"
                            + " rollback, waits for its turn and retries included")
                    .tag("dataset", dataset)
                    .serviceLevelObjectives(WRITE_BUCKETS)
                    .register(registry);
            this.splits = Counter.builder("tally.bisection.splits")
                    .description("Statements halved to isolate a row the database refused")
                    .tag("dataset", dataset)
                    .register(registry);
            this.bytes = Counter.builder("tally.bytes.received")
                    .description("Upload request body bytes as received, before gzip decoding")
                    .tag("dataset", dataset)
                    .register(registry);
        }

        private Counter lines(String outcome) {
            return Counter.builder("tally.lines")
                    .description("Committed lines by outcome, as the chunk ledger holds them; dry runs are not counted")
                    .tags("dataset", dataset, "outcome", outcome)
                    .register(registry);
        }

        /** Lines that committed: a chunk, or the chunks of an atomic upload once its transaction committed. */
        void committed(LineTally tally) {
            inserted.increment(tally.counts().inserted());
            updated.increment(tally.counts().updated());
            unchanged.increment(tally.counts().unchanged());
            skipped.increment(tally.counts().skipped());
            rejected.increment(tally.counts().rejected());
            tally.rejectCodes().forEach((code, lines) -> rejects.computeIfAbsent(code, this::rejectCounter)
                    .increment(lines));
        }

        private Counter rejectCounter(String code) {
            return Counter.builder("tally.rejects")
                    .description("Committed rejected lines by reject code")
                    .tags("dataset", dataset, "code", code)
                    .register(registry);
        }

        @Override
        public <T> Mono<T> timed(Mono<T> chunkWrite) {
            return Mono.defer(() -> {
                chunksInFlight.incrementAndGet();
                Timer.Sample sample = Timer.start(registry);
                return chunkWrite.doFinally(signal -> {
                    sample.stop(write);
                    chunksInFlight.decrementAndGet();
                });
            });
        }

        @Override
        public void split() {
            splits.increment();
        }

        @Override
        public void retried(Retried reason) {
            retries.computeIfAbsent(reason.tag(), tag -> Counter.builder("tally.retries")
                            .description("Chunk writes tried again, by reason")
                            .tags("dataset", dataset, "reason", tag)
                            .register(registry))
                    .increment();
        }

        /** Bytes of an upload's request body, as they arrive. */
        void received(long count) {
            bytes.increment(count);
        }
    }
}
