package dev.memorag.memory.lm;

import dev.memorag.error.UnsupportedFormatException;
import java.util.Locale;

/**
 * Decoder families this runtime executes, keyed by {@code config.json}'s {@code model_type}.
 *
 * <p>Thread-safety: immutable.
 */
public enum ModelFamily {
    /** Qwen2 / Qwen2.5: q/k/v projections carry biases. */
    QWEN2("qwen2", true),
    /** Mistral: no biases. */
    MISTRAL("mistral", false),
    /** Llama 2/3.x: biases only when {@code attention_bias} is set. */
    LLAMA("llama", false);

    private final String modelType;
    private final boolean defaultQkvBias;

    ModelFamily(String modelType, boolean defaultQkvBias) {
        this.modelType = modelType;
        this.defaultQkvBias = defaultQkvBias;
    }

    /** The {@code model_type} spelling. */
    public String modelType() {
        return modelType;
    }

    /** Whether q/k/v have biases when the config does not say otherwise. */
    public boolean defaultQkvBias() {
        return defaultQkvBias;
    }

    /**
     * Maps a {@code model_type} to a family.
     *
     * @throws UnsupportedFormatException naming the family when it is not supported
     */
    public static ModelFamily fromModelType(String modelType, String source) {
        String t = modelType == null ? "" : modelType.toLowerCase(Locale.ROOT);
        for (ModelFamily f : values()) {
            if (f.modelType.equals(t)) {
                return f;
            }
        }
        throw new UnsupportedFormatException(source + ": unsupported model family (model_type) '" + modelType
                + "'; supported: qwen2, mistral, llama");
    }
}
