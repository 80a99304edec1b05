package dev.memorag.retrieval.embed;

import dev.memorag.store.FileTrees;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes ONNX Runtime's native-library directory when the JVM exits.
 *
 * <p>Why: ONNX Runtime's Java loader extracts its libraries into a fresh {@code onnxruntime-java*} directory under
 * {@code java.io.tmpdir} in every JVM, and marks the directory for deletion on exit before the files in it. The JVM
 * deletes in reverse order of marking, so the directory is tried while still full and stays behind, empty, once per
 * run (133 of them had piled up on the development machine). The directory is a private field of ONNX Runtime's
 * loader; when it cannot be read this does nothing, and it only ever deletes a directory named
 * {@code onnxruntime-java*} directly under {@code java.io.tmpdir}.
 *
 * <p>Thread-safety: thread-safe (registers once per JVM).
 */
final class OrtTempDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(OrtTempDirectory.class);
    private static final AtomicBoolean REGISTERED = new AtomicBoolean();

    private OrtTempDirectory() {
    }

    /** Call after ONNX Runtime has loaded its libraries. */
    static void deleteOnExit() {
        if (!REGISTERED.compareAndSet(false, true)) {
            return;
        }
        Path dir;
        try {
            Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
            f.setAccessible(true);
            dir = (Path) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("ONNX Runtime's library directory is not readable, left to ONNX Runtime: {}", e.toString());
            return;
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        if (dir == null || !tmp.equals(dir.toAbsolutePath().normalize().getParent())
                || !dir.getFileName().toString().startsWith("onnxruntime-java")) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "memorag-ort-temp-cleanup"));
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.deleteRecursively(dir);
        } catch (IOException | RuntimeException e) {
            // at exit nobody can act on it; the JVM's own delete-on-exit still runs after this
        }
    }
}
