package dev.memorag.generation.server;

import dev.memorag.api.ChatMessage;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.TokenListener;
import java.util.List;

/**
 * What {@link ChatServer} answers through: a conversation in, an answer with its evidence out. The MemoRAG pipeline
 * implements it over a memorised save directory; {@link GeneratorBackend} serves a bare {@link dev.memorag.api.Generator}.
 *
 * <p>Thread-safety: implementations must accept concurrent calls (the server calls from several worker threads).
 */
public interface ChatBackend {

    /**
     * Answers the conversation, streaming the answer's text to {@code listener} as it is produced.
     *
     * @throws dev.memorag.error.CancelledException when {@code options.cancellation()} is cancelled (the client went away)
     * @throws dev.memorag.error.InvalidInputException when the conversation cannot be answered as given (answered as 400)
     */
    BackendAnswer answer(List<ChatMessage> messages, GenerationOptions options, TokenListener listener);

    /** The model id shown by {@code GET /v1/models} and in every response. */
    String modelId();
}
