package dev.memorag.memory.lm;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long PyTorch's OpenMP workers spin before they sleep ({@code GOMP_SPINCOUNT}, default
 * {@value #DEFAULT_SPIN_COUNT} spins, about 30 us), unless the user set {@code GOMP_SPINCOUNT} or
 * {@code OMP_WAIT_POLICY}; the system property {@code memorag.omp.spincount} picks another count ({@code 0}: sleep at
 * once).
 *
 * <p>Why: decoding one token opens about 250 parallel regions (matrix products, softmax), and a worker that sleeps
 * between them needs 50-90 us to wake up on a virtual machine. libgomp's own default spins up to ~3 ms per region,
 * which starves the working threads when the cores are shared (2.3 s/token at load 8, against 0.21 s without
 * spinning). Measured decode of the 0.5B shape on the 2-core machine, idle / with one other busy process:
 * no spinning 103 / 160 ms/token, 3,000 spins 95 / 167, 10,000 spins 92 / 192. 3,000 keeps most of the idle gain
 * and costs little under contention. OpenMP reads the variable once, when the native library loads, so this must
 * run before the PyTorch engine is first used in the JVM; later calls have no effect.
 *
 * <p>Thread-safety: thread-safe (runs once).
 */
public final class NativeThreading {
    /** Spins before an idle OpenMP worker sleeps, when neither the environment nor the property says otherwise. */
    public static final long DEFAULT_SPIN_COUNT = 3_000;

    private static final Logger LOG = LoggerFactory.getLogger(NativeThreading.class);
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private NativeThreading() {
    }

    /** POSIX {@code setenv}, through JNA (a DJL dependency). */
    interface CLib extends Library {
        int setenv(String name, String value, int overwrite);
    }

    public static void configureBeforeEngineLoad() {
        if (!DONE.compareAndSet(false, true)) {
            return;
        }
        if (System.getenv("OMP_WAIT_POLICY") != null || System.getenv("GOMP_SPINCOUNT") != null
                || Platform.isWindows()) {
            return;
        }
        String spins = System.getProperty("memorag.omp.spincount", Long.toString(DEFAULT_SPIN_COUNT));
        if (!spins.matches("\\d{1,18}")) {
            LOG.warn("ignoring system property memorag.omp.spincount={} (expected a count >= 0)", spins);
            spins = Long.toString(DEFAULT_SPIN_COUNT);
        }
        try {
            CLib c = Native.load("c", CLib.class);
            if (c.setenv("GOMP_SPINCOUNT", spins, 0) == 0) {
                LOG.debug("set GOMP_SPINCOUNT={} before loading PyTorch", spins);
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("could not set GOMP_SPINCOUNT: {}", e.toString());
        }
    }
}
