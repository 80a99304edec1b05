package dev.memorag.pipeline;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Hit;
import dev.memorag.api.TokenCounter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Fits retrieved passages into a token budget (the generator's window minus the prompt and the answer), which MemoRAG
 * never does. When they do not all fit, the lowest-scoring passages are dropped first and the rest keep their order;
 * if not even the best passage fits, it is cut to the budget. Passages are joined with blank lines.
 *
 * <p>Token counts come from the given {@link TokenCounter} (cl100k unless the pipeline was given the generator's own
 * tokenizer), so the fit is as exact as that counter is for the generator.
 *
 * <p>Thread-safety: immutable; thread-safe when the counter is.
 */
public final class EvidenceFitter {
    /** The separator between passages in the evidence text. */
    public static final String SEPARATOR = "\n\n";

    private final TokenCounter counter;

    public EvidenceFitter(TokenCounter counter) {
        this.counter = Objects.requireNonNull(counter, "counter");
    }

    /**
     * @param passages candidate passages in the order they should be shown
     * @param budgetTokens tokens available for the joined passages ({@code Integer.MAX_VALUE}: unlimited)
     */
    public FittedEvidence fit(List<Hit> passages, int budgetTokens) {
        if (budgetTokens < 0) {
            throw new InvalidInputException("evidence budget must be >= 0 tokens, was " + budgetTokens);
        }
        int n = passages.size();
        int[] cost = new int[n];
        for (int i = 0; i < n; i++) {
            cost[i] = counter.count(passages.get(i).chunk().text());
        }
        int sepCost = counter.count(SEPARATOR);
        boolean[] keep = new boolean[n];
        long used = 0;
        int kept = 0;
        Integer[] byScore = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -passages.get(i).score()).thenComparingInt(i -> i))
                .toArray(Integer[]::new);
        for (int i : byScore) {
            long extra = cost[i] + (kept > 0 ? sepCost : 0);
            if (used + extra <= budgetTokens) {
                keep[i] = true;
                used += extra;
                kept++;
            }
        }
        List<Hit> out = new ArrayList<>(kept);
        boolean cutPassage = false;
        if (kept == 0 && n > 0 && budgetTokens > 0) {
            Hit best = passages.get(byScore[0]);
            Hit cut = truncate(best, budgetTokens);
            if (cut != null) {
                out.add(cut);
                cutPassage = true;
            }
        } else {
            for (int i = 0; i < n; i++) {
                if (keep[i]) {
                    out.add(passages.get(i));
                }
            }
        }
        List<String> texts = out.stream().map(h -> h.chunk().text()).toList();
        String text = String.join(SEPARATOR, texts);
        int dropped = n - out.size();
        return new FittedEvidence(out, text, counter.count(text), dropped, cutPassage);
    }

    /** The longest prefix of the passage that fits {@code budget} tokens, or null if none does. */
    private Hit truncate(Hit hit, int budget) {
        String s = hit.chunk().text();
        int lo = 0;
        int hi = s.length();
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (counter.count(s.substring(0, mid)) <= budget) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo > 0 && Character.isHighSurrogate(s.charAt(lo - 1))) {
            lo--;
        }
        if (lo == 0) {
            return null;
        }
        Chunk c = hit.chunk();
        String prefix = s.substring(0, lo);
        int end = Math.max(c.start(), c.end() - (s.length() - lo));
        return new Hit(new Chunk(c.id(), c.documentId(), prefix, c.start(), end, counter.count(prefix)), hit.score());
    }

    /**
     * The outcome of fitting.
     *
     * <p>Thread-safety: immutable.
     *
     * @param passages the passages kept (the last possibly cut), in their original order
     * @param text the passages joined with {@link #SEPARATOR}
     * @param tokens tokens of {@code text}
     * @param dropped passages left out entirely
     * @param passageCut whether a passage was cut short because not even one whole passage fitted
     */
    public record FittedEvidence(List<Hit> passages, String text, int tokens, int dropped, boolean passageCut) {
        public FittedEvidence {
            passages = List.copyOf(passages);
            Objects.requireNonNull(text, "text");
        }

        /** Whether anything retrieved was left out or shortened. */
        public boolean truncated() {
            return dropped > 0 || passageCut;
        }
    }
}
