package dev.memorag.internal;

import dev.memorag.api.TaskType;
import dev.memorag.api.TokenListener;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.QueryResult;
import java.util.EnumMap;
import java.util.Map;

/**
 * One way of answering a query over a pipeline's state: {@link MemoryQaTask}, {@link MemoryOnlyQaTask},
 * {@link SummarizeTask}, {@link RagTask}.
 *
 * <p>Thread-safety: implementations are stateless; the state is read under the pipeline's read lock.
 */
public interface QueryTask {

    /** Answers {@code query} (ignored by tasks that need none), streaming the final generation to {@code listener}. */
    QueryResult run(PipelineState state, String query, QueryOptions options, TokenListener listener);

    /** The task that implements {@code type}. */
    static QueryTask of(TaskType type) {
        return Registry.TASKS.get(type);
    }

    /** The implementation of each {@link TaskType}. */
    final class Registry {
        private static final Map<TaskType, QueryTask> TASKS = new EnumMap<>(Map.of(
                TaskType.MEMORY_QA, new MemoryQaTask(),
                TaskType.MEMORY_ONLY_QA, new MemoryOnlyQaTask(),
                TaskType.SUMMARIZE, new SummarizeTask(),
                TaskType.RAG, new RagTask()));

        private Registry() {
        }
    }
}
