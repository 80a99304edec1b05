package dev.memorag.memory.lm;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes PyTorch's OpenMP worker threads sleep instead of spin while waiting ({@code OMP_WAIT_POLICY=PASSIVE}), unless
 * the user set {@code OMP_WAIT_POLICY} or the system property {@code memorag.omp.passive=false}.
 *
 * <p>Why: with the default policy the workers busy-wait at every barrier; when the cores are shared with other
 * processes a descheduled worker stalls every matrix product by a time slice. Measured on the 2-core CI machine under
 * load, decode of a 0.5B model went from 2.3 s to 0.21 s per token. OpenMP reads the variable once, when the native
 * library loads, so this must run before the PyTorch engine is first used in the JVM; later calls have no effect.
 *
 * <p>Thread-safety: thread-safe (runs once).
 */
public final class NativeThreading {
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
        if (System.getenv("OMP_WAIT_POLICY") != null
                || "false".equalsIgnoreCase(System.getProperty("memorag.omp.passive"))
                || Platform.isWindows()) {
            return;
        }
        try {
            CLib c = Native.load("c", CLib.class);
            if (c.setenv("OMP_WAIT_POLICY", "PASSIVE", 0) == 0) {
                LOG.debug("set OMP_WAIT_POLICY=PASSIVE before loading PyTorch");
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("could not set OMP_WAIT_POLICY: {}", e.toString());
        }
    }
}
