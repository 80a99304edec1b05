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
 * generator summarises the evidence. Without usable key points the text is summarised from its beginning.
 *
 * <p>Thread-safety: stateless.
 */
final class SummarizeTask implements QueryTask {
    @Override
    public QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener) {
        MemoryModel memory = state.requireMemory(TaskType.SUMMARIZE);
        state.requireGenerator(TaskType.SUMMARIZE);
        Stages stages = new Stages(options);
        String keyPoints = stages.generate("key_points", () -> memory.instruct(state.prompts().keyPoints(),
                stages.greedy(options.keyPointTokens()), TokenListener.NONE)).text();
        List<String> points = new ClueFilter(state.languageOrEnglish()).filter(List.of(keyPoints));
        List<Hit> evidence;
        if (points.isEmpty()) {
            stages.warn("the memory produced no usable key points; summarising the text from its beginning");
            evidence = state.allChunks();
        } else {
            evidence = stages.time("retrieval", () -> state.retrieve(points, options.hits(), options.order()));
        }
        return AnswerStage.answer(state, TaskType.SUMMARIZE, text -> state.prompts().summarize(text), points,
                evidence, null, listener, stages);
    }
}
