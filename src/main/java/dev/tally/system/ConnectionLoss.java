package dev.tally.system;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * Whether a failure means the database connection was lost or could not be had, not a defect or a
 * refusal: the one answer for the write path's retries and recovery, the job's error code, the
 * followers' patience and the logs. Spring's translation of a failure to obtain a connection is
 * one whatever its cause's SQLSTATE (a database not accepting connections is 55000, a server at its
 * limit 53300). Otherwise the outermost failure in the chain of causes that has a SQLSTATE or is a
 * resource failure decides: the SQLSTATE of a connection exception (08) or of a shutdown or
 * "cannot connect now" (57P01–57P03) is a loss, others are not; an I/O failure, or one of the
 * driver's resource failures without a SQLSTATE (a closed connection, a wait without an answer),
 * is a loss.
 */
public final class ConnectionLoss {

    private static final Pattern LOST = Pattern.compile("08...|57P0[123]");

    private ConnectionLoss() {}

    public static boolean is(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof DataAccessResourceFailureException) {
                return true;
            }
            String state = sqlState(e);
            if (state != null) {
                return LOST.matcher(state).matches();
            }
            if (e instanceof IOException
                    || e instanceof R2dbcNonTransientResourceException
                    || e instanceof R2dbcTransientResourceException) {
                return true;
            }
        }
        return false;
    }

    /** The first SQLSTATE in the chain of causes, if any. */
    public static @Nullable String firstSqlState(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            String state = sqlState(e);
            if (state != null) {
                return state;
            }
        }
        return null;
    }

    private static @Nullable String sqlState(Throwable e) {
        return e instanceof R2dbcException r2dbc ? r2dbc.getSqlState() : null;
    }
}
