package dev.memorag.internal;

import dev.memorag.api.Hit;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.List;

/**
 * {@link TaskType#MEMORY_QA}, MemoRAG proper: the memory's clues and the query retrieve evidence, the generator
 * answers from it (with the memory's draft answer as one more passage when asked for).
 *
 * <p>Thread-safety: stateless.
 */
final class MemoryQaTask implements QueryTask {
    @Override
    public QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener) {
        MemoryModel memory = state.requireMemory(TaskType.MEMORY_QA);
        state.requireGenerator(TaskType.MEMORY_QA);
        Stages stages = new Stages(options);
        MemoryClues clues = MemoryClues.of(state, memory, query, stages);
        List<Hit> evidence = stages.time("retrieval",
                () -> state.retrieve(clues.queriesWith(query), options.hits(), options.order()));
        String draft = clues.draft().isBlank() ? null : state.prompts().draftAnswer(clues.draft().strip());
        return AnswerStage.answer(state, TaskType.MEMORY_QA, text -> state.prompts().ragAnswer(text, query),
                clues.clues(), evidence, draft, listener, stages);
    }
}
