package dev.memorag.retrieval.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.memorag.error.InvalidInputException;
import dev.memorag.error.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (DJL's native binding) that adds special tokens and truncates to a
 * maximum length, without padding (batches are padded by the embedder after length sorting).
 *
 * <p>Thread-safety: thread-safe (the native tokenizer is immutable); {@link #close()} must not race with use.
 */
final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private boolean closed;

    TextTokenizer(Path tokenizerJson, int maxTokens) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new InvalidInputException("tokenizer file not found: " + tokenizerJson);
        }
        this.maxTokens = maxTokens;
        try {
            this.tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optPadding(false)
                    .optMaxLength(maxTokens)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Token ids and type ids per text (no padding). */
    Encoded[] encode(List<String> texts) {
        Encoding[] enc = tokenizer.batchEncode(texts);
        Encoded[] out = new Encoded[enc.length];
        for (int i = 0; i < enc.length; i++) {
            long[] ids = enc[i].getIds();
            long[] types = enc[i].getTypeIds();
            if (ids.length > maxTokens) {
                throw new ModelException("tokenizer returned " + ids.length + " tokens, more than maxTokens " + maxTokens);
            }
            out[i] = new Encoded(ids, types);
        }
        return out;
    }

    /** One encoded text. */
    record Encoded(long[] ids, long[] typeIds) {
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            tokenizer.close();
        }
    }
}
