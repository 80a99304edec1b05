package dev.memorag.internal;

import dev.memorag.api.Hit;
import dev.memorag.api.MemoryModel;
import dev.memorag.pipeline.QueryOptions;
import dev.memorag.pipeline.Recollection;
import java.util.List;

/**
 * Recall: what the memory says about a query and the evidence that retrieves, without an answer. Without a memory
 * model the clues are empty and the query alone retrieves.
 *
 * <p>Thread-safety: stateless.
 */
public final class RecallTask {
    private RecallTask() {
    }

    public static Recollection run(PipelineState state, String query, QueryOptions options) {
        Stages stages = new Stages(options);
        MemoryModel memory = state.memory();
        MemoryClues clues = memory == null ? MemoryClues.NONE : MemoryClues.of(state, memory, query, stages);
        List<Hit> evidence = stages.time("retrieval",
                () -> state.retrieve(clues.queriesWith(query), options.hits(), options.order()));
        return new Recollection(query, clues.clues(), clues.draft(), evidence, stages.timings(), stages.usage());
    }
}
