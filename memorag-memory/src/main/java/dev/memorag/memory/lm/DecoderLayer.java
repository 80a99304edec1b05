package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * One decoder layer, split into the steps a caller may interleave with its own logic (the beacon memory model swaps
 * the q/k/v projections for beacon tokens and keeps its own caches):
 * <pre>
 *   x = inputNorm(h)
 *   q = project(x, q(), numHeads); k = project(x, k(), numKvHeads); v = project(x, v(), numKvHeads)
 *   q = Ops.applyRope(q, cos, sin); k = Ops.applyRope(k, cos, sin)
 *   a = attend(q, kAll, vAll, mask)            // kAll/vAll = [cached; new]
 *   h = h + outProj(a)
 *   h = mlpBlock(h)                            // h + mlp(postAttentionNorm(h))
 * </pre>
 * {@link #forward} runs exactly these steps with a {@link KvCache}.
 *
 * <p>Internal runtime API (NDArray-based), not part of the library's public API. Every result lives in the manager
 * of the activation argument. Thread-safety: immutable; safe for concurrent use on distinct activations.
 */
public final class DecoderLayer {
    private final int index;
    private final ModelConfig config;
    private final LayerWeights weights;
    private final Projection fusedQkv;
    private final Projection fusedGateUp;

    DecoderLayer(int index, ModelConfig config, LayerWeights weights, Projection fusedQkv, Projection fusedGateUp) {
        this.index = index;
        this.config = config;
        this.weights = weights;
        this.fusedQkv = fusedQkv;
        this.fusedGateUp = fusedGateUp;
    }

    public int index() {
        return index;
    }

    public LayerWeights weights() {
        return weights;
    }

    public Projection q() {
        return weights.q();
    }

    public Projection k() {
        return weights.k();
    }

    public Projection v() {
        return weights.v();
    }

    /** input_layernorm. */
    public NDArray inputNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, weights.inputNorm(), config.rmsNormEps());
    }

    /** Projects {@code x [B, T, hidden]} with {@code p} and splits into {@code [B, heads, T, headDim]}. */
    public NDArray project(NDArray x, Projection p, int heads) {
        return Ops.splitHeads(p.apply(x), heads, config.headDim());
    }

    /** Attention over all keys: q {@code [B, H, T, D]}, k/v {@code [B, KvH, S, D]}, additive mask {@code [B,1,T,S]}. */
    public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return Ops.attention(q, k, v, mask, config.groups());
    }

    /** o_proj. */
    public NDArray outProj(NDArray attention) {
        return weights.o().apply(attention);
    }

    /** {@code h + mlp(postAttentionNorm(h))}. */
    public NDArray mlpBlock(NDArray hidden) {
        NDArray x = Ops.rmsNorm(hidden, weights.postAttentionNorm(), config.rmsNormEps());
        // One product with the fused [gate; up] weight, then the SwiGLU on its two halves.
        NDArray gu = fusedGateUp.apply(x);
        long im = config.intermediateSize();
        NDArray g = gu.get(new NDIndex().addEllipseDim().addSliceDim(0, im));
        NDArray u = gu.get(new NDIndex().addEllipseDim().addSliceDim(im, 2 * im));
        return hidden.add(weights.down().apply(ai.djl.nn.Activation.swish(g, 1f).mul(u)));
    }

    /**
     * q, k, v {@code [B, heads, T, D]} (before RoPE) from one product with the fused q/k/v weight; equal to
     * {@code project(x, q(), numHeads)} etc.
     */
    public NDArray[] projectQkv(NDArray x) {
        NDArray all = fusedQkv.apply(x);
        long qd = (long) config.numHeads() * config.headDim();
        long kvd = (long) config.numKvHeads() * config.headDim();
        NDArray q = all.get(new NDIndex().addEllipseDim().addSliceDim(0, qd));
        NDArray k = all.get(new NDIndex().addEllipseDim().addSliceDim(qd, qd + kvd));
        NDArray v = all.get(new NDIndex().addEllipseDim().addSliceDim(qd + kvd, qd + 2 * kvd));
        return new NDArray[] {Ops.splitHeads(q, config.numHeads(), config.headDim()),
            Ops.splitHeads(k, config.numKvHeads(), config.headDim()),
            Ops.splitHeads(v, config.numKvHeads(), config.headDim())};
    }

    /**
     * The standard layer: attention over the cache's keys plus the new ones (appended to {@code cache}), then the MLP.
     *
     * @param hidden {@code [B, T, hidden]}
     * @param cos RoPE table {@code [B, T, D]} or {@code [B, 1, T, D]}
     * @param sin RoPE table {@code [B, T, D]} or {@code [B, 1, T, D]}
     * @param mask additive mask {@code [B, 1, T, past+T]}, or null for none
     * @param cache the KV cache, or null to attend over the new tokens only
     */
    public NDArray forward(NDArray hidden, NDArray cos, NDArray sin, NDArray mask, KvCache cache) {
        NDArray x = inputNorm(hidden);
        NDArray[] qkv = projectQkv(x);
        NDArray q = Ops.applyRope(qkv[0], cos, sin);
        NDArray k = Ops.applyRope(qkv[1], cos, sin);
        NDArray v = qkv[2];
        if (cache != null) {
            NDArray[] kv = cache.append(index, k, v, hidden.getManager());
            k = kv[0];
            v = kv[1];
        }
        NDArray h = hidden.add(outProj(attend(q, k, v, mask)));
        return mlpBlock(h);
    }
}
