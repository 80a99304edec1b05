package dev.memorag.retrieval.embed;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.memorag.error.ModelException;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.TensorInfo;
import dev.memorag.spi.DjlNatives;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BERT / XLM-RoBERTa encoder forward pass on DJL PyTorch NDArrays, from a safetensors checkpoint with Hugging Face
 * names (optionally prefixed {@code bert.} / {@code roberta.}). Eager attention, exact-erf GELU, post-LayerNorm, as in
 * transformers' {@code BertModel} / {@code XLMRobertaModel}.
 *
 * <p>Thread-safety: thread-safe after construction; each forward pass uses its own sub-manager.
 */
final class TransformerEncoder implements AutoCloseable {
    private final EncoderConfig config;
    private final DataType dtype;
    private final NDManager manager;
    private final NDArray wordEmb;
    private final NDArray posEmb;
    private final NDArray typeEmb;
    private final NDArray embLnW;
    private final NDArray embLnB;
    private final List<Layer> layers = new ArrayList<>();
    private boolean closed;

    private record Layer(NDArray qT, NDArray qB, NDArray kT, NDArray kB, NDArray vT, NDArray vB, NDArray oT,
            NDArray oB, NDArray ln1W, NDArray ln1B, NDArray iT, NDArray iB, NDArray o2T, NDArray o2B, NDArray ln2W,
            NDArray ln2B) {
    }

    TransformerEncoder(Path dir, EncoderConfig config, Device device) {
        this(dir, config, device, DataType.FLOAT32);
    }

    /**
     * @param dtype weight and activation type: FLOAT32, or FLOAT16 (layer norms and softmax still run in float32)
     */
    TransformerEncoder(Path dir, EncoderConfig config, Device device, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new dev.memorag.error.InvalidInputException("encoder dtype must be float32 or float16, was "
                    + dtype);
        }
        this.config = config;
        this.dtype = dtype;
        this.manager = DjlNatives.start("the safetensors encoder " + dir,
                () -> Engine.getEngine("PyTorch").newBaseManager(device));
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            String prefix = detectPrefix(r, dir);
            int h = config.hiddenSize();
            wordEmb = load(r, prefix + "embeddings.word_embeddings.weight", config.vocabSize(), h);
            posEmb = load(r, prefix + "embeddings.position_embeddings.weight", config.maxPositions(), h);
            typeEmb = load(r, prefix + "embeddings.token_type_embeddings.weight", config.typeVocabSize(), h);
            embLnW = load(r, prefix + "embeddings.LayerNorm.weight", h);
            embLnB = load(r, prefix + "embeddings.LayerNorm.bias", h);
            for (int l = 0; l < config.layers(); l++) {
                String p = prefix + "encoder.layer." + l + ".";
                int in = config.intermediateSize();
                layers.add(new Layer(
                        load(r, p + "attention.self.query.weight", h, h).transpose(),
                        load(r, p + "attention.self.query.bias", h),
                        load(r, p + "attention.self.key.weight", h, h).transpose(),
                        load(r, p + "attention.self.key.bias", h),
                        load(r, p + "attention.self.value.weight", h, h).transpose(),
                        load(r, p + "attention.self.value.bias", h),
                        load(r, p + "attention.output.dense.weight", h, h).transpose(),
                        load(r, p + "attention.output.dense.bias", h),
                        load(r, p + "attention.output.LayerNorm.weight", h),
                        load(r, p + "attention.output.LayerNorm.bias", h),
                        load(r, p + "intermediate.dense.weight", in, h).transpose(),
                        load(r, p + "intermediate.dense.bias", in),
                        load(r, p + "output.dense.weight", h, in).transpose(),
                        load(r, p + "output.dense.bias", h),
                        load(r, p + "output.LayerNorm.weight", h),
                        load(r, p + "output.LayerNorm.bias", h)));
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String detectPrefix(SafetensorsReader r, Path dir) {
        for (String p : new String[] {"", "bert.", "roberta.", "model."}) {
            if (r.contains(p + "embeddings.word_embeddings.weight")) {
                return p;
            }
        }
        throw new ModelException(dir + ": no tensor 'embeddings.word_embeddings.weight' (with or without a bert./"
                + "roberta. prefix); is this a BERT / XLM-RoBERTa checkpoint?");
    }

    private NDArray load(SafetensorsReader r, String name, long... shape) {
        if (!r.contains(name)) {
            throw new ModelException("encoder checkpoint is missing tensor '" + name + "'");
        }
        TensorInfo info = r.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ModelException("tensor '" + name + "' has shape " + Arrays.toString(info.shape())
                    + ", config expects " + Arrays.toString(shape));
        }
        NDArray a = manager.create(r.readFloats(name), new Shape(shape));
        if (dtype == DataType.FLOAT32) {
            return a;
        }
        NDArray half = a.toType(dtype, false);
        a.close();
        return half;
    }

