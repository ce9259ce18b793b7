package dev.tally.upsert;

import reactor.core.publisher.Mono;

/** What the chunk writer tells the metrics: each chunk's write time, halved statements and retries. */
public interface WriteMeters {

    /** Times a chunk's write and counts it in flight while it runs, until it ends, fails or is cancelled. */
    <T> Mono<T> timed(Mono<T> chunkWrite);

    /** A failing statement was halved. */
    void split();

    /** A chunk's write is tried again, for the reason given. */
    void retried(Retried reason);

    /** Why a chunk's write was tried again. */
    enum Retried {
        /** SQLSTATE 40001. */
        SERIALIZATION_FAILURE("serialization_failure"),
        /** SQLSTATE 40P01. */
        DEADLOCK("deadlock"),
        /** Its connection broke before or during its COMMIT. */
        CONNECTION_LOST("connection_lost"),
        /** A statement, COMMIT or connection acquire had no answer within {@code tally.ingest.database-wait}. */
        NO_ANSWER("no_answer"),
        /** No connection could be had: the database is away. */
        DATABASE_UNREACHABLE("database_unreachable"),
        /** It rolled back to be written again in its turn: it blocked an earlier chunk, or a row was refused early. */
        TURN("turn");

        private final String tag;

        Retried(String tag) {
            this.tag = tag;
        }

        /** The metric's {@code reason} tag. */
        public String tag() {
            return tag;
        }
    }
}
