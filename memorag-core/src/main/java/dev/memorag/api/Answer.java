package dev.memorag.api;

import java.util.List;
import java.util.Objects;

/**
 * The result of a pipeline query.
 *
 * <p>Thread-safety: immutable.
 *
 * @param text the generated answer
 * @param task the task that produced it
 * @param clues the retrieval queries the memory produced (after filtering), without the original query
 * @param evidence the chunks given to the generator, in the order they were given
 * @param timings time per stage
 * @param usage tokens read and generated over all model calls
 */
public record Answer(String text, TaskType task, List<String> clues, List<Hit> evidence, Timings timings,
        TokenUsage usage) {
    public Answer {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(task, "task");
        clues = List.copyOf(clues);
        evidence = List.copyOf(evidence);
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(usage, "usage");
    }
}
