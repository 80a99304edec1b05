package dev.memorag.memory.lm.quant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernel behind {@link Int8Matrix}, once per JVM: the Vector API ({@code jdk.incubator.vector}) when that
 * module is in the boot layer, i.e. the JVM was started with {@code --add-modules jdk.incubator.vector} (JDK 17 to
 * 25), and plain Java otherwise. The system property {@code memorag.int8.kernel=scalar} forces plain Java.
 *
 * <p>Warm-up: until C2 has compiled it, Vector API code runs hundreds of times slower than plain Java (every vector
 * operation allocates in the interpreter and in C1), for the first seconds of a JVM. So a daemon thread exercises the
 * vector kernel on a small matrix until its calls are fast, and products use the scalar kernel until then.
 *
 * <p>Thread-safety: immutable after class initialisation.
 */
public final class Int8Kernels {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final Logger LOG = LoggerFactory.getLogger(Int8Kernels.class);
    private static final Kernel VECTOR = loadVectorKernel();
    private static final Kernel ACTIVE = choose();
    /** Set once the warm-up thread has seen the vector kernel run at compiled speed. */
    private static volatile boolean vectorWarm;

    private Int8Kernels() {
    }

    /** The kernel in use, e.g. {@code "vector-api 256-bit"} or {@code "scalar"}. */
    public static String kernelName() {
        return ACTIVE.name();
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer. */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The kernel products use now: the chosen one, or the scalar one while the vector kernel warms up. */
    static Kernel active() {
        return ACTIVE == VECTOR && !vectorWarm ? ScalarKernel.INSTANCE : ACTIVE;
    }

    /** The chosen kernel, warm or not. */
    static Kernel chosen() {
        return ACTIVE;
    }

    /** Whether {@link #active()} has switched to the chosen kernel. */
    static boolean warm() {
        return ACTIVE != VECTOR || vectorWarm;
    }

    /** Blocks until the chosen kernel is warm or {@code millis} have passed; returns {@link #warm()}. */
    static boolean awaitWarm(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!warm() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return warm();
    }

    static Kernel scalar() {
        return ScalarKernel.INSTANCE;
    }

    /** The Vector API kernel, or {@code null} when the module is absent or the platform's vectors do not fit. */
    static Kernel vector() {
        return VECTOR;
    }

    private static Kernel loadVectorKernel() {
        if (!vectorModulePresent()) {
            return null;
        }
        try {
            // Reflection keeps every jdk.incubator.vector reference out of classes that load without the module.
            return (Kernel) Class.forName(Int8Kernels.class.getPackageName() + ".VectorKernel")
                    .getDeclaredField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("int8: the Vector API kernel is unavailable ({}); using the scalar kernel", e.toString());
            return null;
        }
    }

    /**
     * Runs {@code k} on every path the products take (row groups and a remainder row, a partial last block, one and
     * several inputs, dequantisation) until a round of calls is 50 times faster than the first, or 20 s have passed.
     * Every path matters: one left cold would be compiled with a trap that sends it back to the interpreter later.
     */
    static void warmUp(Kernel k) {
        int rows = 5;
        int cols = 2 * Int8Matrix.BLOCK + 5;
        byte[] q = new byte[rows * cols];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) (i * 37);
        }
        float[] scales = new float[rows * Int8Matrix.blocksPerRow(cols)];
        java.util.Arrays.fill(scales, 0.01f);
        float[] x = new float[5 * cols];
        java.util.Arrays.fill(x, 0.5f);
        float[] y = new float[5 * rows];
        float[] row = new float[cols];
        long deadline = System.nanoTime() + 20_000_000_000L;
        long first = -1;
        while (System.nanoTime() < deadline) {
            long t = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                k.multiply(q, scales, rows, cols, x, 1, y, 0, rows);
                k.multiply(q, scales, rows, cols - 5, x, 1, y, 0, rows);
                k.multiply(q, scales, rows, cols, x, 3, y, 0, rows);
                k.multiply(q, scales, rows, cols, x, 5, y, 0, rows);
                k.dequantizeRow(q, scales, cols, i % rows, row, 0);
            }
            long el = System.nanoTime() - t;
            if (first < 0) {
                first = el;
            } else if (el * 50 < first) {
                break;
            }
        }
        vectorWarm = true;
        LOG.debug("int8: {} warm", k.name());
    }

    private static Kernel choose() {
        String forced = System.getProperty("memorag.int8.kernel", "auto").trim();
        if (!"auto".equals(forced) && !"scalar".equals(forced)) {
            LOG.warn("int8: ignoring system property memorag.int8.kernel={} (expected auto or scalar)", forced);
        }
        Kernel chosen = "scalar".equals(forced) || VECTOR == null ? ScalarKernel.INSTANCE : VECTOR;
        if (chosen == VECTOR) {
            Thread t = new Thread(() -> warmUp(VECTOR), "memorag-int8-warmup");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
        LOG.debug("int8 kernel: {} (module {} {})", chosen.name(), VECTOR_MODULE,
                vectorModulePresent() ? "present" : "absent: start the JVM with --add-modules " + VECTOR_MODULE);
        return chosen;
    }
}
