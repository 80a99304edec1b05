package dev.memorag.retrieval.embed;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.StateException;
import dev.memorag.api.EmbedPurpose;
import dev.memorag.api.Embedder;
import dev.memorag.api.ProgressListener;
import dev.memorag.spi.DjlNatives;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Sentence embedder for Hugging Face ONNX exports of BERT-like encoders ({@code model.onnx} + {@code tokenizer.json}),
 * run on DJL's ONNX Runtime engine.
 *
 * <p>Texts are tokenized once, sorted by token length and run in batches of similar length (far less padding than a
 * plain loop), then pooled ({@link Pooling#CLS} by default), L2-normalised and returned in the caller's order.
 *
 * <p>Thread-safety: thread-safe; each call uses its own predictor and NDManager.
 */
public final class OnnxEmbedder implements Embedder {
    private static final Set<String> KNOWN_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");

    private final String id;
    private final Model model;
    private final TextTokenizer tokenizer;
    private final Pooling pooling;
    private final String queryPrefix;
    private final String passagePrefix;
    private final int batchSize;
    private final boolean sortByLength;
    private final List<String> inputNames;
    private final int dimension;
    private volatile boolean closed;

    private OnnxEmbedder(Builder b) {
        this.id = b.id;
        this.pooling = b.pooling;
        this.queryPrefix = b.queryPrefix;
        this.passagePrefix = b.passagePrefix;
        this.batchSize = b.batchSize;
        this.sortByLength = b.sortByLength;
        if (!Files.isRegularFile(b.modelFile)) {
            throw new InvalidInputException("ONNX model file not found: " + b.modelFile);
        }
        this.tokenizer = new TextTokenizer(b.tokenizerFile, b.maxTokens);
        Model m = DjlNatives.start("the ONNX embedder " + id, () -> Model.newInstance(id, "OnnxRuntime"));
        try {
            Map<String, Object> options = new HashMap<>();
            if (b.threads > 0) {
                options.put("intraOpNumThreads", String.valueOf(b.threads));
                options.put("interOpNumThreads", "1");
            }
            String fileName = b.modelFile.getFileName().toString();
            m.load(b.modelFile.toAbsolutePath().getParent(), fileName.replaceFirst("\\.onnx$", ""), options);
            OrtTempDirectory.deleteOnExit();
            PairList<String, Shape> inputs = m.describeInput();
            this.inputNames = inputs == null ? List.of("input_ids", "attention_mask", "token_type_ids")
                    : List.copyOf(inputs.keys());
            for (String name : inputNames) {
                if (!KNOWN_INPUTS.contains(name)) {
                    throw new ModelException("ONNX model " + b.modelFile + " has unsupported input '" + name
                            + "' (expected " + KNOWN_INPUTS + ")");
                }
            }
            this.model = m;
            this.dimension = embed(List.of("dimension probe"), EmbedPurpose.PASSAGE)[0].length;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            m.close();
            tokenizer.close();
            if (e instanceof dev.memorag.error.MemoRagException me) {
                throw me;
            }
            throw new ModelException("cannot load ONNX model " + b.modelFile + ": " + e.getMessage(), e);
        }
    }

    /** A builder for an ONNX model file and its {@code tokenizer.json}. */
    public static Builder builder(Path modelFile, Path tokenizerFile) {
        return new Builder(modelFile, tokenizerFile);
    }

    @Override
    public float[][] embed(List<String> texts, EmbedPurpose purpose, ProgressListener progress) {
        Objects.requireNonNull(texts, "texts");
        Objects.requireNonNull(purpose, "purpose");
        if (closed) {
            throw new StateException("embedder " + id + " is closed");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new InvalidInputException("text " + i + " is null");
            }
        }
        if (texts.isEmpty()) {
            return new float[0][];
        }
        String prefix = purpose == EmbedPurpose.QUERY ? queryPrefix : passagePrefix;
        try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
            return LengthBatches.embed(tokenizer, texts, prefix, batchSize, sortByLength, progress,
                    (enc, batch, out) -> runBatch(predictor, enc, batch, out));
        }
    }

    private void runBatch(Predictor<NDList, NDList> predictor, TextTokenizer.Encoded[] enc, int[] batch,
            float[][] out) {
        int seq = 0;
        for (int i : batch) {
            seq = Math.max(seq, enc[i].ids().length);
        }
        int n = batch.length;
        long[] ids = new long[n * seq];
        long[] mask = new long[n * seq];
        long[] types = new long[n * seq];
        for (int r = 0; r < n; r++) {
            TextTokenizer.Encoded e = enc[batch[r]];
            System.arraycopy(e.ids(), 0, ids, r * seq, e.ids().length);
            System.arraycopy(e.typeIds(), 0, types, r * seq, e.typeIds().length);
            for (int t = 0; t < e.ids().length; t++) {
                mask[r * seq + t] = 1;
            }
        }
        try (NDManager manager = model.getNDManager().newSubManager()) {
            Shape shape = new Shape(n, seq);
            NDList input = new NDList();
            for (String name : inputNames) {
                long[] data = switch (name) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> mask;
                    default -> types;
                };
                NDArray a = manager.create(data, shape);
                a.setName(name);
                input.add(a);
            }
            NDList result = predictor.predict(input);
            try {
                NDArray hidden = result.get(0);
                Shape hs = hidden.getShape();
                if (hs.dimension() != 3 || hs.get(0) != n || hs.get(1) != seq) {
                    throw new ModelException("ONNX model output 0 has shape " + hs + ", expected [" + n + ", " + seq
                            + ", hidden]");
                }
                int dim = (int) hs.get(2);
                float[] flat = hidden.toFloatArray();
                for (int r = 0; r < n; r++) {
                    out[batch[r]] = pooling.pool(flat, r, seq, dim, enc[batch[r]].ids().length);
                }
            } finally {
                result.close();
            }
        } catch (TranslateException e) {
            throw new ModelException("ONNX inference failed in " + id + ": " + e.getMessage(), e);
        }
    }

    /** Number of model tokens (special tokens included, after truncation) of each text, as this embedder sees it. */
    public int[] countTokens(List<String> texts) {
        TextTokenizer.Encoded[] enc = tokenizer.encode(texts);
        int[] out = new int[enc.length];
        for (int i = 0; i < enc.length; i++) {
            out[i] = enc[i].ids().length;
        }
        return out;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public String id() {
        return id;
    }

    /** The pooling used. */
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            model.close();
            tokenizer.close();
        }
    }

    /**
     * Options for {@link OnnxEmbedder}; defaults: CLS pooling, no prefixes, 512 tokens, batches of 16 sorted by length
     * (the fusion defaults were tuned on these vectors; batch 8 is ~10% faster on CPU but the int8 model quantises
     * activations per batch, so vectors shift slightly with batching),
     * ONNX Runtime's default thread count.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final Path modelFile;
        private final Path tokenizerFile;
        private String id;
        private Pooling pooling = Pooling.CLS;
        private String queryPrefix = "";
        private String passagePrefix = "";
        private int maxTokens = 512;
        private int batchSize = 16;
        private boolean sortByLength = true;
        private int threads;

        private Builder(Path modelFile, Path tokenizerFile) {
            this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
            this.tokenizerFile = Objects.requireNonNull(tokenizerFile, "tokenizerFile");
            this.id = modelFile.getFileName().toString().replaceFirst("\\.onnx$", "");
        }

        /** The id recorded in saved indexes (default: the model file name without {@code .onnx}). */
        public Builder id(String id) {
            if (id == null || id.isBlank()) {
                throw new InvalidInputException("OnnxEmbedder id must not be blank");
            }
            this.id = id;
            return this;
        }

        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Instruction prepended to queries (e.g. BGE's "Represent this sentence for searching relevant passages: "). */
        public Builder queryPrefix(String prefix) {
            this.queryPrefix = Objects.requireNonNull(prefix, "queryPrefix");
            return this;
        }

        /** Text prepended to passages (e.g. E5's "passage: "). */
        public Builder passagePrefix(String prefix) {
            this.passagePrefix = Objects.requireNonNull(prefix, "passagePrefix");
            return this;
        }

        /** Longer texts are truncated to this many tokens (special tokens included). */
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

        /** Whether to group texts of similar length (default true); false keeps input order, as a plain loop does. */
        public Builder sortByLength(boolean sort) {
            this.sortByLength = sort;
            return this;
        }

        /** ONNX Runtime intra-op threads; 0 (default) lets ONNX Runtime choose. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new InvalidInputException("threads must be >= 0, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        public OnnxEmbedder build() {
            return new OnnxEmbedder(this);
        }
    }
}
