package dev.memorag.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.memorag.api.TokenCounter;

/**
 * Counts tokens with OpenAI's cl100k_base encoding (the gpt-3.5-turbo tokenizer MemoRAG reports sizes in), in pure
 * Java.
 *
 * <p>Thread-safety: thread-safe; use {@link #INSTANCE}.
 */
public final class Cl100kTokenCounter implements TokenCounter {
    /** Shared instance (the encoding tables are loaded once). */
    public static final Cl100kTokenCounter INSTANCE = new Cl100kTokenCounter();

    private final Encoding encoding;

    private Cl100kTokenCounter() {
        encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    }

    @Override
    public int count(String text) {
        return encoding.countTokensOrdinary(text);
    }

    /** The underlying encoding, for callers that need token ids. */
    public Encoding encoding() {
        return encoding;
    }
}
