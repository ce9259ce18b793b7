package dev.tally.access;

import dev.tally.system.Problems;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** The scope checks of the handlers, each refusing with 403 and naming the scope that is missing. */
public final class Access {

    private Access() {}

    /** Uploading to the dataset, or cancelling one of its jobs. */
    public static void requireWrite(Caller caller, String dataset) {
        if (!caller.canWrite(dataset)) {
            throw missing("write:" + dataset);
        }
    }

    /** Seeing a dataset's description: its readers and its writers may. */
    public static void requireReadOrWrite(Caller caller, String dataset) {
        if (!caller.knows(dataset)) {
            throw missing("read:" + dataset + " or write:" + dataset);
        }
    }

    /** Listing a dataset's jobs. */
    public static void requireRead(Caller caller, String dataset) {
        if (!caller.canRead(dataset)) {
            throw missing("read:" + dataset);
        }
    }

    static ErrorResponseException missing(String scope) {
        return Problems.of(
                HttpStatus.FORBIDDEN, "Missing scope", "The token does not have the scope %s".formatted(scope));
    }
}
