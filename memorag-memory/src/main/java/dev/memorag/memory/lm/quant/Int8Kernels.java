package dev.memorag.memory.lm.quant;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernel behind {@link Int8Matrix}, once per JVM: the Vector API ({@code jdk.incubator.vector}) when that
 * module is in the boot layer, i.e. the JVM was started with {@code --add-modules jdk.incubator.vector} (JDK 17 to
 * 25), and plain Java otherwise. The system property {@code memorag.int8.kernel=scalar} forces plain Java.
 *
 * <p>Warm-up: until C2 has compiled it, Vector API code runs hundreds of times slower than plain Java (every vector
 * operation allocates in the interpreter and in C1). So when this class loads (the first {@link Int8Matrix} is
 * created, usually while a model is being quantised) a daemon thread exercises the vector kernel on a small matrix
 * until its calls are fast (~1-1.5 s of CPU), and the first product waits for that (at most
 * {@value #WARM_WAIT_MILLIS} ms). Products never switch kernels mid-run, so results are reproducible within a JVM.
 *
 * <p>Thread-safety: immutable after class initialisation.
 */
public final class Int8Kernels {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** How long the first product waits for the warm-up; after that it runs the (slow) cold vector kernel. */
    static final long WARM_WAIT_MILLIS = 30_000;

    private static final Logger LOG = LoggerFactory.getLogger(Int8Kernels.class);
    private static final Kernel VECTOR = loadVectorKernel();
    /** Opens once the chosen kernel runs at compiled speed (at once for the scalar kernel). */
    private static final CountDownLatch WARM = new CountDownLatch(1);
    private static final Kernel ACTIVE = choose();

    private Int8Kernels() {
    }

    /** The kernel in use, e.g. {@code "vector-api 256-bit"} or {@code "scalar"}. */
    public static String kernelName() {
        return ACTIVE.name();
    }

    /** Loads this class, which starts the warm-up; called when a matrix is created so the two overlap. */
    static void prepare() {
        // class initialisation does the work
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer. */
    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The chosen kernel, once it is warm (waits for the warm-up at most {@value #WARM_WAIT_MILLIS} ms). */
    static Kernel active() {
        if (WARM.getCount() != 0) {
            awaitWarm(WARM_WAIT_MILLIS);
        }
        return ACTIVE;
    }

    /** The chosen kernel, warm or not. */
    static Kernel chosen() {
        return ACTIVE;
    }

    /** Whether the chosen kernel runs at compiled speed. */
    static boolean warm() {
        return WARM.getCount() == 0;
    }

    /** Blocks until the chosen kernel is warm or {@code millis} have passed; returns {@link #warm()}. */
    static boolean awaitWarm(long millis) {
        try {
            return WARM.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return warm();
        }
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
        short[] scales = new short[rows * Int8Matrix.blocksPerRow(cols)];
        java.util.Arrays.fill(scales, Half.fromFloat(0.01f));
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
                k.exerciseRowGroups(q, scales, rows, cols, x, y);
                k.dequantizeRow(q, scales, cols, i % rows, row, 0);
            }
            long el = System.nanoTime() - t;
            if (first < 0) {
                first = el;
            } else if (el * 50 < first) {
                break;
            }
        }
        WARM.countDown();
        LOG.debug("int8: {} warm", k.name());
    }

    private static Kernel choose() {
        String forced = System.getProperty("memorag.int8.kernel", "auto").trim();
        if (!"auto".equals(forced) && !"scalar".equals(forced)) {
            LOG.warn("int8: ignoring system property memorag.int8.kernel={} (expected auto or scalar)", forced);
        }
        Kernel chosen = "scalar".equals(forced) || VECTOR == null ? ScalarKernel.INSTANCE : VECTOR;
        if (chosen != VECTOR) {
            WARM.countDown();
        } else {
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
