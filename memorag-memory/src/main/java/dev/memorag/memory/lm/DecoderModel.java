package dev.memorag.memory.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.gguf.GgufCheckpoint;
import dev.memorag.gguf.GgufFile;
import dev.memorag.memory.lm.quant.Int8Kernels;
import dev.memorag.memory.lm.quant.Int8Matrix;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.tensor.TensorSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Qwen2 / Mistral / Llama decoder on DJL's PyTorch engine: the weights, RoPE tables and the per-layer steps.
 * {@code embed -> layers -> finalNorm -> lmHead}; {@link #forwardHidden} runs them with an optional {@link KvCache}.
 *
 * <p>Internal runtime API (NDArray-based), shared with the beacon memory model; applications use {@link CausalLm}.
 * Thread-safety: the weights are immutable and forward calls on distinct activations/caches may run concurrently;
 * {@link #close()} must not race with them.
 */
public final class DecoderModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecoderModel.class);

    private final ModelConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final RuntimePlan plan;
    /** The embedding table {@code [vocab, hidden]}, or null when it is int8 ({@link #embedInt8}). */
    private final NDArray embedTokens;
    private final Int8Matrix embedInt8;
    private final Projection lmHead;
    private final NDArray finalNorm;
    private final NDArray invFreq;
    private final float attentionScaling;
    private final List<DecoderLayer> layers;
    private final LayerConstants constants;
    private final Path directory;
    private volatile boolean closed;

    private DecoderModel(ModelConfig config, NDManager manager, RuntimePlan plan, NDArray embedTokens,
            Int8Matrix embedInt8, Projection lmHead, NDArray finalNorm, List<DecoderLayer> layers,
            LayerConstants constants, Path directory) {
        this.config = config;
        this.manager = manager;
        this.plan = plan;
        this.dtype = plan.activationType();
        this.embedTokens = embedTokens;
        this.embedInt8 = embedInt8;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.layers = Collections.unmodifiableList(layers);
        this.constants = constants;
        this.directory = directory;
        this.invFreq = manager.create(config.ropeScaling().inverseFrequencies(config.headDim(), config.ropeTheta()));
        this.attentionScaling = config.ropeScaling().attentionScaling();
    }

    /** Tokens of KV cache a plain decoder is budgeted for before loading (see {@link MemoryBudget}). */
    static final int BUDGET_CONTEXT = 8192;

    /** Loads {@code dir} (config.json + safetensors, or a {@code .gguf} file) with {@code options}. */
    public static DecoderModel load(Path dir, RuntimeOptions options) {
        ModelConfig config = ModelConfig.load(dir);
        return load(dir, config, options, new Workload(0, Math.min(config.maxPositions(), BUDGET_CONTEXT),
                options.prefillChunk()), (w, m) -> { });
    }

    /**
     * What the model will be asked to hold, for the memory check before loading. Thread-safety: immutable.
     *
     * @param extraProjectionParams weights the {@link ExtraWeights} hook loads as projections (beacon q/k/v)
     * @param kvEntries cached positions per layer to budget for
     * @param chunk tokens per forward
     */
    public record Workload(long extraProjectionParams, long kvEntries, int chunk) {
    }

    /**
     * Loads the base decoder weights of {@code config} from {@code dir}; {@code extra} may load more tensors (beacon
     * weights) with the same loader before the reader closes.
     */
    public static DecoderModel load(Path dir, ModelConfig config, RuntimeOptions options, Workload workload,
            ExtraWeights extra) {
        RuntimePlan plan = RuntimePlan.of(options);
        MemoryBudget.ensureFits(dir.toString(), config, plan, workload.extraProjectionParams(),
                workload.kvEntries(), workload.chunk());
        DataType dtype = plan.activationType();
        NDManager manager = NDManager.newBaseManager(plan.device(), "PyTorch");
        long t0 = System.nanoTime();
        try (TensorSource reader = GgufFile.isGgufPath(dir) ? GgufCheckpoint.open(dir)
                : SafetensorsReader.open(dir)) {
            WeightLoader w = new WeightLoader(reader, manager, dtype, dir.toString()).int8(plan.int8());
            int h = config.hiddenSize();
            int qd = config.numHeads() * config.headDim();
            int kvd = config.numKvHeads() * config.headDim();
            int im = config.intermediateSize();
            String embedName = "model.embed_tokens.weight";
            NDArray embed = null;
            Int8Matrix embed8 = null;
            if (plan.int8()) {
                embed8 = w.quantize(new String[] {embedName}, new long[] {config.vocabSize()}, h);
            } else {
                embed = w.load(embedName, config.vocabSize(), h);
            }
            LayerConstants constants = new LayerConstants(Ops.scalar(manager, (float) config.rmsNormEps()),
                    Ops.scalar(manager, (float) Math.sqrt(config.headDim())),
                    Ops.rotateHalfMatrix(manager, config.headDim(), dtype));
            List<DecoderLayer> layers = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                String p = "model.layers." + i + ".";
                String[] qkv = {p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                        p + "self_attn.v_proj.weight"};
                String[] qkvBias = config.qkvBias() ? new String[] {p + "self_attn.q_proj.bias",
                        p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias"} : null;
                LayerWeights lw = new LayerWeights(
                        w.load(p + "input_layernorm.weight", h),
                        w.projection(qkv, new long[] {qd, kvd, kvd}, h, qkvBias),
                        w.projection(new String[] {p + "self_attn.o_proj.weight"}, new long[] {h}, qd, null),
                        w.load(p + "post_attention_layernorm.weight", h),
                        w.projection(new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"},
                                new long[] {im, im}, h, null),
                        w.projection(new String[] {p + "mlp.down_proj.weight"}, new long[] {h}, im, null));
                layers.add(new DecoderLayer(i, config, lw, constants));
            }
            NDArray norm = w.load("model.norm.weight", h);
            Projection head;
            if (!config.tieWordEmbeddings()) {
                head = w.projection(new String[] {"lm_head.weight"}, new long[] {config.vocabSize()}, h, null);
            } else {
                head = plan.int8() ? Projection.int8(embed8, null) : Projection.dense(embed, null);
            }
            DecoderModel model = new DecoderModel(config, manager, plan, embed, embed8, head, norm, layers,
                    constants, dir);
            extra.load(w, model);
            LOG.info("loaded {} from {} as {} in {} ms (kernel {})", config, dir, plan,
                    (System.nanoTime() - t0) / 1_000_000, plan.int8() ? Int8Kernels.kernelName() : "PyTorch");
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Hook to load additional tensors with the model's loader; called once, on the loading thread. */
    @FunctionalInterface
    public interface ExtraWeights {
        void load(WeightLoader loader, DecoderModel model);
    }

    public ModelConfig config() {
        return config;
    }

    /** The decoder layers, in order. */
    public List<DecoderLayer> layers() {
        return layers;
    }

    /** The checkpoint directory. */
    public Path directory() {
        return directory;
    }

    /** The root manager owning the weights; create per-call scopes with {@link #newScope()}. */
    public NDManager manager() {
        ensureOpen();
        return manager;
    }

    /** A fresh sub-manager for one call; close it when done. */
    public NDManager newScope() {
        ensureOpen();
        return manager.newSubManager();
    }

    /** Type of activations (float32 for int8 weights). */
    public DataType dtype() {
        return dtype;
    }

    /** The device and precision the model runs with. */
    public RuntimePlan plan() {
        return plan;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** A new empty KV cache for {@code batch} rows. */
    public KvCache newCache(int batch, int initialCapacity) {
        ensureOpen();
        return new KvCache(this, batch, initialCapacity);
    }

    /**
     * Checks every id is in {@code [0, vocab)}.
     *
     * @throws ModelException naming the bad id and its position
     */
    public void checkIds(long[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new ModelException("token id " + ids[i] + " at position " + i + " is outside the vocabulary [0, "
                        + config.vocabSize() + ") of " + directory);
            }
        }
    }

    /** Embedding lookup: {@code ids [B, T]} int64 to {@code [B, T, hidden]}. */
    public NDArray embed(NDArray ids) {
        if (embedInt8 == null) {
            return Ops.embed(ids, embedTokens);
        }
        // int8 table: dequantise just the looked-up rows
        long[] flat = ids.toLongArray();
        int h = config.hiddenSize();
        ByteBuffer rows = ByteBuffer.allocateDirect(flat.length * h * Float.BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer f = rows.asFloatBuffer();
        for (long id : flat) {
            embedInt8.dequantize((int) id, (int) id + 1, f);
        }
        return ids.getManager().create(rows, ids.getShape().add(h), DataType.FLOAT32);
    }

    /** RoPE tables {cos, sin} {@code [B, T, D]} for {@code positionIds [B, T]}. */
    public NDArray[] rope(NDArray positionIds) {
        return Ops.ropeCosSin(positionIds, invFreq, attentionScaling, dtype);
    }

    /** The final RMSNorm. */
    public NDArray finalNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, finalNorm, constants.rmsNormEps());
    }

    /** Logits {@code [..., vocab]} in float32. */
    public NDArray lmHead(NDArray normedHidden) {
        NDArray logits = lmHead.apply(normedHidden);
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    /**
     * Runs embed and all layers and the final norm.
     *
     * @param ids {@code [B, T]} int64 (in the caller's scope)
     * @param positionIds {@code [B, T]} int64
     * @param mask additive float32 mask {@code [B, 1, T, past+T]}, or null when every key is visible to every query
     *     (a single new token without padding)
     * @param cache cache to read and extend (advanced by T), or null
     * @param hiddenStates when non-null, receives the embedding output and each layer's output (the last replaced by
     *     the normed output, HF's convention)
     * @return the final-normed hidden states {@code [B, T, hidden]}, in {@code ids}' manager
     */
    public NDArray forwardHidden(NDArray ids, NDArray positionIds, NDArray mask, KvCache cache,
            List<NDArray> hiddenStates) {
        ensureOpen();
        NDManager scope = ids.getManager();
        NDArray h = embed(ids);
        NDArray[] cs = rope(positionIds);
        // [B, T, 1, D]: broadcast over the heads of the layers' [B, T, heads, D] layout.
        cs = new NDArray[] {cs[0].expandDims(2), cs[1].expandDims(2)};
        if (hiddenStates != null) {
            hiddenStates.add(h);
        }
        for (DecoderLayer layer : layers) {
            // Each layer's intermediates live in their own sub-scope, so peak memory is one layer's activations.
            try (NDManager layerScope = scope.newSubManager()) {
                if (hiddenStates != null) {
                    h.tempAttach(layerScope);
                } else {
                    h.attach(layerScope);
                }
                NDArray out = layer.forward(h, cs[0], cs[1], mask, cache);
                out.attach(scope);
                h = out;
            }
            if (hiddenStates != null) {
                hiddenStates.add(h);
            }
        }
        if (cache != null) {
            cache.advance(Math.toIntExact(ids.getShape().get(1)));
        }
        NDArray normed = finalNorm(h);
        if (hiddenStates != null) {
            hiddenStates.set(hiddenStates.size() - 1, normed);
        }
        return normed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StateException("model " + directory + " is closed");
        }
    }

    /** Frees all weights; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
