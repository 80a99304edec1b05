package dev.memorag.internal;

import dev.memorag.api.GenerationOptions;
import dev.memorag.api.GenerationResult;
import dev.memorag.api.Timings;
import dev.memorag.api.TokenUsage;
import dev.memorag.pipeline.QueryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one query records while it runs: time per stage, token usage of the model calls, warnings; and the options it
 * runs with (cancellation is checked before every stage).
 *
 * <p>Thread-safety: not thread-safe; one query, one thread.
 */
final class Stages {
    private static final Logger LOG = LoggerFactory.getLogger(Stages.class);

    private final QueryOptions options;
    private final Map<String, Duration> timings = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private TokenUsage usage = TokenUsage.ZERO;

    Stages(QueryOptions options) {
        this.options = options;
    }

    QueryOptions options() {
        return options;
    }

    /** Runs one stage, adding its time to {@code stage}. */
    <T> T time(String stage, Supplier<T> work) {
        cancelCheck();
        long t0 = System.nanoTime();
        T out = work.get();
        timings.merge(stage, Duration.ofNanos(System.nanoTime() - t0), Duration::plus);
        return out;
    }

    /** Runs one model call as a stage and counts its tokens. */
    GenerationResult generate(String stage, Supplier<GenerationResult> call) {
        GenerationResult r = time(stage, call);
        usage = usage.plus(r.usage());
        return r;
    }

    /** Greedy decoding of at most {@code maxNewTokens}, cancelled with the query. */
    GenerationOptions greedy(int maxNewTokens) {
        return GenerationOptions.builder().maxNewTokens(maxNewTokens).cancellation(options.cancellation()).build();
    }

    void cancelCheck() {
        options.cancellation().throwIfCancelled("query");
    }

    /** Logs {@code warning} and reports it with the result. */
    void warn(String warning) {
        LOG.warn(warning);
        warnings.add(warning);
    }

    List<String> warnings() {
        return warnings;
    }

    Timings timings() {
        return new Timings(timings);
    }

    TokenUsage usage() {
        return usage;
    }
}
