package dev.tally.system;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an unreachable database into one line saying what to start, instead of a stack trace. */
class DatabaseUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<DatabaseUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DatabaseUnavailableException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Start PostgreSQL: `docker compose up -d db`, or a local PostgreSQL on localhost:5432,"
                        + " or point TALLY_DB_URL / TALLY_DB_USER / TALLY_DB_PASSWORD at one.",
                cause);
    }
}
