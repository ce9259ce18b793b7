package dev.tally.cli;

import io.netty.handler.timeout.TimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.PrematureCloseException;

/**
 * What went wrong, in the words a user of a terminal knows ("connection refused", "permission
 * denied"), never a Java class name: {@code toString()} of an exception starts with one.
 */
final class ErrorText {

    private ErrorText() {}

    static String of(Throwable error) {
        return switch (error) {
            case ConnectException e -> connect(e);
            case UnknownHostException e -> "the host name could not be resolved";
            case NoRouteToHostException e -> "no route to the host";
            case SSLException e -> "the TLS handshake failed" + detail(e);
            case PrematureCloseException e -> "the connection closed before the answer ended";
            case ClosedChannelException e -> "the connection closed";
            case SocketException e -> lower(e.getMessage(), "the connection broke");
            case TimeoutException e -> "timed out";
            case java.util.concurrent.TimeoutException e -> "timed out";
            case NoSuchFileException e -> "no such file";
            case AccessDeniedException e -> "permission denied";
            default -> lower(error.getMessage(), "an error that says nothing more");
        };
    }

    private static String connect(ConnectException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("refused")) {
            return "connection refused (is the service running, and on that port?)";
        }
        return message.contains("timed out") ? "the connection timed out" : lower(message, "cannot connect");
    }

    private static String detail(Throwable e) {
        return e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
    }

    /** A message such as "Connection reset", as the rest of a sentence. */
    private static String lower(@Nullable String message, String otherwise) {
        if (message == null || message.isBlank()) {
            return otherwise;
        }
        return Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }
}