    EncoderConfig config() {
        return config;
    }

    /**
     * The last hidden states {@code [batch][seq][hidden]} (flattened) of right-padded ids; {@code lengths[i]} real
     * tokens in row i.
     */
    float[] forward(long[] ids, int batch, int seq, int[] lengths) {
        int h = config.hiddenSize();
        int nh = config.heads();
        int hd = h / nh;
        long[] pos = new long[batch * seq];
        float[] maskBias = new float[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (lengths[b] > (config.xlmr() ? config.maxPositions() - config.padTokenId() - 1 : config.maxPositions())) {
                throw new ModelException("input of " + lengths[b] + " tokens exceeds the encoder's position limit");
            }
            for (int t = 0; t < seq; t++) {
                boolean real = t < lengths[b];
                int i = b * seq + t;
                if (config.xlmr()) {
                    // HF create_position_ids_from_input_ids: cumsum(mask) * mask + padding_idx.
                    pos[i] = real ? t + 1 + config.padTokenId() : config.padTokenId();
                } else {
                    pos[i] = t;
                }
                maskBias[i] = real ? 0f : -Float.MAX_VALUE;
                if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                    throw new ModelException("token id " + ids[i] + " is outside the vocabulary (" + config.vocabSize()
                            + ")");
                }
            }
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray idArr = m.create(ids);
            NDArray posArr = m.create(pos);
            NDArray x = gather(wordEmb, idArr, m).add(gather(posEmb, posArr, m))
                    .add(gather(typeEmb, m.zeros(new Shape(batch * seq), ai.djl.ndarray.types.DataType.INT64), m))
                    .reshape(batch, seq, h);
            x = layerNorm(x, embLnW, embLnB);
            NDArray bias = m.create(maskBias, new Shape(batch, 1, 1, seq));
            double scale = 1.0 / Math.sqrt(hd);
            for (Layer l : layers) {
                NDArray q = heads(linear(x, l.qT, l.qB), batch, seq, nh, hd);
                NDArray k = heads(linear(x, l.kT, l.kB), batch, seq, nh, hd);
                NDArray v = heads(linear(x, l.vT, l.vB), batch, seq, nh, hd);
                NDArray scores = f32(q.matMul(k.transpose(0, 1, 3, 2))).mul(scale).add(bias);
                NDArray probs = scores.softmax(-1).toType(dtype, false);
                NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, h);
                NDArray attn = layerNorm(linear(ctx, l.oT, l.oB).add(x), l.ln1W, l.ln1B);
                NDArray inter = Activation.gelu(linear(attn, l.iT, l.iB));
                x = layerNorm(linear(inter, l.o2T, l.o2B).add(attn), l.ln2W, l.ln2B);
            }
            return f32(x).toFloatArray();
        }
    }

    /** Rows of {@code table} at {@code idx}; the result belongs to {@code m}. */
    private static NDArray gather(NDArray table, NDArray idx, NDManager m) {
        NDArray out = table.get(idx);
        out.attach(m);
        return out;
    }

    private static NDArray linear(NDArray x, NDArray wT, NDArray b) {
        return x.matMul(wT).add(b);
    }

    private static NDArray heads(NDArray x, int batch, int seq, int nh, int hd) {
        return x.reshape(batch, seq, nh, hd).transpose(0, 2, 1, 3);
    }

    /** Layer norm in float32 (float16 statistics lose too much), the result back in the encoder's dtype. */
    private NDArray layerNorm(NDArray x, NDArray w, NDArray b) {
        NDArray xf = f32(x);
        NDArray mean = xf.mean(new int[] {-1}, true);
        NDArray c = xf.sub(mean);
        NDArray var = c.square().mean(new int[] {-1}, true);
        NDArray normed = c.div(var.add(config.layerNormEps()).sqrt());
        return (dtype == DataType.FLOAT32 ? normed : normed.toType(dtype, false)).mul(w).add(b);
    }

    private static NDArray f32(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
