package dev.memorag.memory.beacon;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.MemoryModel;
import dev.memorag.gguf.GgufFile;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.state.StorageType;
import dev.memorag.spi.MemoryModelProvider;
import dev.memorag.spi.ProviderOptions;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Creates memory models from local checkpoint directories or {@code .gguf} files: a beacon model when {@code config.json} has
 * {@code beacon_*} keys ({@link BeaconMemoryModel}), otherwise a full-KV long-context memory
 * ({@link FullKvMemoryModel}). Options: {@code device} and {@code dtype} (see {@link RuntimeOptions#of(String,
 * String)}), {@value ProviderOptions#BEACON_RATIO}, {@code max_tokens} (limit on the
 * memorised text, model tokens), {@code state_dtype} ({@code float32} or {@code float16} storage of saved states).
 *
 * <p>Thread-safety: stateless.
 */
public final class LocalMemoryModelProvider implements MemoryModelProvider {
    /** Option: texts longer than this many model tokens are rejected. */
    public static final String MAX_TOKENS = "max_tokens";
    /** Option: storage type of saved states. */
    public static final String STATE_DTYPE = "state_dtype";

    @Override
    public boolean supports(String reference) {
        try {
            Path p = Path.of(reference);
            return GgufFile.isGgufFile(p) || Files.isRegularFile(p.resolve("config.json")) && Files.isRegularFile(p.resolve("tokenizer.json"));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    @Override
    public MemoryModel create(String reference, ProviderOptions options) {
        Path dir = Path.of(reference);
        long max = options.intValue(MAX_TOKENS, 0);
        String dtype = options.get(STATE_DTYPE).orElse("float32");
        StorageType st = switch (dtype) {
            case "float32" -> StorageType.FLOAT32;
            case "float16" -> StorageType.FLOAT16;
            default -> throw new InvalidInputException("option '" + STATE_DTYPE + "' must be float32 or float16, was '"
                    + dtype + "'");
        };
        if (BeaconConfig.isBeaconModel(dir)) {
            Integer ratio = options.get(ProviderOptions.BEACON_RATIO).isPresent()
                    ? options.intValue(ProviderOptions.BEACON_RATIO, 4) : null;
            return BeaconMemoryModel.load(dir, ratio, max, st, RuntimeOptions.of(options));
        }
        return FullKvMemoryModel.load(dir, max, st, RuntimeOptions.of(options));
    }
}
