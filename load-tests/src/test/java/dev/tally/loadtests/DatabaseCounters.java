package dev.tally.loadtests;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * PostgreSQL's cumulative statistics for the run's database and the {@code customers} table. The
 * differences across a run show work that left no trace in the table: transactions rolled back
 * (for example a chunk that waited past {@code tally.ingest.commit-patience} for its turn) and rows
 * inserted by them. Backends report these counters lazily (PostgreSQL 15: within about 10 s of going
 * idle), so the after hook waits before reading them.
 */
record DatabaseCounters(long commits, long rollbacks, long customersInserted) {

    static DatabaseCounters read(Connection db) throws SQLException {
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("""
                        SELECT d.xact_commit, d.xact_rollback, coalesce(t.n_tup_ins, 0)
                        FROM pg_stat_database d
                        LEFT JOIN pg_stat_user_tables t ON t.relid = 'customers'::regclass
                        WHERE d.datname = current_database()""")) {
            rs.next();
            return new DatabaseCounters(rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }
}
