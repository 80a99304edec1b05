package dev.memorag.memory.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A causal language model with a plain-Java API (token ids in, float logits out): full forwards for tests and
 * scoring, and {@link Session}s holding a KV cache for prefill-then-decode.
 *
 * <p>Thread-safety: forwards and sessions may run concurrently (each uses its own NDManager scope); {@link #close()}
 * must not race with them.
 */
public final class CausalLm implements AutoCloseable {
    /** Largest attention-score tensor of one prefill slice, in elements (128 MiB in float32). */
    static final long SCORE_BUDGET = 32L << 20;

    private final DecoderModel model;
    private final RuntimeOptions options;

    private CausalLm(DecoderModel model, RuntimeOptions options) {
        this.model = model;
        this.options = options;
    }

    /** Loads a checkpoint directory (config.json + safetensors). */
    public static CausalLm load(Path dir, RuntimeOptions options) {
        return new CausalLm(DecoderModel.load(dir, options), options);
    }

    /** Wraps an already loaded decoder (takes ownership). */
    public static CausalLm of(DecoderModel model, RuntimeOptions options) {
        return new CausalLm(model, options);
    }

    public ModelConfig config() {
        return model.config();
    }

    /** The underlying NDArray-level model (internal API). */
    public DecoderModel decoder() {
        return model;
    }

    public RuntimeOptions options() {
        return options;
    }

    /**
     * Full forward of one sequence (positions 0..T-1, causal), no cache.
     *
     * @param ids token ids, {@code 1 <= T <= max_position_embeddings}
     * @param withHidden whether to return hidden states (embedding output, each layer; last one normed)
     */
    public ForwardOutput forward(int[] ids, boolean withHidden) {
        checkLength(ids.length, 0);
        long[] lids = toLong(ids);
        model.checkIds(lids);
        try (NDManager scope = model.newScope()) {
            int t = ids.length;
            NDArray idArr = scope.create(lids, new Shape(1, t));
            long[] pos = new long[t];
            for (int i = 0; i < t; i++) {
                pos[i] = i;
            }
            NDArray posArr = scope.create(pos, new Shape(1, t));
            NDArray mask = Ops.causalMask(scope, 1, 0, t, null);
            List<NDArray> hs = withHidden ? new ArrayList<>() : null;
            NDArray normed = model.forwardHidden(idArr, posArr, mask, null, hs);
            float[][] logits = rows(model.lmHead(normed), t, config().vocabSize());
            float[][][] hidden = null;
            if (hs != null) {
                hidden = new float[hs.size()][][];
                for (int i = 0; i < hs.size(); i++) {
                    hidden[i] = rows(hs.get(i).toType(ai.djl.ndarray.types.DataType.FLOAT32, false), t,
                            config().hiddenSize());
                }
            }
            return new ForwardOutput(logits, hidden);
        }
    }

    /**
     * Logits {@code [T][vocab]} and (optionally) hidden states {@code [layers+1][T][hidden]} of a full forward.
     *
     * <p>Thread-safety: holds plain arrays; do not mutate them when sharing.
     */
    public record ForwardOutput(float[][] logits, float[][][] hiddenStates) {
    }

    /** Starts a KV-cached session for {@code batch} rows. */
    public Session newSession(int batch) {
        if (batch <= 0) {
            throw new InvalidInputException("batch must be > 0, was " + batch);
        }
        return new Session(batch);
    }

    /**
     * Generates from {@code prompt} with a fresh KV cache (see {@link DecodingLoop}).
     *
     * @param eosIds ids that end generation
     * @param callback receives each token; returns true to stop
     */
    public DecodingLoop.Result generate(int[] prompt, dev.memorag.api.GenerationOptions options,
            java.util.Set<Integer> eosIds, DecodingLoop.TokenCallback callback) {
        checkLength(prompt.length, 0);
        try (Session s = newSession(1)) {
            return DecodingLoop.run(s, prompt, options, eosIds, callback);
        }
    }

    void checkLength(int newTokens, int past) {
        if (newTokens <= 0) {
            throw new InvalidInputException("input must contain at least one token");
        }
        if (past + newTokens > config().maxPositions()) {
            throw new ModelException("sequence of " + (past + newTokens) + " tokens exceeds max_position_embeddings "
                    + config().maxPositions() + " of " + model.directory());
        }
    }

    static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    static float[][] rows(NDArray a, int rows, int cols) {
        float[] flat = a.toFloatArray();
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    /**
     * A batch of sequences with a KV cache: {@link #prefill} left-padded prompts (in bounded slices), then
     * {@link #step} one token per row. Positions follow HF generate(): {@code cumsum(mask) - 1}.
     *
     * <p>Thread-safety: not thread-safe; use one session per thread.
     */
    public final class Session implements AutoCloseable, TokenStepper {
        private final int batch;
        private final KvCache cache;
        private final List<boolean[]> keyValid = new ArrayList<>();
        private final int[] nextPosition;
        private boolean closed;

        private Session(int batch) {
            this.batch = batch;
            this.cache = model.newCache(batch, Math.min(config().maxPositions(), 256));
            this.nextPosition = new int[batch];
        }

        public int batch() {
            return batch;
        }

        /** Cached positions (including padding). */
        public int length() {
            return cache.length();
        }

        /**
         * Feeds {@code ids [B][T]} with {@code mask [B][T]} (1 = token, 0 = left padding; null = all ones) and returns
         * the logits of the last {@code lastN} positions of each row, {@code [B][lastN][vocab]}.
         */
        public float[][][] prefill(int[][] ids, int[][] mask, int lastN) {
            ensureOpen();
            Objects.requireNonNull(ids, "ids");
            if (ids.length != batch) {
                throw new InvalidInputException("prefill expects " + batch + " rows, got " + ids.length);
            }
            int t = ids[0].length;
            for (int[] row : ids) {
                if (row.length != t) {
                    throw new InvalidInputException("all prefill rows must have the same length (left-pad them)");
                }
            }
            if (mask != null && (mask.length != batch || mask[0].length != t)) {
                throw new InvalidInputException("mask must have the same shape as ids");
            }
            if (lastN <= 0 || lastN > t) {
                throw new InvalidInputException("lastN must be in [1, " + t + "], was " + lastN);
            }
            checkLength(t, cache.length());
            for (int[] row : ids) {
                model.checkIds(toLong(row));
            }
            float[][][] out = new float[batch][lastN][];
            for (int start = 0, end; start < t; start = end) {
                end = start + sliceLength(t - start, cache.length());
                int keepFrom = Math.max(start, t - lastN);
                float[][][] part = run(ids, mask, start, end, Math.max(0, end - keepFrom));
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < part[b].length; i++) {
                        out[b][keepFrom - (t - lastN) + i] = part[b][i];
                    }
                }
            }
            return out;
        }

        /**
         * Tokens in the next prefill slice: at most {@link RuntimeOptions#prefillChunk()}, halved while the slice's
         * attention scores ({@code B x heads x slice x keys}) would exceed {@link #SCORE_BUDGET} elements, so peak
         * activation memory stays bounded for long prompts.
         */
        private int sliceLength(int remaining, int past) {
            int c = Math.min(options.prefillChunk(), remaining);
            while (c > 16 && (long) batch * config().numHeads() * c * (past + c) > SCORE_BUDGET) {
                c /= 2;
            }
            return c;
        }

        /** Single-row prefill: the logits after the last prompt token. */
        @Override
        public float[] prefill(int[] prompt) {
            return prefill(new int[][] {prompt}, null, 1)[0][0];
        }

        /** Single-row step: the logits after {@code token}. */
        @Override
        public float[] step(int token) {
            return step(new int[] {token})[0];
        }

        /** Feeds one token per row (all rows valid) and returns the next-token logits {@code [B][vocab]}. */
        public float[][] step(int[] tokens) {
            ensureOpen();
            if (tokens.length != batch) {
                throw new InvalidInputException("step expects " + batch + " tokens, got " + tokens.length);
            }
            checkLength(1, cache.length());
            model.checkIds(toLong(tokens));
            int[][] ids = new int[batch][1];
            for (int b = 0; b < batch; b++) {
                ids[b][0] = tokens[b];
            }
            float[][][] r = run(ids, null, 0, 1, 1);
            float[][] out = new float[batch][];
            for (int b = 0; b < batch; b++) {
                out[b] = r[b][0];
            }
            return out;
        }

        /** Runs columns {@code [from, to)} and returns logits for the last {@code keep} of them. */
        private float[][][] run(int[][] ids, int[][] mask, int from, int to, int keep) {
            int t = to - from;
            int past = cache.length();
            long[] flatIds = new long[batch * t];
            long[] pos = new long[batch * t];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < t; i++) {
                    boolean valid = mask == null || mask[b][from + i] != 0;
                    flatIds[b * t + i] = ids[b][from + i];
                    pos[b * t + i] = valid ? nextPosition[b] : 1;
                    if (valid) {
                        nextPosition[b]++;
                    }
                }
            }
            for (int i = 0; i < t; i++) {
                boolean[] col = new boolean[batch];
                for (int b = 0; b < batch; b++) {
                    col[b] = mask == null || mask[b][from + i] != 0;
                }
                keyValid.add(col);
            }
            boolean[][] valid = new boolean[batch][past + t];
            for (int j = 0; j < past + t; j++) {
                boolean[] col = keyValid.get(j);
                for (int b = 0; b < batch; b++) {
                    valid[b][j] = col[b];
                }
            }
            try (NDManager scope = model.newScope()) {
                NDArray idArr = scope.create(flatIds, new Shape(batch, t));
                NDArray posArr = scope.create(pos, new Shape(batch, t));
                // A single token without padding sees every key: skip building and adding a mask.
                boolean allValid = true;
                for (boolean[] row : valid) {
                    for (boolean v : row) {
                        allValid &= v;
                    }
                }
                NDArray maskArr = t == 1 && allValid ? null : Ops.causalMask(scope, batch, past, t, valid);
                NDArray normed = model.forwardHidden(idArr, posArr, maskArr, cache, null);
                float[][][] out = new float[batch][keep][];
                if (keep == 0) {
                    return out;
                }
                NDArray last = normed.get(new NDIndex(":, {}:", t - keep));
                float[] flat = model.lmHead(last).toFloatArray();
                int v = config().vocabSize();
                for (int b = 0; b < batch; b++) {
                    for (int i = 0; i < keep; i++) {
                        float[] row = new float[v];
                        System.arraycopy(flat, (b * keep + i) * v, row, 0, v);
                        out[b][i] = row;
                    }
                }
                return out;
            }
        }

        private void ensureOpen() {
            if (closed) {
                throw new dev.memorag.error.StateException("session is closed");
            }
        }

        /** Frees the KV cache; idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                cache.close();
            }
        }
    }

    /** Number of native arrays currently held by the model (weights, caches, in-flight calls): leak diagnostics. */
    public int openArrayCount() {
        return model.manager().getManagedArrays().size();
    }

    /** Frees the model; idempotent. */
    @Override
    public void close() {
        model.close();
    }
}
