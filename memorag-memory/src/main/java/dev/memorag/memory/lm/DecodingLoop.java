package dev.memorag.memory.lm;

import dev.memorag.api.FinishReason;
import dev.memorag.api.GenerationOptions;
import java.util.Arrays;
import java.util.Set;

/**
 * The token-level generation loop: prefill, then sample and feed back one token at a time until an EOS id, the
 * callback's stop request, or {@code maxNewTokens}. Cancellation is polled before every step.
 *
 * <p>Thread-safety: stateless.
 */
public final class DecodingLoop {
    private DecodingLoop() {
    }

    /**
     * Receives each generated token; returns true to stop (e.g. a stop string appeared).
     *
     * <p>Thread-safety: called on the generating thread only.
     */
    @FunctionalInterface
    public interface TokenCallback {
        boolean onToken(int token);
    }

    /**
     * The generated tokens (an EOS token is not included) and why generation ended.
     *
     * @param tokens generated ids
     * @param finishReason STOP for EOS or a callback stop, LENGTH for the token limit
     * @param firstStepLogits the logits after the prompt (before any penalty)
     *
     * <p>Thread-safety: holds plain arrays; do not mutate them when sharing.
     */
    public record Result(int[] tokens, FinishReason finishReason, float[] firstStepLogits) {
    }

    public static Result run(TokenStepper model, int[] prompt, GenerationOptions options, Set<Integer> eosIds,
            TokenCallback callback) {
        options.cancellation().throwIfCancelled("generation");
        Sampler sampler = new Sampler(options);
        int[] seen = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
        int seenCount = prompt.length;
        float[] logits = model.prefill(prompt);
        float[] first = logits.clone();
        int[] out = new int[options.maxNewTokens()];
        int n = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (n < options.maxNewTokens()) {
            options.cancellation().throwIfCancelled("generation");
            int token = sampler.next(logits, seen, seenCount);
            if (eosIds.contains(token)) {
                reason = FinishReason.STOP;
                break;
            }
            out[n++] = token;
            seen[seenCount++] = token;
            if (callback.onToken(token)) {
                reason = FinishReason.STOP;
                break;
            }
            if (n < options.maxNewTokens()) {
                logits = model.step(token);
            }
        }
        return new Result(Arrays.copyOf(out, n), reason, first);
    }
}
