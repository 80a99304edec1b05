package dev.memorag.memory.beacon;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.api.GenerationOptions;
import dev.memorag.error.CancelledException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.memory.lm.DecoderLayer;
import dev.memorag.memory.lm.DecoderModel;
import dev.memorag.memory.lm.ModelConfig;
import dev.memorag.memory.lm.Projection;
import dev.memorag.memory.lm.RuntimeOptions;
import dev.memorag.memory.lm.RuntimePlan;
import dev.memorag.memory.lm.Sampler;
import dev.memorag.memory.state.MemoryState;
import dev.memorag.memory.state.ModelFingerprint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A decoder LLM with Activation-Beacon KV compression (MemoRAG's memory model). The layers, ops, weights, device and
 * precision are the plain decoder's ({@link DecoderModel}, {@link DecoderLayer}); the additions are the beacon
 * embedding, the {@code beacon_{q,k,v}_proj} projections applied at beacon positions, and the beacon KV state
 * machine ({@link BeaconState}) with its chunk-over-memory attention.
 *
 * <p>Raw tokens are read in windows of {@code beacon_window}; one beacon token (id {@code vocab_size}) is
 * interleaved after every {@code r} raw tokens, the interleave remainder carrying over between calls. Keys are cached
 * before RoPE and every step re-applies RoPE to {@code [memory; chunk]} with positions {@code 0..mem+chunk-1}; the
 * mask shows all memory and is causal within the chunk. When a window fills, only its beacons' K/V are kept; a
 * partial window stays as raw memory until later input (a query, generated tokens) fills it. Logits at beacon
 * positions are dropped.
 *
 * <p>Thread-safety: not thread-safe; callers serialise access ({@link BeaconMemoryModel} does).
 */
public final class BeaconTransformer implements AutoCloseable {
    private final BeaconConfig config;
    private final boolean compress;
    private final DecoderModel model;
    private final List<DecoderLayer> layers;
    /** Per layer, the fused beacon q/k/v projection (base rows where the config lists no beacon weight). */
    private final Projection[] beaconQkv;
    /** {@code [1, hidden]}, or null for a full-KV memory. */
    private final NDArray beaconEmbed;
    private final int group;
    private final float scale;
    private BeaconState state;
    private BeaconState snapshot;
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

    private BeaconTransformer(BeaconConfig config, Path dir, boolean compress, RuntimeOptions options) {
        this.config = config;
        this.compress = compress;
        Projection[] bqkv = new Projection[config.layers()];
        NDArray[] embed = new NDArray[1];
        this.model = DecoderModel.load(dir, config.base(), options, workload(config, compress), (w, m) -> {
            if (compress) {
                embed[0] = w.load("model.beacon_embed_tokens.weight", 1, config.hidden());
                loadBeaconProjections(w, bqkv);
            }
        });
        this.layers = model.layers();
        this.beaconQkv = bqkv;
        this.beaconEmbed = embed[0];
        group = config.heads() / config.kvHeads();
        scale = (float) (1.0 / Math.sqrt(config.headDim()));
        state = new BeaconState(config.layers(), config.ratioSeed());
    }

    /** Tokens of context the memory check budgets for (the memory of 8,192 tokens, or the model's positions). */
    private static final int BUDGET_CONTEXT = 8192;

    private static DecoderModel.Workload workload(BeaconConfig c, boolean compress) {
        long qkvParams = (long) c.layers() * (c.heads() + 2L * c.kvHeads()) * c.headDim() * c.hidden();
        if (!compress) {
            return new DecoderModel.Workload(0, Math.min(c.maxPositions(), BUDGET_CONTEXT) + (long) c.window(),
                    c.window());
        }
        int ratio = c.ratios().stream().min(Integer::compare).orElse(1);
        return new DecoderModel.Workload(qkvParams, c.window() + (long) BUDGET_CONTEXT / ratio, c.window());
    }

    private void loadBeaconProjections(dev.memorag.memory.lm.WeightLoader w, Projection[] out) {
        int q = config.heads() * config.headDim();
        int kv = config.kvHeads() * config.headDim();
        long[] rows = {q, kv, kv};
        String[] parts = {"q", "k", "v"};
        for (int l = 0; l < config.layers(); l++) {
            String p = "model.layers." + l + ".self_attn.";
            String[] weights = new String[3];
            String[] biases = config.base().qkvBias() ? new String[3] : null;
            for (int i = 0; i < 3; i++) {
                String name = p + (config.beaconParams().contains(parts[i]) ? "beacon_" : "") + parts[i] + "_proj";
                weights[i] = name + ".weight";
                if (biases != null) {
                    biases[i] = name + ".bias";
                }
            }
            out[l] = w.projection(weights, rows, config.hidden(), biases);
        }
    }

    /**
     * Loads a beacon checkpoint directory ({@code config.json} with {@code beacon_*} keys and safetensors weights)
     * on the default device and precision.
     *
     * @param ratio compression-ratio override (MemoRAG's {@code beacon_ratio}), or null for the config's ratios
     */
    public static BeaconTransformer load(Path dir, Integer ratio) {
        return load(dir, ratio, RuntimeOptions.DEFAULT);
    }

    /** Loads a beacon checkpoint directory with {@code options} (device, precision). */
    public static BeaconTransformer load(Path dir, Integer ratio, RuntimeOptions options) {
        BeaconConfig c = BeaconConfig.load(dir);
        if (ratio != null) {
            c = c.withRatio(ratio);
        }
        return load(dir, c, options);
    }

    /** Loads the weights of {@code dir} under an explicit configuration, on the default device and precision. */
    public static BeaconTransformer load(Path dir, BeaconConfig config) {
        return load(dir, config, RuntimeOptions.DEFAULT);
    }

    /** Loads the weights of {@code dir} under an explicit configuration. */
    public static BeaconTransformer load(Path dir, BeaconConfig config, RuntimeOptions options) {
        return new BeaconTransformer(config, dir, true, options);
    }

    /**
     * Loads any supported decoder checkpoint as an uncompressed memory: every token's K/V is kept (a long-context
     * LLM's full KV cache), read in chunks of {@code chunk} tokens so activations stay bounded.
     */
    public static BeaconTransformer loadFullKv(Path dir, int chunk) {
        return loadFullKv(dir, chunk, RuntimeOptions.DEFAULT);
    }

    /** {@link #loadFullKv(Path, int)} with {@code options} (device, precision). */
    public static BeaconTransformer loadFullKv(Path dir, int chunk, RuntimeOptions options) {
        ModelConfig base = ModelConfig.load(dir);
        BeaconConfig c = new BeaconConfig(base, chunk, chunk, List.of(1), "step-random", 0, Set.of(),
                BeaconConfig.DEFAULT_RATIO_SEED);
        return new BeaconTransformer(c, dir, false, options);
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
        state = new BeaconState(config.layers(), config.ratioSeed());
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

    /**
     * The compression ratio that costs the most positions among those this model may choose per window (so the one
     * that position limits assume), or 1 for an uncompressed memory.
     */
    public int smallestRatio() {
        if (!compress) {
            return 1;
        }
        List<Integer> ratios = config.ratios();
        return ratios.stream().filter(r -> ratios.size() == 1 || config.stride() % r == 0).min(Integer::compare)
                .orElseThrow(() -> new InvalidInputException("no beacon_ratio among " + ratios
                        + " divides beacon_stride " + config.stride()));
    }

    /**
     * The most raw tokens a memory can read from empty at {@code ratio} and still read one more window (a question
     * and its answer). Reading a window takes its raw tokens and their beacons as positions on top of the memory,
     * which keeps only the beacons of the windows before it; all of it must fit in max_position_embeddings. An
     * uncompressed memory keeps every token: the positions.
     */
    public long capacityTokens(int ratio) {
        int positions = config.maxPositions();
        if (!compress) {
            return positions;
        }
        int window = config.window();
        long beaconsPerWindow = (window + ratio - 1) / ratio;
        long memory = config.sinkSize();
        long read = 0;
        while (memory + window + beaconsPerWindow <= positions) {
            memory += beaconsPerWindow;
            read += window;
        }
        return Math.max(0, read + tokensThatFit(positions - memory, ratio) - window);
    }

    /**
     * Raw tokens that can be read after a memory of {@code entries} positions without passing max_position_embeddings
     * (at the {@linkplain #smallestRatio() smallest ratio}: one beacon per ratio tokens, one more for an open window's
     * remainder).
     */
    public long tokensThatFit(long entries) {
        return tokensThatFit(config.maxPositions() - entries, smallestRatio());
    }

    private long tokensThatFit(long freePositions, int ratio) {
        if (freePositions <= 1) {
            return 0;
        }
        return compress ? (freePositions - 1) * ratio / (ratio + 1) : freePositions;
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

    /** Bytes of K/V (in the activation type) for {@code entries} cached positions in every layer. */
    public long kvBytes(long entries) {
        return entries * config.layers() * 2L * config.kvHeads() * config.headDim()
                * model.dtype().getNumOfBytes();
    }

    /** The device and precision the model runs with. */
    public RuntimePlan plan() {
        return model.plan();
    }

    /** Native arrays currently alive in this model (weights, memory, snapshot): for leak checks. */
    int liveArrays() {
        return ((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays().size();
    }

    /** Remembers the current memory; {@link #restoreSnapshot()} returns to it. */
    public void snapshot() {
        ensureOpen();
        // the working memory becomes the snapshot without copying its K/V (it is never modified in place); arrays it
        // still shares with the previous snapshot move over before that one is closed
        BeaconState previous = snapshot;
        snapshot = state;
        if (previous != null) {
            snapshot.adopt(previous.owner, model.manager());
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
        BeaconState s = BeaconState.fromSaved(saved, model.manager(), config.stride(), model.dtype());
        state.close();
        state = s;
        snapshot();
    }

    private float[][] forward(int[] ids, boolean[] isBeacon, boolean fullWindow, boolean allLogits) {
        int t = ids.length;
        int mem = state.memorySize();
        int total = mem + t;
        NDManager root = model.manager();
        try (NDManager sub = model.newScope()) {
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
            NDArray x = model.embed(sub.create(tokenIdx));
            if (beacons > 0) {
                NDArray be = beaconEmbed.broadcast(new Shape(beacons, config.hidden()));
                be.attach(sub);
                x = x.concat(be, 0).get(gatherIdx);
            }
            NDArray[] cosSin = rope(sub, total);
            NDArray cos = cosSin[0];
            NDArray sin = cosSin[1];
            NDIndex chunk = new NDIndex(mem + ":");
            // [t, 1, D]: broadcast over the heads of the fused [t, heads, D] q/k layout
            NDArray cosQ = cos.get(chunk).expandDims(1);
            NDArray sinQ = sin.get(chunk).expandDims(1);
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
            state.update(sub, newK, newV, rotated, fullWindow, config.sinkSize(), root);
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
            float[] flat = model.lmHead(model.finalNorm(sel)).toFloatArray();
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
        DecoderLayer layer = layers.get(l);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int d = config.headDim();
        NDArray h = layer.inputNorm(x);
        NDArray qkv = layer.qkv().apply(h);
        if (beaconRows != null) {
            // beacon positions use the beacon projections: computed for those rows only, then gathered in place
            qkv = qkv.concat(beaconQkv[l].apply(h.get(beaconRows)), 0).get(gatherIdx);
        }
        NDList split = qkv.reshape(t, heads + 2L * kvHeads, d).split(new long[] {heads + kvHeads}, 1);
        NDArray qk = split.get(0);
        NDArray k = qk.get(new NDIndex().addAllDim().addSliceDim(heads, heads + kvHeads)).transpose(1, 0, 2);
        NDArray v = split.get(1).transpose(1, 0, 2);
        // one RoPE over the chunk's q and k heads; memory keys keep their positions until a window is compressed,
        // so their rotated form is cached (elementwise, so equal to rotating [memory; chunk] at once)
        NDList qkr = layer.rope(qk, cosQ, sinQ).split(new long[] {heads}, 1);
        NDArray qr = qkr.get(0).transpose(1, 0, 2);
        NDArray kr = state.withRotatedMemory(scope, l, qkr.get(1).transpose(1, 0, 2),
                (keys, c, s) -> rotateMemory(layer, keys, c, s), cos, sin, model.manager());
        NDArray allV = state.withMemory(scope, l, v);
        kvOut[0] = k;
        kvOut[1] = v;
        kvOut[2] = kr;
        NDArray att = attention(scope, qr, kr, allV, t, mem).reshape(heads, t, d).transpose(1, 0, 2)
                .reshape(t, (long) heads * d);
        x = layer.attentionOutput(x, att);
        if (t <= MLP_ROWS) {
            return layer.mlp(x);
        }
        // The MLP is row-wise; a window's rows at once make intermediates of ~100 MB, which glibc maps and unmaps
        // fresh on every call (page faults took half the memorising time), so it runs on row blocks.
        NDList parts = new NDList();
        for (int r0 = 0; r0 < t; r0 += MLP_ROWS) {
            try (NDManager blockScope = scope.newSubManager()) {
                NDArray rows = x.get(new NDIndex().addSliceDim(r0, Math.min(t, r0 + MLP_ROWS)));
                rows.attach(blockScope);
                NDArray out = layer.mlp(rows);
                out.attach(scope);
                parts.add(out);
            }
        }
        return NDArrays.concat(parts, 0);
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
     * (exact when it is a power of two, as for head dims 16, 64 and 256). Scores and softmax run in float32 whatever
     * the activation type, as in {@link dev.memorag.memory.lm.Ops#attention}.
     */
    private NDArray attention(NDManager scope, NDArray q, NDArray k, NDArray v, int t, int mem) {
        int kvHeads = config.kvHeads();
        int d = config.headDim();
        DataType dt = q.getDataType();
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
                if (dt != DataType.FLOAT32) {
                    scores = scores.toType(DataType.FLOAT32, false);
                }
                if (tb > 1) {
                    if (square == null || square.getShape().get(0) != tb) {
                        square = causalSquare(scope, tb);
                    }
                    NDIndex own = new NDIndex().addAllDim(3).addSliceDim(mem + t0, keys);
                    scores.set(own, scores.get(own).add(square));
                }
                NDArray probs = scores.softmax(-1);
                if (dt != DataType.FLOAT32) {
                    probs = probs.toType(dt, false);
                }
                NDArray out = probs.reshape(kvHeads, (long) group * tb, keys).batchMatMul(vb)
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
            long[] positions = new long[length];
            for (int p = 0; p < length; p++) {
                positions[p] = p;
            }
            try (NDManager tmp = model.newScope()) {
                NDArray[] tables = model.rope(tmp.create(positions));
                ropeCos = tables[0];
                ropeSin = tables[1];
                ropeCos.attach(model.manager());
                ropeSin.attach(model.manager());
            }
        }
        NDIndex first = new NDIndex().addSliceDim(0, n);
        return new NDArray[] {ropeCos.get(sub, first), ropeSin.get(sub, first)};
    }

    /** RoPE at positions {@code 0..n-1} for memory keys {@code [kvHeads, n, d]}. */
    @FunctionalInterface
    interface MemoryRotation {
        NDArray rotate(NDArray keys, NDArray cos, NDArray sin);
    }

    private static NDArray rotateMemory(DecoderLayer layer, NDArray keys, NDArray cos, NDArray sin) {
        NDIndex first = new NDIndex().addSliceDim(0, keys.getShape().get(1));
        return layer.rope(keys, cos.get(first), sin.get(first));
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
            model.close();
        }
    }
}
