package dev.memorag.api;

/**
 * The prompts a {@link MemoryModel} needs while it reads a text: how the text is wrapped as a conversation, and (for
 * gist memories) how one chunk is condensed. The pipeline passes its language's templates
 * ({@code dev.memorag.prompt.Prompts} implements this); a memory model never depends on the concrete class.
 *
 * <p>Thread-safety: implementations are immutable.
 */
public interface MemoryPrompts {

    /** The language the prompts are written in. */
    Language language();

    /** The user turn wrapping {@code text} for memorising. */
    String contextTurn(String text);

    /** The assistant's acknowledgement after the context turn. */
    String contextAcknowledgement();

    /** The instruction that condenses one chunk {@code text} into a gist (MemoRAG-Lite). */
    String gist(String text);
}
