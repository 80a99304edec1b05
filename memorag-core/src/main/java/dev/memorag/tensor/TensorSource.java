package dev.memorag.tensor;

import java.util.Set;

/**
 * Named float tensors of a checkpoint, whatever the file format: the model loader reads safetensors and GGUF
 * checkpoints through this one role, so that precision conversion applies to both alike. Names and shapes follow the
 * Hugging Face conventions ({@code model.layers.0.self_attn.q_proj.weight}, shape {@code [out, in]}, row-major).
 *
 * <p>Thread-safety: implementations state their own; both in this library are safe for concurrent reads.
 */
public interface TensorSource extends AutoCloseable {
    /** Names of all tensors. */
    Set<String> names();

    /** Whether the checkpoint has {@code name}. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * Dimensions of {@code name}, outermost first.
     *
     * @throws dev.memorag.error.InvalidInputException when there is no such tensor
     */
    long[] shape(String name);

    /**
     * The values of {@code name} as float32, row-major, converted or dequantised from the stored type.
     *
     * @throws dev.memorag.error.InvalidInputException when there is no such tensor or its type is not a number type
     */
    float[] readFloats(String name);

    /** Releases the files; idempotent. */
    @Override
    void close();
}
