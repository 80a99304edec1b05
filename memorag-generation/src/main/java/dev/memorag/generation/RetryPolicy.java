package dev.memorag.generation;

import dev.memorag.error.InvalidInputException;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How a remote generator retries failed calls: exponential backoff with full jitter (the delay before retry {@code n}
 * is uniform in {@code [0, min(maxBackoff, initialBackoff * 2^(n-1))]}), a server's {@code Retry-After} taking
 * precedence, at most {@code maxAttempts} attempts in all, and no retry begun once the wait would end later than
 * {@code maxRetryTime} after the first attempt started.
 *
 * <p>Thread-safety: immutable.
 *
 * @param maxAttempts attempts in total, first included (&gt;= 1; 1 disables retries)
 * @param initialBackoff the backoff cap before the first retry (&gt; 0)
 * @param maxBackoff the largest backoff cap (&gt;= initialBackoff)
 * @param maxRetryTime bound on the time from the first attempt's start to the start of the last retry (&gt;= 0)
 * @param jitterSeed seed of the jitter's random source, or null for an unseeded one (tests set it)
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryTime,
        Long jitterSeed) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new InvalidInputException("RetryPolicy.maxAttempts must be >= 1, was " + maxAttempts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(maxRetryTime, "maxRetryTime");
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new InvalidInputException("RetryPolicy.initialBackoff must be > 0, was " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidInputException("RetryPolicy.maxBackoff must be >= initialBackoff (" + initialBackoff
                    + "), was " + maxBackoff);
        }
        if (maxRetryTime.isNegative()) {
            throw new InvalidInputException("RetryPolicy.maxRetryTime must be >= 0, was " + maxRetryTime);
        }
    }

    /** 4 attempts, backoff from 500 ms up to 20 s, no retry started after 2 minutes. */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /** A single attempt, never retried. */
    public static RetryPolicy none() {
        return builder().maxAttempts(1).build();
    }

    /** A random source for this policy's jitter: seeded when {@link #jitterSeed()} is set. */
    public Random newRandom() {
        return jitterSeed == null ? new Random() : new Random(jitterSeed);
    }

    /**
     * The full-jitter backoff before retry number {@code retry} (1 for the first retry).
     *
     * @param random the jitter source (see {@link #newRandom()})
     */
    public Duration backoff(int retry, Random random) {
        if (retry < 1) {
            throw new InvalidInputException("RetryPolicy.backoff: retry must be >= 1, was " + retry);
        }
        long cap = initialBackoff.toNanos();
        for (int i = 1; i < retry && cap < maxBackoff.toNanos(); i++) {
            cap = cap > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : cap * 2;
        }
        cap = Math.min(cap, maxBackoff.toNanos());
        return Duration.ofNanos((long) (random.nextDouble() * cap));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder with the {@link #defaults()}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private int maxAttempts = 4;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(20);
        private Duration maxRetryTime = Duration.ofMinutes(2);
        private Long jitterSeed;

        public Builder maxAttempts(int v) {
            maxAttempts = v;
            return this;
        }

        public Builder initialBackoff(Duration v) {
            initialBackoff = v;
            return this;
        }

        public Builder maxBackoff(Duration v) {
            maxBackoff = v;
            return this;
        }

        public Builder maxRetryTime(Duration v) {
            maxRetryTime = v;
            return this;
        }

        public Builder jitterSeed(Long v) {
            jitterSeed = v;
            return this;
        }

        public RetryPolicy build() {
            return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, maxRetryTime, jitterSeed);
        }
    }
}
