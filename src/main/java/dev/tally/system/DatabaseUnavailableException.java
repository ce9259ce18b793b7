package dev.tally.system;

/** PostgreSQL could not be reached at start-up; the message says where and what to start. */
public class DatabaseUnavailableException extends RuntimeException {

    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
