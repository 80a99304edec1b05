package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * One decoder layer:
 * <pre>
 *   x = inputNorm(h)
 *   q, k, v = split(qkv(x))                    // one product with the fused weight
 *   q, k = rope(q), rope(k)                    // one RoPE over the q and k heads together
 *   a = attend(q, [cached k; k], [cached v; v], mask)
 *   h = h + o(a)
 *   h = h + down(silu(gate(y)) * up(y)),  y = postAttentionNorm(h)
 * </pre>
 * Decoding a token runs every op once per layer, and each op is a native call with a fixed cost, so the layer is
 * written to use as few ops as the reference's arithmetic allows.
 *
 * <p>Internal runtime API (NDArray-based), not part of the library's public API. Every result lives in the manager of
 * the activation argument. Thread-safety: immutable; safe for concurrent use on distinct activations.
 */
public final class DecoderLayer {
    private final int index;
    private final ModelConfig config;
    private final LayerWeights weights;
    private final LayerConstants constants;

    DecoderLayer(int index, ModelConfig config, LayerWeights weights, LayerConstants constants) {
        this.index = index;
        this.config = config;
        this.weights = weights;
        this.constants = constants;
    }

    public int index() {
        return index;
    }

    /**
     * Runs the layer; attention covers the cache's keys plus the new ones (appended to {@code cache}).
     *
     * @param hidden {@code [B, T, hidden]}
     * @param cos RoPE table {@code [B, T, 1, D]}
     * @param sin RoPE table {@code [B, T, 1, D]}
     * @param mask additive mask {@code [B, 1, T, past+T]}, or null for none
     * @param cache the KV cache, or null to attend over the new tokens only
     */
    public NDArray forward(NDArray hidden, NDArray cos, NDArray sin, NDArray mask, KvCache cache) {
        Shape s = hidden.getShape();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        NDArray x = inputNorm(hidden);
        // [B, T, heads + 2 kvHeads, D]: the q, k and v heads side by side, as the fused product lays them out.
        NDList qkv = weights.qkv().apply(x).reshape(s.get(0), s.get(1), heads + 2L * kvHeads, config.headDim())
                .split(new long[] {heads + kvHeads}, 2);
        NDList qk = rope(qkv.get(0), cos, sin).split(new long[] {heads}, 2);
        NDArray q = qk.get(0).transpose(0, 2, 1, 3);
        NDArray k = qk.get(1).transpose(0, 2, 1, 3);
        NDArray v = qkv.get(1).transpose(0, 2, 1, 3);
        if (cache != null) {
            NDArray[] kv = cache.append(index, k, v, hidden.getManager());
            k = kv[0];
            v = kv[1];
        }
        NDArray attended = Ops.attention(q, k, v, mask, config.groups(), constants.sqrtHeadDim());
        return mlp(attentionOutput(hidden, attended));
    }

    /** The input RMSNorm. */
    public NDArray inputNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, weights.inputNorm(), constants.rmsNormEps());
    }

    /** The fused q/k/v projection ({@code [(heads + 2 kvHeads) * headDim, hidden]}). */
    public Projection qkv() {
        return weights.qkv();
    }

    /** RoPE with this model's rotate-half matrix; {@code cos} and {@code sin} must broadcast against {@code x}. */
    public NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return Ops.applyRope(x, cos, sin, constants.rotateHalf());
    }

    /** {@code hidden + o(attended)}, attended being {@code [..., heads * headDim]}. */
    public NDArray attentionOutput(NDArray hidden, NDArray attended) {
        return hidden.add(weights.o().apply(attended));
    }

    /** {@code h + down(silu(gate(y)) * up(y))} with {@code y = postAttentionNorm(h)}; row-wise. */
    public NDArray mlp(NDArray h) {
        NDArray y = Ops.rmsNorm(h, weights.postAttentionNorm(), constants.rmsNormEps());
        NDArray gu = weights.gateUp().apply(y);
        NDList gateUp = gu.split(2, gu.getShape().dimension() - 1);
        NDArray gate = gateUp.get(0);
        // silu(g) = g * sigmoid(g); DJL's swish adds a multiply by beta, an op more per layer.
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1));
        return h.add(weights.down().apply(act));
    }
}
