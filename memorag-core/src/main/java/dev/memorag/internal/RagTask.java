package dev.memorag.internal;

import dev.memorag.api.Hit;
import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.List;

/**
 * {@link TaskType#RAG}, the baseline: the query alone retrieves evidence, the generator answers; no memory model.
 *
 * <p>Thread-safety: stateless.
 */
final class RagTask implements QueryTask {
    @Override
    public QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener) {
        state.requireGenerator(TaskType.RAG);
        Stages stages = new Stages(options);
        List<Hit> evidence = stages.time("retrieval",
                () -> state.retrieve(List.of(query), options.hits(), options.order()));
        return AnswerStage.answer(state, TaskType.RAG, text -> state.prompts().ragAnswer(text, query), List.of(),
                evidence, null, listener, stages);
    }
}
