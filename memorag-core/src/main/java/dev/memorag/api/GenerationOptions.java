package dev.memorag.api;

import dev.memorag.error.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * Decoding parameters for one generation call. {@code temperature == 0} means greedy decoding.
 *
 * <p>Thread-safety: immutable.
 *
 * @param maxNewTokens upper bound on generated tokens (&gt; 0)
 * @param temperature sampling temperature (&gt;= 0; 0 = greedy)
 * @param topP nucleus sampling mass in (0, 1]
 * @param topK keep only the k most likely tokens (0 = no limit)
 * @param repetitionPenalty HF-style repetition penalty (1 = none)
 * @param stop stop strings; generation ends before the first occurrence of any of them
 * @param seed random seed for sampling, or {@code null} for a fixed default seed
 * @param cancellation token polled between steps
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, int topK, double repetitionPenalty,
        List<String> stop, Long seed, CancellationToken cancellation) {

    /** Default seed used when none is given, so that sampling is reproducible unless asked otherwise. */
    public static final long DEFAULT_SEED = 42L;

    public GenerationOptions {
        if (maxNewTokens <= 0) {
            throw new InvalidInputException("GenerationOptions.maxNewTokens must be > 0, was " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new InvalidInputException("GenerationOptions.temperature must be >= 0, was " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidInputException("GenerationOptions.topP must be in (0, 1], was " + topP);
        }
        if (topK < 0) {
            throw new InvalidInputException("GenerationOptions.topK must be >= 0, was " + topK);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new InvalidInputException(
                    "GenerationOptions.repetitionPenalty must be > 0, was " + repetitionPenalty);
        }
        stop = List.copyOf(Objects.requireNonNull(stop, "stop"));
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new InvalidInputException("GenerationOptions.stop must not contain an empty string");
            }
        }
        Objects.requireNonNull(cancellation, "cancellation");
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    /** The seed to use: the given one or {@link #DEFAULT_SEED}. */
    public long effectiveSeed() {
        return seed == null ? DEFAULT_SEED : seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxNewTokens(maxNewTokens).temperature(temperature).topP(topP).topK(topK)
                .repetitionPenalty(repetitionPenalty).stop(stop).seed(seed).cancellation(cancellation);
    }

    /** Builder with defaults: 256 tokens, greedy, no top-p/top-k limit, no penalty, no stop strings. */
    public static final class Builder {
        private int maxNewTokens = 256;
        private double temperature;
        private double topP = 1.0;
        private int topK;
        private double repetitionPenalty = 1.0;
        private List<String> stop = List.of();
        private Long seed;
        private CancellationToken cancellation = CancellationToken.NONE;

        public Builder maxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder repetitionPenalty(double v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder stop(List<String> v) {
            stop = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder cancellation(CancellationToken v) {
            cancellation = v;
            return this;
        }

        public GenerationOptions build() {
            return new GenerationOptions(maxNewTokens, temperature, topP, topK, repetitionPenalty, stop, seed,
                    cancellation);
        }
    }
}
