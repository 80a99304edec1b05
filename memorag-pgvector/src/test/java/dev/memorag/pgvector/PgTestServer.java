package dev.memorag.pgvector;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test server that {@code scripts/pg-test-server.sh start} prints: {@code MEMORAG_PG_URL} (or system property
 * {@code memorag.pg.url}), {@code MEMORAG_PG_PASSWORD}, and {@code MEMORAG_PG_CONTROL} (the script, for the fault tests
 * that stop and restart the server). Without them the tests that need a server skip (under {@code CI=true} they fail:
 * {@code .ci/run} always starts one).
 */
final class PgTestServer {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    private PgTestServer() {
    }

    static String url() {
        String p = System.getProperty("memorag.pg.url");
        if (p != null && !p.isBlank() && !p.startsWith("${")) {
            return p;
        }
        return System.getenv("MEMORAG_PG_URL");
    }

    /** Skips the calling test when no server is configured. */
    static void assumeServer() {
        String u = url();
        if ((u == null || u.isBlank()) && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but MEMORAG_PG_URL is not set: .ci/run must start the test server");
        }
        assumeTrue(u != null && !u.isBlank(), "no PostgreSQL + pgvector test server: run `eval \"$(scripts/"
                + "pg-test-server.sh start)\"` first (MEMORAG_PG_URL is not set); .ci/run does this");
    }

    /** A namespace no other test (or earlier run against the same server) uses. */
    static String freshNamespace(String prefix) {
        return prefix + "_" + RUN + "_" + NAMESPACES.incrementAndGet();
    }

    static PgVectorConfig.Builder config(String prefix) {
        assumeServer();
        return PgVectorConfig.builder(url()).schema("memorag_test").namespace(freshNamespace(prefix))
                .connectTimeoutSeconds(3);
    }

    /** Runs {@code scripts/pg-test-server.sh pause|resume}; skips when the script is not configured. */
    static void control(String action) throws IOException, InterruptedException {
        String script = System.getenv("MEMORAG_PG_CONTROL");
        assumeTrue(script != null && !script.isBlank(), "MEMORAG_PG_CONTROL is not set: the fault test needs the "
                + "pg-test-server.sh script to stop and restart the server");
        Process p = new ProcessBuilder("bash", script, action).inheritIO().start();
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(script + " " + action + " failed");
        }
    }
}
