package dev.memorag.memory.text;

import dev.memorag.api.TokenListener;
import java.util.Arrays;
import java.util.List;

/**
 * Turns generated token ids into streamed text: decodes incrementally, holds back incomplete UTF-8 sequences and any
 * tail that could still become a stop string, and reports when a stop string appears (the text is cut before it).
 *
 * <p>Thread-safety: not thread-safe; one stream per generation.
 */
public final class TextStream {
    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private final TokenListener listener;
    private int[] ids = new int[16];
    private int count;
    private String text = "";
    private int emitted;
    private boolean stopped;

    public TextStream(TextTokenizer tokenizer, List<String> stops, TokenListener listener) {
        this.tokenizer = tokenizer;
        this.stops = List.copyOf(stops);
        this.listener = listener;
    }

    /** Adds a generated token; returns true when a stop string has appeared (generation should end). */
    public boolean accept(int token) {
        if (stopped) {
            return true;
        }
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = token;
        text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        int cut = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            text = text.substring(0, cut);
            stopped = true;
            emitUpTo(text.length());
            return true;
        }
        int safe = text.length();
        while (safe > 0 && text.charAt(safe - 1) == '\uFFFD') {
            safe--;
        }
        safe = Math.min(safe, text.length() - longestStopPrefixSuffix(text));
        emitUpTo(safe);
        return false;
    }

    /** Length of the longest suffix of {@code t} that is a proper prefix of some stop string. */
    private int longestStopPrefixSuffix(String t) {
        int best = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, t.length()); k > best; k--) {
                if (t.endsWith(s.substring(0, k))) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private void emitUpTo(int end) {
        if (end > emitted) {
            listener.onText(text.substring(emitted, end));
            emitted = end;
        }
    }

    /** Emits whatever was held back and returns the full text (stop string excluded). */
    public String finish() {
        emitUpTo(text.length());
        return text;
    }

    /** Number of tokens accepted. */
    public int tokenCount() {
        return count;
    }
}
