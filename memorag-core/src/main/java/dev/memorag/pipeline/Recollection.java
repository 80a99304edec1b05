package dev.memorag.pipeline;

import dev.memorag.api.Hit;
import dev.memorag.api.Timings;
import dev.memorag.api.TokenUsage;
import java.util.List;
import java.util.Objects;

/**
 * What the memory recalled for a query and the evidence it retrieved, before any answer is generated
 * ({@code memorag recall}).
 *
 * <p>Thread-safety: immutable.
 *
 * @param query the original query
 * @param clues filtered clues from the memory (empty when the pipeline has no memory model)
 * @param draftAnswer the memory's draft answer, or empty when not requested
 * @param evidence retrieved chunks, merged and ordered (not yet fitted to a generator)
 * @param timings time per stage
 * @param usage tokens of the memory calls
 */
public record Recollection(String query, List<String> clues, String draftAnswer, List<Hit> evidence, Timings timings,
        TokenUsage usage) {
    public Recollection {
        Objects.requireNonNull(query, "query");
        clues = List.copyOf(clues);
        Objects.requireNonNull(draftAnswer, "draftAnswer");
        evidence = List.copyOf(evidence);
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(usage, "usage");
    }
}
