package dev.memorag.retrieval.embed;

import ai.djl.Device;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embedder for BERT and XLM-RoBERTa safetensors checkpoints (e.g. BGE-M3's dense head, BGE v1.5) run by our
 * own encoder on the DJL PyTorch engine: {@code config.json}, {@code model.safetensors} (or shards) and
 * {@code tokenizer.json} in one directory. CLS pooling + L2 normalisation by default, length-sorted batches.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class SafetensorsEmbedder implements Embedder {
    private final String id;
    private final TransformerEncoder encoder;
    private final TextTokenizer tokenizer;
    private final Pooling pooling;
    private final String queryPrefix;
    private final int batchSize;
    private volatile boolean closed;

    private SafetensorsEmbedder(Builder b) {
        EncoderConfig config = EncoderConfig.read(b.dir.resolve("config.json"));
        Path tok = b.dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new InvalidInputException("no tokenizer.json in " + b.dir);
        }
        this.id = b.id;
        this.pooling = b.pooling;
        this.queryPrefix = b.queryPrefix;
        this.batchSize = b.batchSize;
        int limit = config.xlmr() ? config.maxPositions() - config.padTokenId() - 1 : config.maxPositions();
        this.tokenizer = new TextTokenizer(tok, Math.min(b.maxTokens, limit));
        try {
            this.encoder = new TransformerEncoder(b.dir, config, b.device, b.dtype);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** A builder for the checkpoint directory {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Whether {@code dir} looks like a BERT / XLM-R safetensors checkpoint. */
    public static boolean looksLikeCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"))
                && (Files.isRegularFile(dir.resolve("model.safetensors"))
                        || Files.isRegularFile(dir.resolve("model.safetensors.index.json")));
    }

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        Objects.requireNonNull(texts, "texts");
        if (closed) {
            throw new StateException("embedder " + id + " is closed");
        }
        String prefix = purpose == EmbedPurpose.QUERY ? queryPrefix : "";
        int pad = encoder.config().padTokenId();
        int h = encoder.config().hiddenSize();
        return LengthBatches.embed(tokenizer, texts, prefix, batchSize, true, progress, (enc, batch, out) -> {
            int seq = 0;
            for (int i : batch) {
                seq = Math.max(seq, enc[i].ids().length);
            }
            long[] ids = new long[batch.length * seq];
            java.util.Arrays.fill(ids, pad);
            int[] lens = new int[batch.length];
            for (int r = 0; r < batch.length; r++) {
                lens[r] = enc[batch[r]].ids().length;
                System.arraycopy(enc[batch[r]].ids(), 0, ids, r * seq, lens[r]);
            }
            float[] hidden = encoder.forward(ids, batch.length, seq, lens);
            for (int r = 0; r < batch.length; r++) {
                out[batch[r]] = pooling.pool(hidden, r, seq, h, lens[r]);
            }
        });
    }

    @Override
    public int dimension() {
        return encoder.config().hiddenSize();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            encoder.close();
            tokenizer.close();
        }
    }

    /**
     * Options: CLS pooling, no query prefix, 512 tokens, batches of 8, CPU.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final Path dir;
        private String id;
        private Pooling pooling = Pooling.CLS;
        private String queryPrefix = "";
        private int maxTokens = 512;
        private int batchSize = 8;
        private Device device = Device.cpu();
        private ai.djl.ndarray.types.DataType dtype = ai.djl.ndarray.types.DataType.FLOAT32;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
            if (!Files.isDirectory(dir)) {
                throw new InvalidInputException("encoder checkpoint directory not found: " + dir);
            }
            this.id = dir.toAbsolutePath().normalize().getFileName().toString();
        }

        public Builder id(String id) {
            if (id == null || id.isBlank()) {
                throw new InvalidInputException("embedder id must not be blank");
            }
            this.id = id;
            return this;
        }

        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        public Builder queryPrefix(String prefix) {
            this.queryPrefix = Objects.requireNonNull(prefix, "queryPrefix");
            return this;
        }

        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 2) {
                throw new InvalidInputException("maxTokens must be >= 2, was " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new InvalidInputException("batchSize must be >= 1, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** Weight and activation type: FLOAT32 (default) or FLOAT16 (norms and softmax stay float32). */
        public Builder dtype(ai.djl.ndarray.types.DataType dtype) {
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            return this;
        }

        public SafetensorsEmbedder build() {
            return new SafetensorsEmbedder(this);
        }
    }
}
