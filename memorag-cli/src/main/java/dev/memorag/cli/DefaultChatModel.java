package dev.memorag.cli;

import dev.memorag.error.ModelNotFoundException;
import dev.memorag.model.ModelResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a small real chat model for commands that should work without configuration ({@code memorag demo}):
 * SmolLM2-135M-Instruct as the GGUF fixture that {@code scripts/fetch-smollm2.sh} places, else its Hugging Face
 * checkpoint in the hub cache, else (only when downloading is allowed) that checkpoint downloaded.
 *
 * <p>Thread-safety: stateless.
 */
final class DefaultChatModel {
    /** The hub checkpoint used when no GGUF fixture is present. */
    static final String REPO = "HuggingFaceTB/SmolLM2-135M-Instruct";
    /** The fixture's file name. */
    static final String GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf";
    private static final List<String> FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "model.safetensors");

    private DefaultChatModel() {
    }

    /** The fixture's expected location: {@code $MEMORAG_FIXTURES} or {@code ~/.cache/memorag/fixtures}. */
    static Path fixture(Map<String, String> env) {
        String dir = env.get("MEMORAG_FIXTURES");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "memorag", "fixtures");
        return base.resolve(GGUF);
    }

    /** A model reference (file or directory), if one is available locally or may be downloaded. */
    static Optional<String> find(boolean download, Map<String, String> env) {
        Path gguf = fixture(env);
        if (Files.isRegularFile(gguf)) {
            return Optional.of(gguf.toString());
        }
        ModelResolver resolver = ModelResolver.builder().env(env).allowDownload(false).build();
        try {
            return Optional.of(resolver.resolve(REPO).toString());
        } catch (ModelNotFoundException notCached) {
            if (!download || resolver.isOffline()) {
                return Optional.empty();
            }
        }
        return Optional.of(ModelResolver.builder().env(env).allowDownload(true).build().download(REPO, null, FILES)
                .toString());
    }
}
