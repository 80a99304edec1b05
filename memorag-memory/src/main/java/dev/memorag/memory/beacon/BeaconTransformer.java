package dev.memorag.memory.beacon;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.api.GenerationOptions;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.memory.lm.NativeThreading;
import dev.memorag.memory.lm.Sampler;
import dev.memorag.memory.state.Cursors;
import dev.memorag.memory.state.KvTensor;
import dev.memorag.memory.state.LayerKv;
import dev.memorag.memory.state.MemoryState;
import dev.memorag.memory.state.ModelFingerprint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A decoder LLM with Activation-Beacon KV compression (MemoRAG's memory model), on DJL's PyTorch engine, CPU, float32.
 *
 * <p>Raw tokens are read in windows of {@code beacon_window}; one beacon token (id {@code vocab_size}) is
 * interleaved after every {@code r} raw tokens, the interleave remainder carrying over between calls. Beacon positions
 * use the beacon embedding and the {@code beacon_{q,k,v}_proj} weights. Keys are cached before RoPE and every step
 * re-applies RoPE to {@code [memory; chunk]} with positions {@code 0..mem+chunk-1}; the mask shows all memory and is
 * causal within the chunk. When a window fills, only its beacons' K/V are kept; a partial window stays as raw memory
 * until later input (a query, generated tokens) fills it. Logits at beacon positions are dropped.
 *
 * <p>Thread-safety: not thread-safe; callers serialise access ({@link BeaconMemoryModel} does).
 */
public final class BeaconTransformer implements AutoCloseable {
    private final BeaconConfig config;
    private final boolean compress;
    private final NDManager manager;
    private final BeaconWeights weights;
    private final float[] invFreq;
    private final float ropeScale;
    private final int group;
    private final float scale;
    private State state;
    private State snapshot;
    private NDArray ropeCos;
    private NDArray ropeSin;
    private StepListener listener = StepListener.NONE;
    private boolean closed;

    /** Receives a {@link StepTrace} after every beacon step; called on the thread that feeds the model. */
    @FunctionalInterface
    public interface StepListener {
        /** Ignores every step. */
        StepListener NONE = t -> { };

        void onStep(StepTrace trace);
    }

    private BeaconTransformer(BeaconConfig config, Path dir, boolean compress) {
        this.config = config;
        this.compress = compress;
        // bounded OpenMP spinning; only effective before PyTorch first loads
        NativeThreading.configureBeforeEngineLoad();
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            this.weights = new BeaconWeights(config, dir, manager, compress);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        invFreq = config.base().ropeScaling().inverseFrequencies(config.headDim(), config.base().ropeTheta());
        ropeScale = config.base().ropeScaling().attentionScaling();
        group = config.heads() / config.kvHeads();
        scale = (float) (1.0 / Math.sqrt(config.headDim()));
        state = new State(config.layers(), config.ratioSeed());
    }

    /**
     * Loads a beacon checkpoint directory ({@code config.json} with {@code beacon_*} keys and safetensors weights).
     *
     * @param ratio compression-ratio override (MemoRAG's {@code beacon_ratio}), or null for the config's ratios
     */
    public static BeaconTransformer load(Path dir, Integer ratio) {
        BeaconConfig c = BeaconConfig.load(dir);
        if (ratio != null) {
            c = c.withRatio(ratio);
        }
        return load(dir, c);
    }

    /** Loads the weights of {@code dir} under an explicit configuration. */
    public static BeaconTransformer load(Path dir, BeaconConfig config) {
        return new BeaconTransformer(config, dir, true);
    }

    /**
     * Loads any supported decoder checkpoint as an uncompressed memory: every token's K/V is kept (a long-context
     * LLM's full KV cache), read in chunks of {@code chunk} tokens so activations stay bounded.
     */
    public static BeaconTransformer loadFullKv(Path dir, int chunk) {
        ModelConfig base = ModelConfig.load(dir);
        BeaconConfig c = new BeaconConfig(base, chunk, chunk, List.of(1), "step-random", 0, Set.of(),
                BeaconConfig.DEFAULT_RATIO_SEED);
        return new BeaconTransformer(c, dir, false);
    }

    /** Whether this model compresses (beacon) or keeps the full KV cache. */
    public boolean compresses() {
        return compress;
    }

    public BeaconConfig config() {
        return config;
    }

    /** Installs a listener called after every step (tracing). */
    public void setStepListener(StepListener l) {
        listener = l == null ? StepListener.NONE : l;
    }

    /** The fingerprint saved states must match. */
    public ModelFingerprint fingerprint() {
        return new ModelFingerprint(compress ? "beacon" : "full-kv", config.layers(), config.kvHeads(), config.headDim(), config.hidden(),
                config.vocab(), config.window(), config.stride(), config.sinkSize());
    }

    /** Clears the memory. */
    public void reset() {
        ensureOpen();
        state.close();
        state = new State(config.layers(), config.ratioSeed());
    }

    /**
     * Reads raw token ids into the memory after what it holds (the memory model's forward pass).
     *
     * @param allLogits whether to return the logits of every raw position of the last step (the golden protocol) or
     *     only those of the last raw token
     * @return logits per returned position
     */
    public float[][] feed(int[] ids, boolean allLogits) {
        ensureOpen();
        if (ids.length == 0) {
            throw new InvalidInputException("no token ids to feed");
        }
        for (int id : ids) {
            if (id < 0 || id >= config.vocab()) {
                throw new InvalidInputException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocab() + ")");
            }
        }
        long total = state.tokensRead + ids.length;
        if (!compress && total > config.maxPositions()) {
            throw new InvalidInputException("context of " + total + " tokens exceeds max_position_embeddings "
                    + config.maxPositions() + " of " + config.base().source()
                    + " (a full-KV memory cannot read past the model's positions)");
        }
        int offset = 0;
        float[][] logits = null;
        while (state.endIdx < total) {
            long start = state.startIdx;
            long end = start + config.window();
            boolean full = true;
            if (end > total) {
                end = total;
                full = false;
            }
            if (!compress) {
                // uncompressed: the whole context stays raw memory; windows only bound the activations
                full = false;
                end = Math.min(state.endIdx + config.window(), total);
            }
            int inputSize = (int) (end - state.endIdx);
            int ratio;
            if (!compress) {
                ratio = Integer.MAX_VALUE;
            } else if (state.fullWindow) {
                ratio = state.chooseRatio(config, total);
                state.chosenRatio = ratio;
            } else {
                ratio = state.chosenRatio;
            }
            int beaconSize = compress ? (inputSize + state.remainder) / ratio : 0;
            int len = inputSize + beaconSize;
            int[] step = new int[len];
            boolean[] isBeacon = new boolean[len];
            int slot = ratio - state.remainder;
            int raw = offset;
            for (int i = 0; i < len; i++) {
                if (beaconSize > 0 && i % (ratio + 1) == slot) {
                    step[i] = config.beaconTokenId();
                    isBeacon[i] = true;
                } else {
                    step[i] = ids[raw++];
                }
            }
            int memBefore = state.memorySize();
            if (memBefore + len > config.maxPositions()) {
                throw new InvalidInputException("memory of " + memBefore + " entries plus a chunk of " + len
                        + " exceeds max_position_embeddings " + config.maxPositions() + " of "
                        + config.base().source());
            }
            if (compress) {
                state.remainder = (inputSize + state.remainder) % ratio;
                if (state.fullWindow) {
                    state.windowBeaconFlags = new boolean[0];
                }
                trackWindow(isBeacon);
            }
            logits = forward(step, isBeacon, full, allLogits);
            state.fullWindow = full;
            state.startIdx = !compress ? end : full ? start + config.stride() : start;
            state.endIdx = end;
            state.stepIdx++;
            if (full) {
                state.openIds = new int[0];
            } else if (compress) {
                int[] o = Arrays.copyOf(state.openIds, state.openIds.length + inputSize);
                System.arraycopy(ids, offset, o, state.openIds.length, inputSize);
                state.openIds = o;
            }
            offset += inputSize;
            state.tokensRead = state.endIdx;
            int[] sizes = memorySizes();
            listener.onStep(new StepTrace(step, memBefore, beaconSize, full, sizes[0], sizes[1], sizes[2]));
        }
        return logits;
    }

    private void trackWindow(boolean[] isBeacon) {
        int len = isBeacon.length;
        boolean[] window = Arrays.copyOf(state.windowBeaconFlags, state.windowBeaconFlags.length + len);
            System.arraycopy(isBeacon, 0, window, state.windowBeaconFlags.length, len);
            state.windowBeaconFlags = window;
    }

    /**
     * Generates after feeding {@code prompt}: the prompt and every generated token except the last go through the
     * beacon machinery, so they are compressed too.
     *
     * @param stop called with each new token; true ends generation (EOS, stop strings)
     * @param onToken receives each new token
     * @param firstLogits if non-null, receives a copy of the logits of the first step
     * @return the new tokens
     */
    public int[] generate(int[] prompt, GenerationOptions options, IntPredicate stop,
            java.util.function.IntConsumer onToken, float[][] firstLogits) {
        Sampler sampler = new Sampler(options);
        int[] seen = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
        int seenCount = prompt.length;
        float[] logits = feed(prompt, false)[0];
        if (firstLogits != null && firstLogits.length > 0) {
            firstLogits[0] = logits.clone();
        }
        int[] out = new int[options.maxNewTokens()];
        int n = 0;
        while (n < options.maxNewTokens()) {
            if (options.cancellation().isCancelled()) {
                throw new CancelledException("generation cancelled after " + n + " tokens");
            }
            int next = sampler.next(logits, seen, seenCount);
            out[n++] = next;
            seen[seenCount++] = next;
            onToken.accept(next);
            if (stop.test(next) || n == options.maxNewTokens()) {
                break;
            }
            logits = feed(new int[] {next}, false)[0];
        }
        return Arrays.copyOf(out, n);
    }

    /** Greedy generation of {@code maxNew} tokens after {@code query} (the golden protocol). */
    public int[] generateGreedy(int[] query, int maxNew, float[][] firstLogits) {
        return generate(query, GenerationOptions.greedy(maxNew), t -> false, t -> { }, firstLogits);
    }

    /** Sink, beacon and raw entries per layer. */
    public int[] memorySizes() {
        return new int[] {state.len(state.sinkK[0]), state.len(state.beaconK[0]), state.len(state.rawK[0])};
    }

    /** Raw tokens read since the last reset (or restored with the memory). */
    public long tokensRead() {
        return state.tokensRead;
    }

    /** Cached entries per layer (sink + beacon + raw) of the snapshot, or -1 when there is none. */
    public int snapshotEntries() {
        return snapshot == null ? -1 : snapshot.memorySize();
    }

    /** Raw tokens the snapshot has read, or -1 when there is none. */
    public long snapshotTokensRead() {
        return snapshot == null ? -1 : snapshot.tokensRead;
    }

    /** Bytes of float32 K/V for {@code entries} cached positions in every layer. */
    public long kvBytes(long entries) {
        return entries * config.layers() * 2L * config.kvHeads() * config.headDim() * Float.BYTES;
    }

    /** Native arrays currently alive in this model (weights, memory, snapshot): for leak checks. */
    int liveArrays() {
        return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
    }

    /** Remembers the current memory; {@link #restoreSnapshot()} returns to it. */
    public void snapshot() {
        ensureOpen();
        // the working memory becomes the snapshot without copying its K/V (it is never modified in place); arrays it
        // still shares with the previous snapshot move over before that one is closed
        State previous = snapshot;
        snapshot = state;
        if (previous != null) {
            snapshot.adopt(previous.owner, manager);
            previous.close();
        }
        state = snapshot.shallowCopy();
    }

    /** Whether a snapshot exists. */
    public boolean hasSnapshot() {
        return snapshot != null;
    }

    /** Replaces the working memory by the snapshot (the snapshot itself is kept). */
    public void restoreSnapshot() {
        ensureOpen();
        if (snapshot == null) {
            throw new StateException("no memory snapshot: memorise a text or load a memory first");
        }
        state.close();
        state = snapshot.shallowCopy();
    }

    /** The snapshot as plain arrays, for saving. */
    public MemoryState exportSnapshot() {
        ensureOpen();
        if (snapshot == null) {
            throw new StateException("no memory snapshot to export: memorise a text first");
        }
        return snapshot.export(config, fingerprint());
    }

    /** The working memory as plain arrays. */
    public MemoryState exportState() {
        ensureOpen();
        return state.export(config, fingerprint());
    }

    /** Replaces memory and snapshot with {@code saved}, which must come from a model with the same fingerprint. */
    public void importState(MemoryState saved) {
        ensureOpen();
        String diff = saved.model().firstDifference(fingerprint());
        if (diff != null) {
            throw new StateException("memory state belongs to a different model: " + diff);
        }
        if (saved.cursors().chosenRatio() > 0 && !saved.cursors().fullWindow()
                && saved.cursors().chosenRatio() > config.window()) {
            throw new StateException("memory state ratio " + saved.cursors().chosenRatio() + " exceeds the window");
        }
        State s = State.fromSaved(saved, manager, config.stride());
        state.close();
        state = s;
        snapshot();
    }

    private float[][] forward(int[] ids, boolean[] isBeacon, boolean fullWindow, boolean allLogits) {
        int t = ids.length;
        int mem = state.memorySize();
        int total = mem + t;
        try (NDManager sub = manager.newSubManager()) {
            long[] tokenIdx = new long[t];
            int beacons = 0;
            for (int i = 0; i < t; i++) {
                tokenIdx[i] = isBeacon[i] ? 0 : ids[i];
                beacons += isBeacon[i] ? 1 : 0;
            }
            NDArray beaconRows = null;
            NDArray gatherIdx = null;
            if (beacons > 0) {
                long[] rows = new long[beacons];
                long[] gather = new long[t];
                int b = 0;
                for (int i = 0; i < t; i++) {
                    if (isBeacon[i]) {
                        rows[b] = i;
                        gather[i] = t + b;
                        b++;
                    } else {
                        gather[i] = i;
                    }
                }
                beaconRows = sub.create(rows);
                gatherIdx = sub.create(gather);
            }
            NDArray x = weights.embed.get(sub, new NDIndex("{}", sub.create(tokenIdx)));
            if (beacons > 0) {
                NDArray be = weights.beaconEmbed.broadcast(new Shape(beacons, config.hidden()));
                be.attach(sub);
                x = x.concat(be, 0).get(gatherIdx);
            }
            NDArray[] cosSin = rope(sub, total);
            NDArray cos = cosSin[0];
            NDArray sin = cosSin[1];
            NDArray cosQ = cos.get(new NDIndex(mem + ":"));
            NDArray sinQ = sin.get(new NDIndex(mem + ":"));
            NDArray[] newK = new NDArray[config.layers()];
            NDArray[] newV = new NDArray[config.layers()];
            NDArray[] rotated = new NDArray[config.layers()];
            for (int l = 0; l < config.layers(); l++) {
                // per-layer scope: attention scores are O(chunk x memory) and must not pile up across layers
                try (NDManager scope = sub.newSubManager()) {
                    x.attach(scope);
                    NDArray[] kv = new NDArray[3];
                    x = layer(scope, l, x, beaconRows, gatherIdx, cos, sin, cosQ, sinQ, t, mem, kv);
                    x.attach(sub);
                    kv[0].attach(sub);
                    kv[1].attach(sub);
                    kv[2].attach(sub);
                    newK[l] = kv[0];
                    newV[l] = kv[1];
                    rotated[l] = kv[2];
                }
            }
            state.update(sub, newK, newV, rotated, fullWindow, config.sinkSize(), manager);
            int[] rawPositions;
            if (allLogits) {
                rawPositions = java.util.stream.IntStream.range(0, t).filter(i -> !isBeacon[i]).toArray();
            } else {
                int last = t - 1;
                while (isBeacon[last]) {
                    last--;
                }
                rawPositions = new int[] {last};
            }
            long[] rp = Arrays.stream(rawPositions).asLongStream().toArray();
            NDArray sel = x.get(sub.create(rp));
            NDArray logits = rmsNorm(sel, weights.finalNorm).matMul(weights.lmHeadT);
            float[] flat = logits.toFloatArray();
            float[][] out = new float[rawPositions.length][config.vocab()];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * config.vocab(), out[i], 0, config.vocab());
            }
            return out;
        } catch (ai.djl.engine.EngineException e) {
            throw new ModelException("beacon forward failed: " + e.getMessage(), e);
        }
    }

    private NDArray layer(NDManager scope, int l, NDArray x, NDArray beaconRows, NDArray gatherIdx, NDArray cos,
            NDArray sin, NDArray cosQ, NDArray sinQ, int t, int mem, NDArray[] kvOut) {
        BeaconWeights.Layer w = weights.layers[l];
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int d = config.headDim();
        boolean beacons = beaconRows != null;
        NDArray h = rmsNorm(x, w.inNorm);
        NDArray hb = beacons ? h.get(beaconRows) : null;
        NDArray q = project(h, hb, gatherIdx, w.q, w.bq);
        NDArray k = project(h, hb, gatherIdx, w.k, w.bk);
        NDArray v = project(h, hb, gatherIdx, w.v, w.bv);
        q = q.reshape(t, heads, d).transpose(1, 0, 2);
        k = k.reshape(t, kvHeads, d).transpose(1, 0, 2);
        v = v.reshape(t, kvHeads, d).transpose(1, 0, 2);
        // Memory keys keep their positions until a window is compressed, so their rotated form is cached; only the
        // chunk's keys are rotated here (elementwise, so bit-identical to rotating [memory; chunk] at once).
        NDArray kr = state.withRotatedMemory(scope, l, applyRope(k, cosQ, sinQ), this::rotateMemory, cos, sin,
                manager);
        NDArray allV = state.withMemory(scope, l, v);
        NDArray qr = applyRope(q, cosQ, sinQ);
        kvOut[0] = k;
        kvOut[1] = v;
        kvOut[2] = kr;
        NDArray att = attention(scope, qr, kr, allV, t, mem).reshape(heads, t, d).transpose(1, 0, 2)
                .reshape(t, (long) heads * d);
        x = x.add(w.o.apply(att));
        if (t <= MLP_ROWS) {
            return mlpBlock(w, x);
        }
        // The MLP is row-wise; a window's rows at once make intermediates of ~100 MB, which glibc maps and unmaps
        // fresh on every call (page faults took half the memorising time), so it runs on row blocks.
        NDList parts = new NDList();
        for (int r0 = 0; r0 < t; r0 += MLP_ROWS) {
            try (NDManager blockScope = scope.newSubManager()) {
                NDArray rows = x.get(new NDIndex().addSliceDim(r0, Math.min(t, r0 + MLP_ROWS)));
                rows.attach(blockScope);
                NDArray out = mlpBlock(w, rows);
                out.attach(scope);
                parts.add(out);
            }
        }
        return NDArrays.concat(parts, 0);
    }

    /** {@code x + down(silu(gate(y)) * up(y))} with {@code y = postNorm(x)}. */
    private NDArray mlpBlock(BeaconWeights.Layer w, NDArray x) {
        NDArray h2 = rmsNorm(x, w.postNorm);
        NDArray g = w.gate.apply(h2);
        NDArray mlp = g.mul(Activation.sigmoid(g)).mul(w.up.apply(h2));
        return x.add(w.down.apply(mlp));
    }

    /**
     * Rows per MLP block: keeps the largest intermediate ({@code rows x intermediate} floats) under glibc's 32 MB
     * mmap limit for the 0.5B-1.5B shapes, so the allocator reuses its heap instead of faulting in new pages.
     */
    private static final int MLP_ROWS = 512;

    /** Scores of at most this many floats (16 MB, under glibc's mmap limit) are materialised at once. */
    private static final long SCORE_BLOCK = 4L << 20;

    private long scoreBlock = SCORE_BLOCK;

    /** Test hook: caps the score block at {@code floats}, so small inputs exercise the multi-block path. */
    void setScoreBlock(long floats) {
        scoreBlock = floats;
    }

    /**
     * Causal grouped-query attention of the chunk's {@code q [heads, t, d]} over {@code k, v [kvHeads, mem + t, d]}:
     * every query sees all {@code mem} memory entries and the chunk up to itself. Query rows go in blocks so the
     * score matrix stays bounded; a block of rows {@code [t0, t1)} only multiplies the {@code mem + t1} keys some row
     * of it can see, and masks just the square where the block meets its own keys, which saves the masked half of
     * the chunk-by-chunk scores and a pass over the whole score matrix. The score scale is applied to {@code q}
     * (exact when it is a power of two, as for head dims 16, 64 and 256).
     */
    private NDArray attention(NDManager scope, NDArray q, NDArray k, NDArray v, int t, int mem) {
        int kvHeads = config.kvHeads();
        int d = config.headDim();
        NDArray q4 = q.mul(scale).reshape(kvHeads, group, t, d);
        int block = (int) Math.max(1, Math.min(t, scoreBlock / ((long) config.heads() * (mem + t))));
        NDList parts = new NDList();
        NDArray square = null;
        for (int t0 = 0; t0 < t; t0 += block) {
            int t1 = Math.min(t, t0 + block);
            int tb = t1 - t0;
            int keys = mem + t1;
            try (NDManager blockScope = scope.newSubManager()) {
                NDArray qb = q4.get(new NDIndex().addAllDim(2).addSliceDim(t0, t1));
                NDArray kb = k.get(new NDIndex().addAllDim().addSliceDim(0, keys));
                NDArray vb = v.get(new NDIndex().addAllDim().addSliceDim(0, keys));
                qb.attach(blockScope);
                kb.attach(blockScope);
                vb.attach(blockScope);
                NDArray scores = qb.reshape(kvHeads, (long) group * tb, d).batchMatMul(kb.transpose(0, 2, 1))
                        .reshape(kvHeads, group, tb, keys);
                if (tb > 1) {
                    if (square == null || square.getShape().get(0) != tb) {
                        square = causalSquare(scope, tb);
                    }
                    NDIndex own = new NDIndex().addAllDim(3).addSliceDim(mem + t0, keys);
                    scores.set(own, scores.get(own).add(square));
                }
                NDArray out = scores.softmax(-1).reshape(kvHeads, (long) group * tb, keys).batchMatMul(vb)
                        .reshape(kvHeads, group, tb, d);
                out.attach(scope);
                parts.add(out);
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 2);
    }

    /** {@code [n, n]} additive mask, {@code -inf} above the diagonal: row {@code i} sees columns {@code 0..i}. */
    private static NDArray causalSquare(NDManager scope, int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(m, i * n + i + 1, (i + 1) * n, Float.NEGATIVE_INFINITY);
        }
        return scope.create(m, new Shape(n, n));
    }

    private static NDArray project(NDArray h, NDArray hb, NDArray gatherIdx, BeaconWeights.Linear base,
            BeaconWeights.Linear beacon) {
        NDArray y = base.apply(h);
        if (hb == null || beacon == null) {
            return y;
        }
        return y.concat(beacon.apply(hb), 0).get(gatherIdx);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray var = x.square().mean(new int[] {-1}, true);
        return x.div(var.add((float) config.base().rmsNormEps()).sqrt()).mul(weight);
    }

    /**
     * RoPE tables {cos, sin} {@code [n, d]} for positions {@code 0..n-1}, as views of tables kept across steps:
     * generation asks for one position more each token, and rebuilding the whole table then cost ~130k
     * trigonometric calls per token at 4,096 memory entries.
     */
    private NDArray[] rope(NDManager sub, int n) {
        if (ropeCos == null || ropeCos.getShape().get(0) < n) {
            int length = Math.max(n, Math.min(2 * (ropeCos == null ? 0 : (int) ropeCos.getShape().get(0)),
                    config.maxPositions()));
            if (ropeCos != null) {
                ropeCos.close();
                ropeSin.close();
            }
            NDArray[] tables = ropeTables(length);
            ropeCos = tables[0];
            ropeSin = tables[1];
        }
        NDIndex first = new NDIndex().addSliceDim(0, n);
        return new NDArray[] {ropeCos.get(sub, first), ropeSin.get(sub, first)};
    }

    private NDArray[] ropeTables(int n) {
        int half = invFreq.length;
        int d = config.headDim();
        float[] cos = new float[n * d];
        float[] sin = new float[n * d];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                float f = (float) p * invFreq[i];
                float c = (float) Math.cos(f) * ropeScale;
                float s = (float) Math.sin(f) * ropeScale;
                cos[p * d + i] = c;
                cos[p * d + i + half] = c;
                sin[p * d + i] = s;
                sin[p * d + i + half] = s;
            }
        }
        return new NDArray[] {manager.create(cos, new Shape(n, d)), manager.create(sin, new Shape(n, d))};
    }

    /** RoPE at positions {@code 0..n-1} for memory keys {@code [kvHeads, n, d]}. */
    @FunctionalInterface
    private interface MemoryRotation {
        NDArray rotate(NDArray keys, NDArray cos, NDArray sin);
    }

    private NDArray rotateMemory(NDArray keys, NDArray cos, NDArray sin) {
        NDIndex first = new NDIndex().addSliceDim(0, keys.getShape().get(1));
        return applyRope(keys, cos.get(first), sin.get(first));
    }

    private NDArray applyRope(NDArray x, NDArray cos, NDArray sin) {
        int half = config.headDim() / 2;
        NDArray x1 = x.get(new NDIndex("..., :" + half));
        NDArray x2 = x.get(new NDIndex("..., " + half + ":"));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("beacon model is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            state.close();
            if (snapshot != null) {
                snapshot.close();
            }
            manager.close();
        }
    }

    /**
     * The beacon machinery's mutable state (MemoRAG's {@code Memory} attributes). Arrays flagged as owned are closed
     * when replaced; shared arrays belong to the snapshot.
     */
    private static final class State {
        final NDArray[] sinkK;
        final NDArray[] sinkV;
        final NDArray[] beaconK;
        final NDArray[] beaconV;
        final NDArray[] rawK;
        final NDArray[] rawV;
        /** Per layer, RoPE applied to {@code [sink; beacon; raw]} keys at positions 0..; null until computed. */
        final NDArray[] rotatedK;
        NDManager owner;
        long startIdx;
        long endIdx;
        long stepIdx;
        int remainder;
        int chosenRatio;
        boolean fullWindow = true;
        boolean[] windowBeaconFlags = new boolean[0];
        int[] openIds = new int[0];
        long tokensRead;
        long rng;
        int sequenceIdx;

        State(int layers, long seed) {
            sinkK = new NDArray[layers];
            sinkV = new NDArray[layers];
            beaconK = new NDArray[layers];
            beaconV = new NDArray[layers];
            rawK = new NDArray[layers];
            rawV = new NDArray[layers];
            rotatedK = new NDArray[layers];
            rng = seed;
        }

        int len(NDArray a) {
            return a == null ? 0 : (int) a.getShape().get(1);
        }

        int memorySize() {
            return len(sinkK[0]) + len(beaconK[0]) + len(rawK[0]);
        }

        /** Values {@code [sink; beacon; raw; current]} along the sequence axis, as a temporary of {@code sub}. */
        NDArray withMemory(NDManager sub, int l, NDArray current) {
            NDList parts = present(sinkV[l], beaconV[l], rawV[l]);
            if (parts.isEmpty()) {
                return current;
            }
            parts.add(current);
            return temp(NDArrays.concat(parts, 1), sub);
        }

        /**
         * Rotated keys {@code [memory; current]}, where {@code current} is already rotated; computes and keeps the
         * memory's rotated keys first when they are missing (after a window was compressed or a state loaded).
         */
        NDArray withRotatedMemory(NDManager sub, int l, NDArray current, MemoryRotation rotation, NDArray cos,
                NDArray sin, NDManager root) {
            if (rotatedK[l] == null) {
                NDList parts = present(sinkK[l], beaconK[l], rawK[l]);
                if (parts.isEmpty()) {
                    return current;
                }
                // in the step's scope, so the rotation's temporaries never land in a state's manager
                NDArray keys = temp(parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 1), sub);
                rotatedK[l] = replace(null, rotation.rotate(keys, cos, sin), owner(root));
            }
            return temp(rotatedK[l].concat(current, 1), sub);
        }

        /** The non-null sections, in order. */
        private static NDList present(NDArray... sections) {
            NDList parts = new NDList();
            for (NDArray a : sections) {
                if (a != null) {
                    parts.add(a);
                }
            }
            return parts;
        }

        private static NDArray cat(NDManager sub, NDArray a, NDArray b) {
            if (a == null) {
                return b;
            }
            return b == null ? a : temp(a.concat(b, 1), sub);
        }

        /** Results of ops on owned arrays land in the owner's manager; move temporaries to the step's manager. */
        private static NDArray temp(NDArray a, NDManager sub) {
            a.attach(sub);
            return a;
        }

        NDManager owner(NDManager root) {
            if (owner == null) {
                owner = root.newSubManager();
            }
            return owner;
        }

        /** Moves {@code neu} into the owner manager and closes {@code old} when this state owns it. */
        private NDArray replace(NDArray old, NDArray neu, NDManager own) {
            if (neu != null) {
                neu.attach(own);
            }
            if (old != null && old != neu && old.getManager() == own) {
                old.close();
            }
            return neu;
        }

        void update(NDManager sub, NDArray[] k, NDArray[] v, NDArray[] rotated, boolean full, int sinkSize,
                NDManager root) {
            NDManager own = owner(root);
            for (int l = 0; l < k.length; l++) {
                boolean sinkChanges = beaconK[l] == null && sinkSize > 0;
                // Appending raw entries keeps every position, so [memory; chunk] rotated is the new cache; a new
                // sink or a compressed window moves entries, and the cache is rebuilt at the next step.
                rotatedK[l] = replace(rotatedK[l], !full && !sinkChanges ? rotated[l] : null, own);
                if (sinkChanges) {
                    long n = Math.min(sinkSize, k[l].getShape().get(1));
                    sinkK[l] = replace(sinkK[l], temp(k[l].get(new NDIndex(":, :" + n)), sub), own);
                    sinkV[l] = replace(sinkV[l], temp(v[l].get(new NDIndex(":, :" + n)), sub), own);
                }
                if (!full) {
                    rawK[l] = replace(rawK[l], cat(sub, rawK[l], k[l]), own);
                    rawV[l] = replace(rawV[l], cat(sub, rawV[l], v[l]), own);
                } else {
                    NDArray allK = cat(sub, rawK[l], k[l]);
                    NDArray allV = cat(sub, rawV[l], v[l]);
                    long[] idx = new long[windowBeaconFlags.length];
                    int n = 0;
                    for (int i = 0; i < windowBeaconFlags.length; i++) {
                        if (windowBeaconFlags[i]) {
                            idx[n++] = i;
                        }
                    }
                    if (n > 0) {
                        NDArray sel = sub.create(Arrays.copyOf(idx, n));
                        NDArray bk = temp(allK.get(new NDIndex(":, {}", sel)), sub);
                        NDArray bv = temp(allV.get(new NDIndex(":, {}", sel)), sub);
                        beaconK[l] = replace(beaconK[l], cat(sub, beaconK[l], bk), own);
                        beaconV[l] = replace(beaconV[l], cat(sub, beaconV[l], bv), own);
                    }
                    rawK[l] = replace(rawK[l], null, own);
                    rawV[l] = replace(rawV[l], null, own);
                }
            }
        }

        int chooseRatio(BeaconConfig c, long sequenceLength) {
            List<Integer> ratios = c.ratios();
            if (ratios.size() == 1) {
                return ratios.get(0);
            }
            List<Integer> valid = new ArrayList<>();
            for (int r : ratios) {
                if (c.stride() >= r && c.stride() % r == 0) {
                    valid.add(r);
                }
            }
            if (valid.isEmpty()) {
                throw new InvalidInputException("no beacon_ratio among " + ratios + " divides beacon_stride "
                        + c.stride());
            }
            String mix = c.ratioMix();
            if (mix.equals("step-random")) {
                return valid.get(nextInt(valid.size()));
            }
            if (mix.equals("sequence")) {
                return valid.get(sequenceIdx++ % valid.size());
            }
            if (chosenRatio > 0 && stepIdx > 0) {
                // instance-random and adapt-N choose once per memory
                return chosenRatio;
            }
            if (mix.equals("instance-random")) {
                return valid.get(nextInt(valid.size()));
            }
            long future = Long.parseLong(mix.substring("adapt-".length()));
            long needed = sequenceLength + future;
            int best = -1;
            long bestLen = Long.MAX_VALUE;
            for (int r : valid) {
                long max = (long) (c.maxPositions() - c.window()) * r + c.window();
                if (max >= needed && max < bestLen) {
                    best = r;
                    bestLen = max;
                }
            }
            return best > 0 ? best : valid.stream().max(Integer::compare).orElseThrow();
        }

        /** SplitMix64: a seeded source whose whole state is one long, so it can be saved with the memory. */
        private int nextInt(int bound) {
            rng += 0x9E3779B97F4A7C15L;
            long z = rng;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            return (int) Math.floorMod(z, (long) bound);
        }

        /** A working copy: same cursors, sharing (not owning) this state's arrays. */
        State shallowCopy() {
            State s = new State(sinkK.length, rng);
            s.startIdx = startIdx;
            s.endIdx = endIdx;
            s.stepIdx = stepIdx;
            s.remainder = remainder;
            s.chosenRatio = chosenRatio;
            s.fullWindow = fullWindow;
            s.windowBeaconFlags = windowBeaconFlags.clone();
            s.openIds = openIds.clone();
            s.tokensRead = tokensRead;
            s.sequenceIdx = sequenceIdx;
            System.arraycopy(sinkK, 0, s.sinkK, 0, sinkK.length);
            System.arraycopy(sinkV, 0, s.sinkV, 0, sinkV.length);
            System.arraycopy(beaconK, 0, s.beaconK, 0, beaconK.length);
            System.arraycopy(beaconV, 0, s.beaconV, 0, beaconV.length);
            System.arraycopy(rawK, 0, s.rawK, 0, rawK.length);
            System.arraycopy(rawV, 0, s.rawV, 0, rawV.length);
            System.arraycopy(rotatedK, 0, s.rotatedK, 0, rotatedK.length);
            return s;
        }

        MemoryState export(BeaconConfig c, ModelFingerprint fp) {
            List<LayerKv> layers = new ArrayList<>();
            for (int l = 0; l < sinkK.length; l++) {
                layers.add(new LayerKv(kv(sinkK[l], c), kv(sinkV[l], c), kv(beaconK[l], c), kv(beaconV[l], c),
                        kv(rawK[l], c), kv(rawV[l], c)));
            }
            int[] flags = new int[windowBeaconFlags.length];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = windowBeaconFlags[i] ? 1 : 0;
            }
            return new MemoryState(fp, new Cursors(startIdx, endIdx, stepIdx, remainder, chosenRatio, fullWindow,
                    flags, openIds, tokensRead, rng), layers);
        }

        private static KvTensor kv(NDArray a, BeaconConfig c) {
            if (a == null) {
                return KvTensor.empty(c.kvHeads(), c.headDim());
            }
            return new KvTensor(c.kvHeads(), (int) a.getShape().get(1), c.headDim(), a.toFloatArray());
        }

        static State fromSaved(MemoryState m, NDManager root, int stride) {
            Cursors cur = m.cursors();
            State s = new State(m.layers().size(), cur.rngState());
            s.startIdx = cur.startIdx();
            s.endIdx = cur.endIdx();
            s.stepIdx = cur.stepIdx();
            s.remainder = cur.interleaveRemainder();
            s.chosenRatio = cur.chosenRatio();
            s.fullWindow = cur.fullWindow();
            s.windowBeaconFlags = new boolean[cur.openWindowBeaconIndices().length];
            for (int i = 0; i < s.windowBeaconFlags.length; i++) {
                s.windowBeaconFlags[i] = cur.openWindowBeaconIndices()[i] == 1;
            }
            s.openIds = cur.openWindowIds();
            s.tokensRead = cur.tokensRead();
            // the "sequence" mix mode advances once per window started: the completed ones plus an open one
            s.sequenceIdx = (int) (s.startIdx / stride) + (s.fullWindow ? 0 : 1);
            int raw = m.layers().isEmpty() ? 0 : m.layers().get(0).rawKey().length();
            if (!s.fullWindow && s.windowBeaconFlags.length > 0 && raw != s.windowBeaconFlags.length) {
                throw new StateException("memory state: open window has " + s.windowBeaconFlags.length
                        + " beacon flags but " + raw + " raw entries");
            }
            NDManager own = s.owner(root);
            for (int l = 0; l < m.layers().size(); l++) {
                LayerKv kv = m.layers().get(l);
                s.sinkK[l] = nd(kv.sinkKey(), own);
                s.sinkV[l] = nd(kv.sinkValue(), own);
                s.beaconK[l] = nd(kv.beaconKey(), own);
                s.beaconV[l] = nd(kv.beaconValue(), own);
                s.rawK[l] = nd(kv.rawKey(), own);
                s.rawV[l] = nd(kv.rawValue(), own);
            }
            return s;
        }

        private static NDArray nd(KvTensor t, NDManager own) {
            if (t.length() == 0) {
                return null;
            }
            return own.create(t.data(), new Shape(t.heads(), t.length(), t.headDim()));
        }

        /** Takes over the arrays this state references that {@code other} owns. */
        void adopt(NDManager other, NDManager root) {
            if (other == null) {
                return;
            }
            NDManager own = owner(root);
            for (NDArray[] slot : new NDArray[][] {sinkK, sinkV, beaconK, beaconV, rawK, rawV, rotatedK}) {
                for (NDArray a : slot) {
                    if (a != null && a.getManager() == other) {
                        a.attach(own);
                    }
                }
            }
        }

        void close() {
            if (owner != null) {
                owner.close();
                owner = null;
            }
        }
    }
}
