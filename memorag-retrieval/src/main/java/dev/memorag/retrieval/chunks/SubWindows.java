package dev.memorag.retrieval.chunks;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import java.util.ArrayList;
import java.util.List;

/**
 * Overlapping sub-windows embedded in addition to a long chunk: a small encoder squeezes a long chunk into one vector
 * and loses specific facts, so a chunk's dense score is the best of its whole-chunk vector and its window vectors
 * ("max-passage" scoring). Sizes are in tokens and turned into characters with the chunk's own characters-per-token
 * ratio, so they work for English and Chinese alike.
 *
 * <p>Thread-safety: immutable.
 *
 * @param minTokens chunks with more tokens than this get windows; shorter chunks keep one vector
 * @param windowTokens window length
 * @param stepTokens distance between window starts
 */
public record SubWindows(int minTokens, int windowTokens, int stepTokens) {
    /** The default: chunks over 200 tokens get 100-token windows every 50 tokens. */
    public static final SubWindows DEFAULT = new SubWindows(200, 100, 50);
    /** One vector per chunk. */
    public static final SubWindows NONE = new SubWindows(Integer.MAX_VALUE, 1, 1);
    /** Most windows per chunk (vector ids reserve this many per chunk). */
    static final int MAX_WINDOWS = 4095;

    public SubWindows {
        if (minTokens < 1 || windowTokens < 1 || stepTokens < 1 || stepTokens > windowTokens) {
            throw new InvalidInputException("SubWindows needs minTokens, windowTokens >= stepTokens >= 1; was "
                    + minTokens + ", " + windowTokens + ", " + stepTokens);
        }
    }

    /** The window texts of {@code chunk} (empty when the chunk is short). */
    public List<String> windows(Chunk chunk) {
        String t = chunk.text();
        if (chunk.tokenCount() <= minTokens || chunk.tokenCount() == 0) {
            return List.of();
        }
        double charsPerToken = (double) t.length() / chunk.tokenCount();
        int size = Math.max(1, (int) Math.round(windowTokens * charsPerToken));
        int step = Math.max(1, (int) Math.round(stepTokens * charsPerToken));
        List<String> out = new ArrayList<>();
        for (int s = 0; s < t.length() && out.size() < MAX_WINDOWS; s += step) {
            int e = Math.min(t.length(), s + size);
            out.add(t.substring(s, e));
            if (e == t.length()) {
                break;
            }
        }
        return out;
    }
}
