package dev.memorag.pipeline;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.CancellationToken;
import java.util.Objects;

/**
 * Per-query settings of the pipeline. Token limits follow MemoRAG: 128 new tokens for each memory instruction (clues,
 * surrogate questions, draft or memory-only answer), 512 for key points, 256 for the final answer; all greedy.
 *
 * <p>Thread-safety: immutable.
 *
 * @param hits chunks retrieved per query, or 0 to use the pipeline's setting
 * @param draftAnswer whether to ask the memory for a draft answer and append it as one more passage
 * @param order how retrieved evidence is ordered
 * @param clueTokens new tokens for each memory instruction
 * @param keyPointTokens new tokens for the key-point list (summarisation)
 * @param answerTokens new tokens for the final answer (also reserved when fitting evidence)
 * @param cancellation polled between stages and passed to every model call
 */
public record QueryOptions(int hits, boolean draftAnswer, EvidenceOrder order, int clueTokens, int keyPointTokens,
        int answerTokens, CancellationToken cancellation) {

    /** The defaults. */
    public static final QueryOptions DEFAULTS = builder().build();

    public QueryOptions {
        if (hits < 0) {
            throw new InvalidInputException("QueryOptions.hits must be >= 0, was " + hits);
        }
        Objects.requireNonNull(order, "order");
        positive("clueTokens", clueTokens);
        positive("keyPointTokens", keyPointTokens);
        positive("answerTokens", answerTokens);
        Objects.requireNonNull(cancellation, "cancellation");
    }

    private static void positive(String field, int v) {
        if (v <= 0) {
            throw new InvalidInputException("QueryOptions." + field + " must be > 0, was " + v);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; see the record components for the defaults. Thread-safety: not thread-safe. */
    public static final class Builder {
        private int hits;
        private boolean draftAnswer;
        private EvidenceOrder order = EvidenceOrder.DOCUMENT_POSITION;
        private int clueTokens = 128;
        private int keyPointTokens = 512;
        private int answerTokens = 256;
        private CancellationToken cancellation = CancellationToken.NONE;

        public Builder hits(int v) {
            hits = v;
            return this;
        }

        public Builder draftAnswer(boolean v) {
            draftAnswer = v;
            return this;
        }

        public Builder order(EvidenceOrder v) {
            order = v;
            return this;
        }

        public Builder clueTokens(int v) {
            clueTokens = v;
            return this;
        }

        public Builder keyPointTokens(int v) {
            keyPointTokens = v;
            return this;
        }

        public Builder answerTokens(int v) {
            answerTokens = v;
            return this;
        }

        public Builder cancellation(CancellationToken v) {
            cancellation = v;
            return this;
        }

        public QueryOptions build() {
            return new QueryOptions(hits, draftAnswer, order, clueTokens, keyPointTokens, answerTokens,
                    cancellation);
        }
    }
}
