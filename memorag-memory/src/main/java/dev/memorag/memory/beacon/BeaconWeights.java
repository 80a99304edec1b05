package dev.memorag.memory.beacon;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.memorag.error.CorruptDataException;
import dev.memorag.safetensors.DType;
import dev.memorag.safetensors.SafetensorsReader;
import dev.memorag.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;

/**
 * The weights of a beacon memory model as NDArrays owned by one manager. Linear weights are kept transposed
 * ({@code [in, out]}) so that {@code x.matMul(w)} computes {@code x W^T}.
 *
 * <p>Thread-safety: read-only after construction; safe for concurrent reads.
 */
final class BeaconWeights {
    final NDArray embed;
    final NDArray beaconEmbed;
    final Layer[] layers;
    final NDArray finalNorm;
    final NDArray lmHeadT;

    /** One decoder layer. Beacon projections are null when the config does not list them. */
    static final class Layer {
        NDArray inNorm;
        NDArray postNorm;
        Linear q;
        Linear k;
        Linear v;
        Linear bq;
        Linear bk;
        Linear bv;
        Linear o;
        Linear gate;
        Linear up;
        Linear down;
    }

    /** A linear map with an optional bias. */
    record Linear(NDArray weightT, NDArray bias) {
        NDArray apply(NDArray x) {
            NDArray y = x.matMul(weightT);
            return bias == null ? y : y.add(bias);
        }
    }

    BeaconWeights(BeaconConfig c, Path dir, NDManager manager, boolean beacons) {
        try (SafetensorsReader r = SafetensorsReader.open(dir)) {
            Loader l = new Loader(r, manager, dir);
            embed = l.tensor("model.embed_tokens.weight", c.vocab(), c.hidden());
            beaconEmbed = beacons ? l.tensor("model.beacon_embed_tokens.weight", 1, c.hidden()) : null;
            layers = new Layer[c.layers()];
            int q = c.heads() * c.headDim();
            int kv = c.kvHeads() * c.headDim();
            for (int i = 0; i < c.layers(); i++) {
                String p = "model.layers." + i + ".";
                Layer layer = new Layer();
                layer.inNorm = l.tensor(p + "input_layernorm.weight", c.hidden());
                layer.postNorm = l.tensor(p + "post_attention_layernorm.weight", c.hidden());
                layer.q = l.linear(p + "self_attn.q_proj", q, c.hidden());
                layer.k = l.linear(p + "self_attn.k_proj", kv, c.hidden());
                layer.v = l.linear(p + "self_attn.v_proj", kv, c.hidden());
                layer.bq = c.beaconParams().contains("q") ? l.linear(p + "self_attn.beacon_q_proj", q, c.hidden())
                        : null;
                layer.bk = c.beaconParams().contains("k") ? l.linear(p + "self_attn.beacon_k_proj", kv, c.hidden())
                        : null;
                layer.bv = c.beaconParams().contains("v") ? l.linear(p + "self_attn.beacon_v_proj", kv, c.hidden())
                        : null;
                layer.o = l.linear(p + "self_attn.o_proj", c.hidden(), q);
                layer.gate = l.linear(p + "mlp.gate_proj", c.intermediate(), c.hidden());
                layer.up = l.linear(p + "mlp.up_proj", c.intermediate(), c.hidden());
                layer.down = l.linear(p + "mlp.down_proj", c.hidden(), c.intermediate());
                layers[i] = layer;
            }
            finalNorm = l.tensor("model.norm.weight", c.hidden());
            if (r.contains("lm_head.weight")) {
                lmHeadT = l.tensor("lm_head.weight", c.vocab(), c.hidden()).transpose();
            } else if (c.base().tieWordEmbeddings()) {
                lmHeadT = embed.transpose();
            } else {
                throw new CorruptDataException("checkpoint " + dir + ": tensor 'lm_head.weight' missing and "
                        + "tie_word_embeddings is false");
            }
        }
    }

    private record Loader(SafetensorsReader reader, NDManager manager, Path dir) {
        NDArray tensor(String name, long... shape) {
            if (!reader.contains(name)) {
                throw new CorruptDataException("checkpoint " + dir + ": tensor '" + name + "' missing");
            }
            long[] actual = reader.info(name).shape();
            if (!java.util.Arrays.equals(actual, shape)) {
                throw new CorruptDataException("checkpoint " + dir + ": tensor '" + name + "' has shape "
                        + java.util.Arrays.toString(actual) + ", config needs " + java.util.Arrays.toString(shape));
            }
            TensorInfo info = reader.info(name);
            if (info.dtype() == DType.F32 && info.length() <= Integer.MAX_VALUE) {
                // read straight into native memory: no float[] copy on the heap, and no mapped file pages that would
                // count in the resident set next to the weights
                ByteBuffer buf = ByteBuffer.allocateDirect((int) info.length()).order(ByteOrder.LITTLE_ENDIAN);
                try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
                    long pos = info.offset();
                    while (buf.hasRemaining()) {
                        int n = ch.read(buf, pos);
                        if (n < 0) {
                            throw new CorruptDataException(info.file() + ": truncated in tensor '" + name + "'");
                        }
                        pos += n;
                    }
                } catch (IOException e) {
                    throw new CorruptDataException(info.file() + ": cannot read tensor '" + name + "': " + e, e);
                }
                buf.flip();
                return manager.create(buf, new Shape(shape), DataType.FLOAT32);
            }
            return manager.create(reader.readFloats(name), new Shape(shape));
        }

        Linear linear(String prefix, int out, int in) {
            NDArray w = tensor(prefix + ".weight", out, in).transpose();
            NDArray b = reader.contains(prefix + ".bias") ? tensor(prefix + ".bias", out) : null;
            return new Linear(w, b);
        }
    }
}
