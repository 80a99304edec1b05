package dev.memorag.memory.lm;

/**
 * A single-sequence language model seen as "feed tokens, get next-token logits" (a KV-cached session of a plain
 * decoder, or a beacon memory model). {@link DecodingLoop} drives any implementation.
 *
 * <p>Thread-safety: implementations are used by one thread at a time.
 */
public interface TokenStepper {
    /** Feeds the prompt and returns the logits after its last token. */
    float[] prefill(int[] prompt);

    /** Feeds one token and returns the logits after it. */
    float[] step(int token);
}
