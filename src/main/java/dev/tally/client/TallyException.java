package dev.tally.client;

/** Something went wrong talking to Tally. */
public sealed class TallyException extends RuntimeException
        permits TallyProblemException, TallyConnectionLostException {

    TallyException(String message, Throwable cause) {
        super(message, cause);
    }
}
