package dev.memorag.api;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Wall-clock time spent in each stage of a call (for example {@code "recall"}, {@code "retrieval"},
 * {@code "generation"}), in the order the stages ran.
 *
 * <p>Thread-safety: immutable.
 *
 * @param stages stage name to elapsed time, iteration order = execution order
 */
public record Timings(Map<String, Duration> stages) {
    public static final Timings NONE = new Timings(Map.of());

    public Timings {
        Objects.requireNonNull(stages, "stages");
        stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    }

    /** Sum of all stages. */
    public Duration total() {
        return stages.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** Returns a copy with one more stage (replacing a stage of the same name). */
    public Timings with(String stage, Duration elapsed) {
        Map<String, Duration> copy = new LinkedHashMap<>(stages);
        copy.put(stage, elapsed);
        return new Timings(copy);
    }
}
