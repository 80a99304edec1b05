package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Linear;

/**
 * The functional building blocks of a Llama-style decoder, matching Hugging Face transformers' eager code: RMSNorm in
 * float32, half-split RoPE, grouped-query attention with an additive mask and float32 softmax, SwiGLU MLP.
 *
 * <p>Memory rule: every result is attached to the manager of the first <em>activation</em> argument (never to a
 * weight's manager), so callers scope memory by putting their activations in a sub-manager.
 *
 * <p>Internal runtime API (NDArray-based), shared with the beacon memory model; not part of the library's public API.
 * Thread-safety: stateless; safe for concurrent use on distinct arrays.
 */
public final class Ops {
    /** The additive mask value for a hidden key (HF uses the dtype minimum, not -inf, so no row becomes NaN). */
    public static final float MASKED = -Float.MAX_VALUE;

    private Ops() {
    }

    /** {@code x W^T + b}; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        NDArray out = (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
        return own(out, x);
    }

    /**
     * {@code x * rsqrt(mean(x^2) + eps) * weight}, computed in float32 and cast back to x's dtype before the weight.
     *
     * @param eps a float32 scalar array (made once per model: a scalar argument would allocate a native array per call)
     */
    public static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps) {
        DataType dt = x.getDataType();
        NDArray xf = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray variance = xf.square().mean(new int[] {-1}, true);
        NDArray normed = xf.div(variance.add(eps).sqrt());
        if (dt != DataType.FLOAT32) {
            normed = normed.toType(dt, false);
        }
        return normed.mul(weight);
    }

    /** A float32 scalar array in {@code manager}, for the ops that take their constants as arrays. */
    public static NDArray scalar(NDManager manager, float value) {
        return manager.create(value);
    }

    /** Token embedding lookup: {@code ids [B, T]} (int64) to {@code [B, T, hidden]} in the weight's dtype. */
    public static NDArray embed(NDArray ids, NDArray table) {
        NDArray out = ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
        return own(out, ids);
    }

    /**
     * RoPE tables for {@code positionIds [B, T]}: returns {cos, sin}, each {@code [B, T, headDim]} in {@code dtype},
     * already multiplied by {@code attentionScaling}.
     */
    public static NDArray[] ropeCosSin(NDArray positionIds, NDArray invFreq, float attentionScaling, DataType dtype) {
        NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq);
        NDArray emb = freqs.concat(freqs, -1);
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (attentionScaling != 1f) {
            cos = cos.mul(attentionScaling);
            sin = sin.mul(attentionScaling);
        }
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDArray[] {cos, sin};
    }

    /**
     * The {@code [D, D]} matrix {@code R} with {@code x R = rotate_half(x) = [-x2, x1]}: one signed 1 per column, so
     * the product is exact, and one matrix product replaces the slice, negate and concatenate ops.
     */
    public static NDArray rotateHalfMatrix(NDManager manager, int headDim, DataType dtype) {
        int half = headDim / 2;
        float[] r = new float[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1f;
            r[j * headDim + j + half] = 1f;
        }
        NDArray m = manager.create(r, new Shape(headDim, headDim));
        return dtype == DataType.FLOAT32 ? m : m.toType(dtype, false);
    }

    /**
     * Applies RoPE, {@code x * cos + rotate_half(x) * sin}, to {@code x [..., headDim]}; {@code cos} and {@code sin}
     * must broadcast against {@code x} (the caller picks the layout), {@code rotation} is {@link #rotateHalfMatrix}.
     */
    public static NDArray applyRope(NDArray x, NDArray cos, NDArray sin, NDArray rotation) {
        return x.mul(cos).add(x.matMul(rotation).mul(sin));
    }

    /**
     * Scaled dot-product attention with grouped KV heads (query head {@code h} uses KV head {@code h / groups}).
     *
     * @param q {@code [B, H, T, D]} (RoPE applied)
     * @param k {@code [B, H/groups, S, D]} (RoPE applied)
     * @param v {@code [B, H/groups, S, D]}
     * @param mask additive float32 mask {@code [B, 1, T, S]} (0 visible, {@link #MASKED} hidden), or null for none
     * @param sqrtHeadDim {@code sqrt(D)} as a float32 scalar array (see {@link #scalar})
     * @return {@code [B, T, H*D]}
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, int groups, NDArray sqrtHeadDim) {
        Shape qs = q.getShape();
        long b = qs.get(0);
        long h = qs.get(1);
        long t = qs.get(2);
        long d = qs.get(3);
        long kvh = h / groups;
        long s = k.getShape().get(2);
        DataType dt = q.getDataType();
        // Query heads that share a KV head are folded into the row dimension, so K/V are never copied per head.
        NDArray qg = q.reshape(b, kvh, groups * t, d);
        NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)).div(sqrtHeadDim).reshape(b, h, t, s);
        if (dt != DataType.FLOAT32) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = scores.softmax(-1);
        if (dt != DataType.FLOAT32) {
            probs = probs.toType(dt, false);
        }
        NDArray out = probs.reshape(b, kvh, groups * t, s).matMul(v).reshape(b, h, t, d);
        return out.transpose(0, 2, 1, 3).reshape(b, t, h * d);
    }

    /**
     * An additive causal mask {@code [B, 1, T, past+T]} (float32) for {@code T} new tokens after {@code past} cached
     * ones: query {@code i} sees key {@code j} when {@code j <= past + i} and {@code keyValid[b][j]}.
     *
     * @param keyValid per row, whether each of the {@code past+T} keys is a real token (null = all real)
     */
    public static NDArray causalMask(NDManager manager, int batch, int past, int t, boolean[][] keyValid) {
        int s = past + t;
        float[] m = new float[batch * t * s];
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < t; i++) {
                int base = (bi * t + i) * s;
                for (int j = 0; j < s; j++) {
                    boolean visible = j <= past + i && (keyValid == null || keyValid[bi][j]);
                    m[base + j] = visible ? 0f : MASKED;
                }
            }
        }
        return manager.create(m, new Shape(batch, 1, t, s));
    }

    private static NDArray own(NDArray out, NDArray activation) {
        if (out.getManager() != activation.getManager()) {
            out.attach(activation.getManager());
        }
        return out;
    }
}
