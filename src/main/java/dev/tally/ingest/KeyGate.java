package dev.tally.ingest;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Lets chunks run in parallel only when their keys, on every unique index, are disjoint from the
 * earlier chunks still in flight; a chunk that shares a key waits for the earlier chunk, so that
 * the order of writes to any one key is file order. Holds the keys of in-flight chunks only.
 */
final class KeyGate {

    private final Map<Object, Mono<Void>> owners = new HashMap<>();

    /**
     * Claims the keys for the next chunk. Must be called in chunk order; the claim's {@code ready}
     * completes once every earlier chunk sharing a key has released its claim.
     */
    synchronized Claim claim(Set<Object> keys) {
        Sinks.Empty<Void> released = Sinks.empty();
        Mono<Void> releasedSignal = released.asMono();
        Set<Mono<Void>> earlier = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Object key : keys) {
            Mono<Void> previous = owners.put(key, releasedSignal);
            if (previous != null) {
                earlier.add(previous);
            }
        }
        return new Claim(keys, Mono.when(earlier), released, releasedSignal);
    }

    /** Releases a claim after its chunk committed or rolled back; later chunks may proceed. */
    synchronized void release(Claim claim) {
        for (Object key : claim.keys()) {
            owners.remove(key, claim.releasedSignal());
        }
        claim.released().tryEmitEmpty();
    }

    /** How many keys in-flight chunks hold: bounded by chunks in flight times their rows and indexes. */
    synchronized int heldKeys() {
        return owners.size();
    }

    /** The keys a chunk claimed, and when it may start. */
    record Claim(Set<Object> keys, Mono<Void> ready, Sinks.Empty<Void> released, Mono<Void> releasedSignal) {}
}
