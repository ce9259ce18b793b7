package dev.tally.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Lets chunks run in parallel only when their keys, on every unique index, are disjoint from the
 * earlier chunks still in flight; a chunk that shares a key waits for those earlier chunks, so
 * that the order of writes to any one key is file order. Holds the in-flight chunks' key sets, as
 * they were parsed, each with a bitmap of its keys' hashes: a new chunk's keys are looked up only in
 * the sets whose bitmap has their bit. (One map of every in-flight key, put and removed a line at a
 * time, was a tenth of the service's CPU on a first load.)
 */
final class KeyGate {

    private final List<Claim> inFlight = new ArrayList<>();

    /**
     * Claims the keys for the next chunk. Must be called in chunk order; the claim's {@code ready}
     * completes once every earlier chunk sharing a key has released its claim.
     */
    synchronized Claim claim(Set<Object> keys) {
        Sinks.Empty<Void> released = Sinks.empty();
        Hashed hashed = Hashed.of(keys);
        List<Mono<Void>> earlier = new ArrayList<>();
        for (Claim claim : inFlight) {
            if (claim.sharesAny(hashed)) {
                earlier.add(claim.released().asMono());
            }
        }
        Claim claim = new Claim(keys, HashBits.of(hashed), Mono.when(earlier), released);
        inFlight.add(claim);
        return claim;
    }

    /** Releases a claim after its chunk committed or rolled back; later chunks may proceed. */
    synchronized void release(Claim claim) {
        inFlight.removeIf(held -> held == claim);
        claim.released().tryEmitEmpty();
    }

    /** How many keys in-flight chunks hold: bounded by chunks in flight times their rows and indexes. */
    synchronized int heldKeys() {
        return inFlight.stream().mapToInt(claim -> claim.keys().size()).sum();
    }

    /** The keys a chunk claimed, and when it may start. */
    record Claim(Set<Object> keys, HashBits bits, Mono<Void> ready, Sinks.Empty<Void> released) {

        boolean sharesAny(Hashed others) {
            for (int i = 0; i < others.keys().length; i++) {
                if (bits.mayHold(others.hashes()[i]) && keys.contains(others.keys()[i])) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A new chunk's keys with their spread hashes, each computed once however many chunks are in
     * flight: Fibonacci hashing, whose high bits the bitmaps use, since keys are often consecutive
     * numbers, whose hashes differ in their low bits only.
     */
    record Hashed(Object[] keys, int[] hashes) {

        static Hashed of(Set<Object> keys) {
            Object[] array = keys.toArray();
            int[] hashes = new int[array.length];
            for (int i = 0; i < array.length; i++) {
                hashes[i] = array[i].hashCode() * 0x9E3779B9;
            }
            return new Hashed(array, hashes);
        }
    }

    /** One bit per hash, 16 to 32 bits a key: a clear bit means the key is not in the set. */
    record HashBits(long[] words, int shift) {

        static HashBits of(Hashed keys) {
            int log = Math.clamp(32 - Integer.numberOfLeadingZeros(Math.max(1, keys.hashes().length) * 16 - 1), 6, 22);
            HashBits bits = new HashBits(new long[1 << (log - 6)], 32 - log);
            for (int hash : keys.hashes()) {
                int bit = hash >>> bits.shift;
                bits.words[bit >>> 6] |= 1L << bit;
            }
            return bits;
        }

        boolean mayHold(int hash) {
            int bit = hash >>> shift;
            return (words[bit >>> 6] & (1L << bit)) != 0;
        }
    }
}
