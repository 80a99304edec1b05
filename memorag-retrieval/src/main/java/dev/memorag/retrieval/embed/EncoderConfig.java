package dev.memorag.retrieval.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memorag.error.CorruptDataException;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import dev.memorag.error.UnsupportedFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The fields of a Hugging Face {@code config.json} that a BERT or XLM-RoBERTa encoder needs.
 *
 * <p>Thread-safety: immutable.
 *
 * @param family {@code bert} or {@code xlm-roberta}
 * @param hiddenSize hidden width
 * @param layers number of encoder layers
 * @param heads attention heads
 * @param intermediateSize feed-forward width
 * @param maxPositions position-embedding rows
 * @param typeVocabSize token-type rows
 * @param layerNormEps LayerNorm epsilon
 * @param padTokenId padding token id (XLM-R positions are counted from it)
 * @param vocabSize vocabulary size
 */
public record EncoderConfig(String family, int hiddenSize, int layers, int heads, int intermediateSize, int maxPositions,
        int typeVocabSize, double layerNormEps, int padTokenId, int vocabSize) {
    public EncoderConfig {
        if (!family.equals("bert") && !family.equals("xlm-roberta")) {
            throw new UnsupportedFormatException("encoder model_type '" + family + "' is not supported (bert, xlm-roberta)");
        }
        if (hiddenSize <= 0 || layers <= 0 || heads <= 0 || hiddenSize % heads != 0) {
            throw new ModelException("bad encoder sizes: hidden_size=" + hiddenSize + " num_attention_heads=" + heads
                    + " num_hidden_layers=" + layers);
        }
    }

    /** Whether positions follow XLM-R's scheme (offset by the padding index). */
    boolean xlmr() {
        return family.equals("xlm-roberta");
    }

    /** Reads {@code config.json}. */
    public static EncoderConfig read(Path file) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("encoder config not found: " + file, e);
        } catch (IOException e) {
            throw new CorruptDataException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        String type = n.path("model_type").asText("");
        String family = switch (type) {
            case "bert" -> "bert";
            case "xlm-roberta", "roberta" -> "xlm-roberta";
            default -> throw new UnsupportedFormatException(file + ": field 'model_type' is '" + type
                    + "', supported: bert, xlm-roberta");
        };
        String act = n.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new UnsupportedFormatException(file + ": field 'hidden_act' is '" + act + "', only gelu is supported");
        }
        String pos = n.path("position_embedding_type").asText("absolute");
        if (!pos.equals("absolute")) {
            throw new UnsupportedFormatException(file + ": field 'position_embedding_type' is '" + pos
                    + "', only absolute is supported");
        }
        return new EncoderConfig(family, req(n, file, "hidden_size"), req(n, file, "num_hidden_layers"),
                req(n, file, "num_attention_heads"), req(n, file, "intermediate_size"),
                req(n, file, "max_position_embeddings"), n.path("type_vocab_size").asInt(2),
                n.path("layer_norm_eps").asDouble(1e-12), n.path("pad_token_id").asInt(0), req(n, file, "vocab_size"));
    }

    private static int req(JsonNode n, Path file, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new ModelException(file + ": field '" + field + "' is missing or not an integer: " + v);
        }
        return v.asInt();
    }
}
