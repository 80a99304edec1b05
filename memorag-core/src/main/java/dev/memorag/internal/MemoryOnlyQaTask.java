package dev.memorag.internal;

import dev.memorag.api.Answer;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.List;

/**
 * {@link TaskType#MEMORY_ONLY_QA}: the memory model answers from its memory alone; nothing is retrieved.
 *
 * <p>Thread-safety: stateless.
 */
final class MemoryOnlyQaTask implements QueryTask {
    @Override
    public QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener) {
        MemoryModel memory = state.requireMemory(TaskType.MEMORY_ONLY_QA);
        Stages stages = new Stages(options);
        GenerationResult r = stages.generate("answer", () -> memory.instruct(state.prompts().answer(query),
                stages.greedy(options.answerTokens()), listener));
        Answer a = new Answer(r.text().strip(), TaskType.MEMORY_ONLY_QA, List.of(), List.of(), stages.timings(),
                stages.usage());
        return new QueryResult(a, 0, 0, false, List.of());
    }
}
