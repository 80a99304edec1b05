package dev.memorag.model;

import dev.memorag.error.ModelNotFoundException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a model reference that no provider understands as written becomes local files, the same way for every kind of
 * component (memory model, embedder, generator, the chat model of MemoRAG-Lite):
 * <ol>
 *   <li>an existing file or directory: itself (a {@code .gguf} file is just such a file);</li>
 *   <li>something written as a path ({@code /...}, {@code ./...}, {@code ~...}, a {@code .gguf} name, more than one
 *       {@code /}) that does not exist: {@link ModelNotFoundException} "no such file or directory";</li>
 *   <li>a hub id {@code ORG/NAME}, optionally {@code ORG/NAME@REVISION} (branch, tag or commit; default
 *       {@value ModelResolver#DEFAULT_REVISION}): its snapshot in the Hugging Face cache through
 *       {@link ModelResolver}, downloaded only when allowed; an uncached id fails saying it is not in the cache and
 *       downloading is not allowed;</li>
 *   <li>anything else ({@code openai:...}, a bare name): not a model location, so empty.</li>
 * </ol>
 *
 * <p>Thread-safety: stateless and thread-safe.
 */
public final class ModelReferences {
    /** Separates a hub id from its revision: {@code ORG/NAME@REVISION}. */
    public static final char REVISION_SEPARATOR = '@';

    private ModelReferences() {
    }

    /**
     * The local files {@code reference} names, or empty when it is not a model location.
     *
     * @param allowDownload whether a hub id missing from the cache may be downloaded
     * @throws ModelNotFoundException for a path that does not exist, or a hub id that is not cached and may not be
     *     downloaded
     */
    public static Optional<Path> resolve(String reference, boolean allowDownload) {
        String ref = reference.strip();
        Path path = asPath(ref);
        if (path != null && Files.exists(path)) {
            return Optional.of(path.toAbsolutePath().normalize());
        }
        int at = ref.lastIndexOf(REVISION_SEPARATOR);
        String id = at < 0 ? ref : ref.substring(0, at);
        if (RepoId.isValid(id) && id.contains("/")) {
            String revision = at < 0 ? null : ref.substring(at + 1);
            return Optional.of(ModelResolver.builder().allowDownload(allowDownload).build().resolve(id, revision));
        }
        if (path != null && writtenAsPath(ref)) {
            throw new ModelNotFoundException("no such file or directory: " + path.toAbsolutePath().normalize());
        }
        return Optional.empty();
    }

    private static Path asPath(String ref) {
        try {
            return Path.of(ref.startsWith("~" + File.separator) ? System.getProperty("user.home") + ref.substring(1)
                    : ref);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean writtenAsPath(String ref) {
        return ref.startsWith("/") || ref.startsWith(".") || ref.startsWith("~") || ref.endsWith(".gguf")
                || ref.indexOf('/') != ref.lastIndexOf('/') || ref.contains(File.separator)
                || Path.of(ref).isAbsolute();
    }
}
