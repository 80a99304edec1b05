package dev.memorag.spi;

import dev.memorag.error.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Turns a failure to start one of DJL's engines into a {@link ModelException} that names the artifacts to add.
 *
 * <p>Why: DJL's PyTorch engine looks for its native library in the {@code ai.djl.pytorch:pytorch-native-*} and
 * {@code pytorch-jni} jars and, when they are missing, downloads it from publish.djl.ai; offline this surfaces as an
 * {@code UnknownHostException} inside an {@code EngineException}, and through ONNX Runtime (which borrows PyTorch
 * for array operations while its NDManager class initialises) inside an {@link ExceptionInInitializerError} and then
 * {@link NoClassDefFoundError}s. None of them says which dependency is missing. Providers built on DJL run the calls
 * that start an engine through {@link #start}.
 *
 * <p>Core does not depend on DJL: this only reads class-path resources and class names. The versions named come from
 * the {@code pytorch-engine.properties} of the DJL PyTorch engine on the class path, so they match it.
 *
 * <p>Thread-safety: stateless.
 */
public final class DjlNatives {
    /** DJL's exception for engine failures (not referenced as a class: core does not depend on DJL). */
    private static final String ENGINE_EXCEPTION = "ai.djl.engine.EngineException";
    /** Resource of the pytorch-native-* jars. */
    private static final String NATIVE_RESOURCE = "native/lib/pytorch.properties";
    /** Resource of the pytorch-jni jar. */
    private static final String JNI_RESOURCE = "jnilib/pytorch.properties";
    /** Resource of the pytorch-engine jar, with the DJL and PyTorch versions it was built for. */
    private static final String ENGINE_RESOURCE = "pytorch-engine.properties";

    private DjlNatives() {
    }

    /**
     * Runs {@code start}, which starts a DJL engine (creates a model, a base NDManager, asks for the GPU count).
     *
     * @param what what was being created, for the message (e.g. "the ONNX embedder bge-small-en-v1.5-q")
     * @throws ModelException when the engine's native code cannot be loaded; the message names the missing
     *     artifacts with their versions, or the cause when they are present
     */
    public static <T> T start(String what, Supplier<T> start) {
        try {
            return start.get();
        } catch (ExceptionInInitializerError | NoClassDefFoundError | UnsatisfiedLinkError e) {
            throw failure(what, e);
        } catch (RuntimeException e) {
            if (isEngineFailure(e)) {
                throw failure(what, e);
            }
            throw e;
        }
    }

    private static boolean isEngineFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (ENGINE_EXCEPTION.equals(c.getClass().getName())) {
                return true;
            }
        }
        return false;
    }

    private static ModelException failure(String what, Throwable e) {
        ClassLoader cl = DjlNatives.class.getClassLoader();
        boolean nativeJar = cl.getResource(NATIVE_RESOURCE) != null;
        boolean jniJar = cl.getResource(JNI_RESOURCE) != null;
        String cause = rootCause(e);
        if (nativeJar && jniJar) {
            return new ModelException("cannot create " + what + ": DJL could not load PyTorch's native library ("
                    + cause + "); " + requiredArtifacts(true, true) + " must match the DJL engine on the class path",
                    e);
        }
        return new ModelException("cannot create " + what + ": PyTorch's native library is not on the class path, "
                + "and DJL could not download it (" + cause + "); add " + requiredArtifacts(!nativeJar, !jniJar)
                + " as runtime dependencies (dev.memorag:memorag-all brings them; for CUDA use the matching "
                + "ai.djl.pytorch:pytorch-native-cu* artifact instead of pytorch-native-cpu)", e);
    }

    /** The pytorch-native and pytorch-jni coordinates that DJL's PyTorch engine on the class path needs. */
    static String requiredArtifacts(boolean includeNative, boolean includeJni) {
        Properties versions = engineVersions();
        String pytorch = versions.getProperty("pytorch_version");
        String djl = versions.getProperty("djl_version");
        String nativeArtifact = "ai.djl.pytorch:pytorch-native-cpu:" + (pytorch == null ? "<PyTorch version>" : pytorch)
                + " (classifier " + platform() + ")";
        String jniArtifact = "ai.djl.pytorch:pytorch-jni:"
                + (pytorch == null || djl == null ? "<PyTorch version>-<DJL version>" : pytorch + "-" + djl);
        if (includeNative && includeJni) {
            return nativeArtifact + " and " + jniArtifact;
        }
        return includeNative ? nativeArtifact : jniArtifact;
    }

    private static Properties engineVersions() {
        Properties p = new Properties();
        try (InputStream in = DjlNatives.class.getClassLoader().getResourceAsStream(ENGINE_RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the message then shows placeholders instead of versions
        }
        return p;
    }

    /** DJL's name for this machine's platform, as in the pytorch-native classifiers. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.startsWith("mac") ? "osx" : os.startsWith("windows") ? "win" : os.replace(' ', '-');
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("arm64") || arch.equals("aarch64") ? "aarch64" : arch;
        return osName + "-" + archName;
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
