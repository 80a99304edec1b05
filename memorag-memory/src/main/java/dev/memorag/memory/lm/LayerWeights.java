package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;

/**
 * The weights of one decoder layer, with q/k/v and gate/up stored fused so decoding runs one matrix product for each
 * group.
 *
 * <p>Internal runtime type (NDArray-based), not part of the library's public API. Thread-safety: immutable; owned by
 * the model's manager.
 *
 * @param inputNorm input_layernorm weight
 * @param qkv q_proj, k_proj and v_proj stacked by rows ({@code [(heads + 2 kvHeads) * headDim, hidden]}), with the
 *     stacked biases when the family has them
 * @param o o_proj (no bias)
 * @param postAttentionNorm post_attention_layernorm weight
 * @param gateUp mlp.gate_proj and mlp.up_proj stacked by rows ({@code [2 * intermediate, hidden]})
 * @param down mlp.down_proj
 */
public record LayerWeights(NDArray inputNorm, Projection qkv, Projection o, NDArray postAttentionNorm,
        Projection gateUp, Projection down) {
}
