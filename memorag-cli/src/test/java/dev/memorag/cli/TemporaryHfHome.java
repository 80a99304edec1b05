package dev.memorag.cli;

import java.nio.file.Path;

/**
 * Points model references at a test's own Hugging Face cache: sets the system properties {@code HF_HOME} (which
 * {@code ModelResolver} reads before the environment) and {@code HF_HUB_OFFLINE=0} (Surefire sets 1; with 0 an
 * uncached id fails for the reason under test, that downloading was not allowed), and puts the previous values back on
 * {@link #close} (idempotent).
 */
final class TemporaryHfHome implements AutoCloseable {
    private static final String HOME = "HF_HOME";
    private static final String OFFLINE = "HF_HUB_OFFLINE";

    private final String previousHome = System.getProperty(HOME);
    private final String previousOffline = System.getProperty(OFFLINE);

    TemporaryHfHome(Path hfHome) {
        System.setProperty(HOME, hfHome.toString());
        System.setProperty(OFFLINE, "0");
    }

    @Override
    public void close() {
        restore(HOME, previousHome);
        restore(OFFLINE, previousOffline);
    }

    private static void restore(String name, String previous) {
        if (previous == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, previous);
        }
    }
}
