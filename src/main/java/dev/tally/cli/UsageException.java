package dev.tally.cli;

/** The command line cannot be run as given: exit 64 with the message and a pointer to the help. */
final class UsageException extends RuntimeException {

    final String command;

    UsageException(String command, String message) {
        super(message);
        this.command = command;
    }
}
