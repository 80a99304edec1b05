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

    /** File name of the real-model fixture fetched by {@code scripts/fetch-smollm2.sh}. */
    public static final String SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf";

    /**
     * Where the SmolLM2 GGUF fixture is expected: the {@code memorag.smollm2.gguf} system property (set by Surefire),
     * else {@code $MEMORAG_FIXTURES} or {@code ~/.cache/memorag/fixtures}, as the fetch script places it. The file may
     * be absent; real-model tests skip then.
     */
    public static Path smollm2Gguf() {
        String prop = System.getProperty("memorag.smollm2.gguf");
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        String env = System.getenv("MEMORAG_FIXTURES");
        Path dir = env != null && !env.isBlank() ? Paths.get(env)
                : Paths.get(System.getProperty("user.home"), ".cache", "memorag", "fixtures");
        return dir.resolve(SMOLLM2_GGUF);
    }

    /** A path under {@code src-test-data}, e.g. {@code path("golden/qwen2/golden.json")}. */
    public static Path path(String relative) {
        return root().resolve(relative);
    }
}
