package dev.memorag.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.api.Generator;
import dev.memorag.gguf.GgufFile;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.spi.GeneratorProvider;
import dev.memorag.spi.ProviderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Creates a {@link LocalGenerator} for references that are local model directories ({@code config.json} and
 * {@code tokenizer.json} present and no {@code beacon_*} keys: beacon memory models have their own provider) or
 * {@code .gguf} files.
 * Options: {@link ProviderOptions#DEVICE} ({@code cpu}, {@code cuda}, {@code auto}) and {@link ProviderOptions#DTYPE}
 * ({@code fp32}, {@code fp16}, {@code int8}).
 *
 * <p>Thread-safety: stateless.
 */
public final class LocalGeneratorProvider implements GeneratorProvider {

    @Override
    public boolean supports(String reference) {
        Path dir;
        try {
            dir = Path.of(reference);
        } catch (InvalidPathException e) {
            return false;
        }
        if (GgufFile.isGgufFile(dir)) {
            return true;
        }
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config) || !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return false;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(config.toFile());
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                if (it.next().startsWith("beacon_")) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Generator create(String reference, ProviderOptions options) {
        return LocalGenerator.builder().modelDirectory(Path.of(reference)).runtimeOptions(RuntimeOptions.of(options))
                .build();
    }
}
