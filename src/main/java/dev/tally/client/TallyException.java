package dev.tally.client;

import org.jspecify.annotations.Nullable;

/** Something went wrong talking to Tally. */
public sealed class TallyException extends RuntimeException
        permits TallyProblemException, TallyConnectionLostException {

    TallyException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
