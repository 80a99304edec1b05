package dev.memorag.memory.lm.quant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernel behind {@link Int8Matrix}, once per JVM: the Vector API ({@code jdk.incubator.vector}) when that
 * module is in the boot layer, i.e. the JVM was started with {@code --add-modules jdk.incubator.vector} (JDK 17 to
 * 25), and plain Java otherwise. The system property {@code memorag.int8.kernel=scalar} forces plain Java.
 *
 * <p>Thread-safety: immutable after class initialisation.
 */
public final class Int8Kernels {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final Logger LOG = LoggerFactory.getLogger(Int8Kernels.class);
    private static final Kernel VECTOR = loadVectorKernel();
    private static final Kernel ACTIVE = choose();

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

    static Kernel active() {
        return ACTIVE;
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

    private static Kernel choose() {
        String forced = System.getProperty("memorag.int8.kernel", "auto").trim();
        if (!"auto".equals(forced) && !"scalar".equals(forced)) {
            LOG.warn("int8: ignoring system property memorag.int8.kernel={} (expected auto or scalar)", forced);
        }
        Kernel chosen = "scalar".equals(forced) || VECTOR == null ? ScalarKernel.INSTANCE : VECTOR;
        LOG.debug("int8 kernel: {} (module {} {})", chosen.name(), VECTOR_MODULE,
                vectorModulePresent() ? "present" : "absent: start the JVM with --add-modules " + VECTOR_MODULE);
        return chosen;
    }
}
