package dev.memorag.cli;

import dev.memorag.error.InvalidInputException;
import dev.memorag.MemoRAG;
import dev.memorag.api.ChatMessage;
import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.generation.server.BackendAnswer;
import dev.memorag.generation.server.ChatBackend;
import dev.memorag.pipeline.EvidenceOrder;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.List;
import java.util.Objects;

/**
 * Answers chat requests of {@code memorag serve --save DIR} through a loaded {@link MemoRAG} pipeline: the last user
 * message is the question; memory-augmented QA when the save has a memory, plain RAG otherwise. The answer's evidence
 * goes back to the client in the response's {@code evidence} field. Earlier turns are not used (the memory is the
 * context).
 *
 * <p>Thread-safety: thread-safe (the pipeline runs concurrent queries).
 */
final class PipelineChatBackend implements ChatBackend {
    private final MemoRAG rag;
    private final String modelId;
    private final TaskType task;
    private final int hits;

    PipelineChatBackend(MemoRAG rag, String modelId) {
        this(rag, modelId, 0);
    }

    /** {@code hits}: chunks per retrieval query, 0 for the pipeline's default. */
    PipelineChatBackend(MemoRAG rag, String modelId, int hits) {
        this.rag = Objects.requireNonNull(rag, "rag");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.task = rag.memoryStats() != null ? TaskType.MEMORY_QA : TaskType.RAG;
        this.hits = hits;
    }

    @Override
    public BackendAnswer answer(List<ChatMessage> messages, GenerationOptions options, TokenListener listener) {
        String question = null;
        for (int i = messages.size() - 1; i >= 0 && question == null; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) {
                question = messages.get(i).content();
            }
        }
        if (question == null || question.isBlank()) {
            throw new InvalidInputException("the conversation has no user message to answer");
        }
        QueryOptions q = QueryOptions.builder().hits(hits).answerTokens(options.maxNewTokens())
                .order(EvidenceOrder.DOCUMENT_POSITION).cancellation(options.cancellation()).build();
        QueryResult r = rag.ask(question, task, q, listener);
        return new BackendAnswer(r.answer().text(), FinishReason.STOP, r.answer().usage(), r.answer().evidence());
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public String toString() {
        return "PipelineChatBackend[" + modelId + ", " + task + "]";
    }
}
