package dev.memorag.pipeline;

import dev.memorag.api.Answer;
import java.util.List;
import java.util.Objects;

/**
 * An {@link Answer} together with what the pipeline had to do to produce it: how many retrieved passages were left
 * out to fit the generator's window, and any warnings.
 *
 * <p>Thread-safety: immutable.
 *
 * @param answer the answer (its evidence is what the generator was given)
 * @param retrieved passages retrieved before fitting
 * @param dropped passages left out to fit the generator's context window
 * @param evidenceTruncated whether any evidence was left out or shortened
 * @param warnings human-readable warnings (also logged)
 */
public record QueryResult(Answer answer, int retrieved, int dropped, boolean evidenceTruncated, List<String> warnings) {
    public QueryResult {
        Objects.requireNonNull(answer, "answer");
        warnings = List.copyOf(warnings);
    }
}
