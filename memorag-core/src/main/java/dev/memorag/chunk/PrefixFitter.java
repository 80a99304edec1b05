package dev.memorag.chunk;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingResult;
import dev.memorag.api.TokenCounter;
import dev.memorag.text.Cl100kTokenCounter;

/**
 * Finds how many characters of a span fit a token budget, for the character-level fallback of {@link TextChunker}.
 * The answer is an estimate that the caller verifies with an exact count; it always lies on a code point boundary.
 *
 * <p>Thread-safety: implementations are stateless and thread-safe.
 */
interface PrefixFitter {

    /**
     * A prefix {@code [from, end)} and its token count, {@code -1} when the count is not known exactly.
     *
     * @param end end of the prefix (exclusive), on a code point boundary
     * @param tokens tokens of {@code text.substring(from, end)}, or -1
     */
    record Fit(int end, int tokens) {
    }

    /**
     * Returns {@code end} with {@code from < end <= to} such that {@code text.substring(from, end)} is about the
     * longest prefix of {@code [from, to)} holding at most {@code budget} tokens (at least one code point).
     * {@code guessChars} is the caller's guess of the answer's length (the previous cut), used to size the work.
     */
    Fit fit(String text, int from, int to, int budget, int guessChars);

    /** The fastest fitter for {@code counter}: cl100k gets a single truncated encode, others a binary search. */
    static PrefixFitter forCounter(TokenCounter counter) {
        if (counter instanceof Cl100kTokenCounter c) {
            return new Cl100k(c.encoding());
        }
        return new Search(counter);
    }

    /** Smallest legal end after {@code from}: one whole code point. */
    static int oneCodePoint(String text, int from) {
        return from + Character.charCount(text.codePointAt(from));
    }

    static boolean hasWhitespace(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Moves {@code end} back so that it does not split a surrogate pair. */
    static int codePointFloor(String text, int end) {
        if (end > 0 && end < text.length() && Character.isLowSurrogate(text.charAt(end))
                && Character.isHighSurrogate(text.charAt(end - 1))) {
            return end - 1;
        }
        return end;
    }

    /**
     * Encodes a window once with a token limit; jtokkit reports the last character it fully consumed. The tokens it
     * kept are the prefix's own tokens when the prefix holds no whitespace: no merge crosses the cut (the kept tokens
     * end there), so BPE on the prefix alone performs the same merges, and without whitespace cl100k's look-ahead
     * cannot split the prefix differently. With whitespace the count is reported unknown.
     */
    final class Cl100k implements PrefixFitter {
        private final Encoding encoding;

        Cl100k(Encoding encoding) {
            this.encoding = encoding;
        }

        @Override
        public Fit fit(String text, int from, int to, int budget, int guessChars) {
            // Encoding is the cost here: a window slightly above the guess usually suffices; grow it when it held
            // fewer tokens than the budget.
            long window = Math.max(64L, guessChars + (guessChars >> 3));
            while (true) {
                int wEnd = (int) Math.min(to, from + window);
                wEnd = codePointFloor(text, wEnd);
                if (wEnd <= from) {
                    wEnd = oneCodePoint(text, from);
                }
                EncodingResult r = encoding.encodeOrdinary(text.substring(from, wEnd), budget);
                if (r.isTruncated()) {
                    int end = from + r.getLastProcessedCharacterIndex() + 1;
                    if (end <= from) {
                        return new Fit(oneCodePoint(text, from), -1);
                    }
                    return new Fit(end, hasWhitespace(text, from, end) ? -1 : r.getTokens().size());
                }
                if (wEnd >= to) {
                    return new Fit(to, r.getTokens().size()); // the whole span was encoded on its own
                }
                window *= 2;
            }
        }
    }

    /** Exponential then binary search using only {@link TokenCounter#count}. */
    final class Search implements PrefixFitter {
        private final TokenCounter counter;

        Search(TokenCounter counter) {
            this.counter = counter;
        }

        @Override
        public Fit fit(String text, int from, int to, int budget, int guessChars) {
            int good = oneCodePoint(text, from);
            int goodTokens = counter.count(text.substring(from, Math.min(good, to)));
            if (good >= to || goodTokens > budget) {
                return new Fit(Math.min(good, to), goodTokens);
            }
            long step = Math.max(16L, guessChars);
            int bad = -1;
            while (bad < 0) {
                int probe = codePointFloor(text, (int) Math.min(to, good + step));
                if (probe <= good) {
                    break;
                }
                int tokens = counter.count(text.substring(from, probe));
                if (tokens <= budget) {
                    good = probe;
                    goodTokens = tokens;
                    if (probe == to) {
                        return new Fit(to, tokens);
                    }
                    step *= 2;
                } else {
                    bad = probe;
                }
            }
            if (bad < 0) {
                return new Fit(good, goodTokens);
            }
            while (bad - good > 1) {
                int mid = codePointFloor(text, (good + bad) >>> 1);
                if (mid <= good) {
                    break;
                }
                int tokens = counter.count(text.substring(from, mid));
                if (tokens <= budget) {
                    good = mid;
                    goodTokens = tokens;
                } else {
                    bad = mid;
                }
            }
            return new Fit(good, goodTokens);
        }
    }
}
