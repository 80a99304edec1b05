package dev.memorag.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the repository's {@code src-test-data} folder (copies of the shared golden fixtures and tokenizers) from any
 * module's tests: the {@code memorag.testdata} system property set by Surefire, else the nearest ancestor holding it.
 */
public final class TestData {
    private TestData() {
    }

    public static Path root() {
        String prop = System.getProperty("memorag.testdata");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop);
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("src-test-data");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("src-test-data not found from " + Paths.get("").toAbsolutePath());
    }

    /** A path under {@code src-test-data}, e.g. {@code path("golden/qwen2/golden.json")}. */
    public static Path path(String relative) {
        return root().resolve(relative);
    }
}
