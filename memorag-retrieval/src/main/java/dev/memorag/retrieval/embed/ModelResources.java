package dev.memorag.retrieval.embed;

import dev.memorag.error.StorageException;
import dev.memorag.error.ModelNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Copies model files bundled as class-path resources into a cache directory, because ONNX Runtime and the Hugging Face
 * tokenizer read from files. The cache key includes the resource size, so an updated jar gets a fresh copy.
 *
 * <p>Thread-safety: thread-safe; concurrent extraction of the same resource writes distinct temp files and moves
 * them atomically into place.
 */
public final class ModelResources {
    private ModelResources() {
    }

    /** The cache directory: {@code $MEMORAG_CACHE/models} or {@code ~/.cache/memorag/models}. */
    public static Path cacheDir() {
        String env = System.getenv("MEMORAG_CACHE");
        Path base = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "memorag");
        return base.resolve("models");
    }

    /**
     * Returns a file holding the class-path resource {@code name}, extracting it when needed.
     *
     * @param hint the artifact that provides the resource, as groupId:artifactId:version, for the error
     * @throws ModelNotFoundException when the resource is not on the class path
     */
    public static Path extract(String name, String hint) {
        ClassLoader cl = ModelResources.class.getClassLoader();
        var url = cl.getResource(name);
        if (url == null) {
            throw new ModelNotFoundException("class-path resource '" + name + "' not found; add " + hint
                    + " to the class path (dev.memorag:memorag-all brings the bundled models)");
        }
        try {
            long size = url.openConnection().getContentLengthLong();
            Path dir = cacheDir().resolve("classpath");
            Files.createDirectories(dir);
            Path target = dir.resolve(size + "-" + name);
            if (Files.isRegularFile(target) && Files.size(target) == size) {
                return target;
            }
            Path tmp = Files.createTempFile(dir, name, ".part");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new StorageException("cannot extract class-path resource '" + name + "' to "
                    + cacheDir() + ": " + e.getMessage(), e);
        }
    }
}
