package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;

/**
 * The weights of one decoder layer.
 *
 * <p>Internal runtime type (NDArray-based), not part of the library's public API. Thread-safety: immutable; owned by
 * the model's manager.
 *
 * @param inputNorm input_layernorm weight
 * @param q q_proj
 * @param k k_proj
 * @param v v_proj
 * @param o o_proj (no bias)
 * @param postAttentionNorm post_attention_layernorm weight
 * @param gate mlp.gate_proj
 * @param up mlp.up_proj
 * @param down mlp.down_proj
 */
public record LayerWeights(NDArray inputNorm, Projection q, Projection k, Projection v, Projection o,
        NDArray postAttentionNorm, Projection gate, Projection up, Projection down) {
}
