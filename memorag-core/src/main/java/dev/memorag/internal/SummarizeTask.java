package dev.memorag.internal;

import dev.memorag.api.Hit;
import dev.memorag.api.MemoryModel;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.ClueFilter;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.List;

/**
 * {@link TaskType#SUMMARIZE}: the memory lists the text's key points, each key point retrieves evidence, the
 * generator summarises the evidence. Without usable key points, or without a memory model (a save memorised
 * without one), the text is summarised from its beginning: as much of it as fits the generator.
 *
 * <p>Thread-safety: stateless.
 */
final class SummarizeTask implements QueryTask {
    @Override
    public QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener) {
        state.requireGenerator(TaskType.SUMMARIZE);
        Stages stages = new Stages(options);
        List<Hit> evidence;
        List<String> points = List.of();
        if (state.memory() == null) {
            stages.warn("no memory model, so no key points; summarising the text from its beginning");
            evidence = state.allChunks();
        } else {
            MemoryModel memory = state.requireMemory(TaskType.SUMMARIZE);
            String keyPoints = stages.generate("key_points", () -> memory.instruct(state.prompts().keyPoints(),
                    stages.greedy(options.keyPointTokens()), TokenListener.NONE)).text();
            points = new ClueFilter(state.languageOrEnglish()).filter(List.of(keyPoints));
            if (points.isEmpty()) {
                stages.warn("the memory produced no usable key points; summarising the text from its beginning");
                evidence = state.allChunks();
            } else {
                List<String> queries = points;
                evidence = stages.time("retrieval", () -> state.retrieve(queries, options.hits(), options.order()));
            }
        }
        return AnswerStage.answer(state, TaskType.SUMMARIZE, text -> state.prompts().summarize(text), points,
                evidence, null, listener, stages);
    }
}
