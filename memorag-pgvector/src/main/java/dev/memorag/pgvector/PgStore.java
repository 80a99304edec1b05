package dev.memorag.pgvector;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.memorag.error.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;

/**
 * One connection pool to a store plus the names of its tables and the translation of driver errors into
 * {@link StoreException}s (retryable when the server is unreachable or shutting down).
 *
 * <p>Thread-safety: thread-safe (the pool is).
 */
final class PgStore implements AutoCloseable {
    /** The catalog table: one row per namespace (memory). */
    static final String CATALOG = "memorag_namespaces";

    final PgVectorConfig config;
    private final HikariDataSource pool;

    PgStore(PgVectorConfig config, String password) {
        this.config = config;
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.url());
        if (password != null) {
            hc.setPassword(password);
        }
        hc.setPoolName("memorag-pgvector-" + config.namespace());
        hc.setMaximumPoolSize(config.poolSize());
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(config.connectTimeoutSeconds() * 1000L);
        // The pool starts even when the server is down; the first call then fails with a retryable StoreException.
        hc.setInitializationFailTimeout(-1);
        hc.addDataSourceProperty("connectTimeout", Integer.toString(config.connectTimeoutSeconds()));
        hc.addDataSourceProperty("ApplicationName", "memorag");
        this.pool = new HikariDataSource(hc);
    }

    /** A pooled connection in auto-commit mode. */
    Connection connection(String operation) {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /** The schema, the pgvector extension and the catalog, created when missing (serialised by an advisory lock). */
    void ensureSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('memorag-pgvector-ddl'))");
            s.execute("CREATE EXTENSION IF NOT EXISTS vector");
            s.execute("CREATE SCHEMA IF NOT EXISTS " + config.schema());
            s.execute("CREATE TABLE IF NOT EXISTS " + config.schema() + "." + CATALOG + " ("
                    + "namespace text PRIMARY KEY, table_tag bigint NOT NULL, generation bigint NOT NULL, "
                    + "embedder_id text NOT NULL, dimension int NOT NULL, search text NOT NULL, "
                    + "text_search_config text NOT NULL, updated timestamptz NOT NULL DEFAULT now())");
        }
    }

    String catalog() {
        return config.schema() + "." + CATALOG;
    }

    String chunks(long tag) {
        return config.schema() + ".c_" + config.namespace() + "_" + tag;
    }

    String vectors(long tag) {
        return config.schema() + ".v_" + config.namespace() + "_" + tag;
    }

    /** The error for a failed {@code operation}, naming the store (never the password) and whether to retry. */
    StoreException failure(String operation, SQLException e) {
        boolean retry = retryable(e);
        return new StoreException("PostgreSQL store " + config.where() + ": " + operation + " failed: "
                + e.getMessage() + (retry ? " (retryable: the server is unreachable or restarting; repeat the call "
                        + "when it is back)" : ""), retry, e);
    }

    /** Connection failures (SQLSTATE class 08), shutdowns (57P01-57P03), serialisation failures and pool timeouts. */
    static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String st = s.getSQLState();
                if (st.startsWith("08") || st.equals("57P01") || st.equals("57P02") || st.equals("57P03")
                        || st.equals("40001") || st.equals("40P01")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        pool.close();
    }
}
