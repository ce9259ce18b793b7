package dev.tally.system;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.io.IOException;
import org.springframework.dao.DataAccessResourceFailureException;

/** Whether a failure means the database connection was lost or could not be had, not a defect or a refusal. */
public final class ConnectionLoss {

    private ConnectionLoss() {}

    public static boolean is(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof IOException
                    || e instanceof R2dbcNonTransientResourceException
                    || e instanceof DataAccessResourceFailureException
                    || (e instanceof R2dbcException r2dbc
                            && r2dbc.getSqlState() != null
                            && r2dbc.getSqlState().matches("08...|57P0[123]"))) {
                return true;
            }
        }
        return false;
    }
}
