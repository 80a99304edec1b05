package dev.memorag.chunk;

import dev.memorag.error.InvalidInputException;
import dev.memorag.api.Chunk;
import dev.memorag.api.Document;
import dev.memorag.api.TokenCounter;
import dev.memorag.text.Cl100kTokenCounter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a document into chunks of at most {@link #chunkSize()} tokens, each cut at the strongest natural boundary
 * that fits the budget.
 *
 * <h2>Boundaries</h2>
 * From strongest to weakest: a blank line (a whitespace run holding two or more line breaks), a line break, a sentence
 * end ({@code . ! ?} followed by whitespace, or the Chinese {@code 。！？；} anywhere, each optionally followed by closing
 * quotes or brackets), a word boundary (any other whitespace run, or a Chinese {@code ，、：} since Chinese has no
 * spaces), and finally single characters (a surrogate pair is never split). Each chunk extends to the furthest
 * boundary of the strongest level reachable within the budget, so a chunk ends at a paragraph break whenever one is in
 * reach and only falls back to weaker boundaries when a paragraph (then a line, a sentence, a word) alone is too long.
 *
 * <h2>Offsets</h2>
 * Cuts are made at the start of whitespace runs; each chunk's text is its cut span with surrounding whitespace trimmed,
 * and {@link Chunk#start()}/{@link Chunk#end()} are the offsets of that <em>trimmed</em> span, so
 * {@code text.substring(chunk.start(), chunk.end()).equals(chunk.text())} always holds. Spans that are only whitespace
 * produce no chunk. {@link Chunk#tokenCount()} is the exact count of {@link Chunk#text()} and never exceeds the budget.
 * Chunk ids are {@code documentId + "#" + index}, indices counting from 0.
 *
 * <h2>Overlap</h2>
 * With {@code overlap > 0} each chunk after the first starts at a word boundary inside the previous chunk such that at
 * most {@code overlap} tokens are repeated, moved to a sentence boundary when one still repeats at least half of them.
 * Text split at the character level (a run with no boundary longer than the budget) gets no overlap.
 *
 * <h2>Cost</h2>
 * Each atomic piece (a whitespace run plus the word after it) is counted once and the counts are accumulated (cl100k
 * counts are nearly additive across whitespace); each finished chunk is then counted exactly once and cut further if
 * the estimate was short. Work is linear in the text length. The output is deterministic.
 *
 * <p>Thread-safety: immutable; thread-safe when its {@link TokenCounter} is (the default one is).
 */
public final class TextChunker {
    /** Default budget per chunk, in tokens. */
    public static final int DEFAULT_CHUNK_SIZE = 512;
    /** Smallest accepted budget: any single character must fit (a code point is at most 4 UTF-8 bytes). */
    public static final int MIN_CHUNK_SIZE = 8;

    private static final byte END = -1;
    private static final byte PARAGRAPH = 0;
    private static final byte LINE = 1;
    private static final byte SENTENCE = 2;
    private static final byte WORD = 3;
    /** Pieces longer than this many characters per budget token skip counting and go to character splitting. */
    private static final int MAX_CHARS_PER_TOKEN = 32;

    private final int chunkSize;
    private final int overlap;
    private final TokenCounter counter;
    private final PrefixFitter fitter;

    private TextChunker(Builder b) {
        this.chunkSize = b.chunkSize;
        this.overlap = b.overlap;
        this.counter = b.counter;
        this.fitter = PrefixFitter.forCounter(b.counter);
    }

    /** A chunker with the defaults: 512 cl100k tokens, no overlap. */
    public static TextChunker defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Token budget per chunk. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Tokens repeated between consecutive chunks (approximate, see the class notes). */
    public int overlap() {
        return overlap;
    }

    public TokenCounter tokenCounter() {
        return counter;
    }

    /**
     * Splits {@code text} into chunks in document order.
     *
     * @param documentId id of the document, used as the chunk id prefix; must not be empty
     * @param text the whole document; an empty or whitespace-only text gives an empty list
     * @throws InvalidInputException when {@code documentId} is empty or an argument is null
     */
    public List<Chunk> split(String documentId, String text) {
        if (documentId == null || documentId.isEmpty()) {
            throw new InvalidInputException("TextChunker.split: documentId must not be empty, was "
                    + (documentId == null ? "null" : "''"));
        }
        if (text == null) {
            throw new InvalidInputException("TextChunker.split: text must not be null (document " + documentId + ")");
        }
        if (text.isEmpty()) {
            return List.of();
        }
        return new Run(documentId, text).chunks();
    }

    /** Splits a document: {@code split(document.id(), document.text())}. */
    public List<Chunk> split(Document document) {
        if (document == null) {
            throw new InvalidInputException("TextChunker.split: document must not be null");
        }
        return split(document.id(), document.text());
    }

    /** The state of one {@link #split} call. */
    private final class Run {
        private final String documentId;
        private final String text;
        private final List<Chunk> out = new ArrayList<>();
        /** pos[k] = first char of piece k; pos[n] = text length. A boundary index k is the cut point pos[k]. */
        private int[] pos;
        /** level[k] = strength of the boundary at pos[k] (level[n] = END). */
        private byte[] level;
        /** prefix[k] = estimated tokens of pieces 0..k-1. */
        private long[] prefix;
        private int n;
        /** Exact tokens of the remainder left by the last {@link #charSplit}. */
        private int remainderTokens;
        /** Length of the last character-level cut, the guess for the next one (4 chars per token at first). */
        private int lastCutChars = chunkSize * 4;

        Run(String documentId, String text) {
            this.documentId = documentId;
            this.text = text;
        }

        List<Chunk> chunks() {
            segment();
            countPieces();
            final int len = text.length();
            int k = 0; // first whole piece of the next chunk
            int start = 0; // first char of the next chunk: pos[k], or earlier when carrying a remainder
            long carry = 0; // exact tokens of [start, pos[k])
            int minEnd = 0; // after an overlap, the chunk must end beyond the previous chunk's end
            while (start < len) {
                boolean carrying = start < pos[k];
                int base = carrying ? k : k + 1;
                int lo = Math.max(base, minEnd);
                int hi = furthest(k, carry);
                int end = -1;
                while (end < 0) {
                    int j = strongest(lo, hi);
                    if (j < 0) {
                        break;
                    }
                    if (tryEmit(start, pos[j])) {
                        end = j;
                    } else {
                        hi = j - 1; // the estimate was short: retry at the next boundary back
                    }
                }
                if (end < 0) {
                    if (minEnd > base) {
                        // the overlapped start cannot reach past the previous chunk: restart without overlap
                        k = minEnd - 1;
                        start = pos[k];
                        carry = 0;
                        minEnd = 0;
                        continue;
                    }
                    // even the first piece alone exceeds the budget: cut it by characters
                    start = charSplit(start, pos[base]);
                    k = base;
                    carry = remainderTokens;
                    minEnd = 0;
                    continue;
                }
                if (end == n) {
                    break;
                }
                int next = overlap > 0 ? overlapStart(base, end) : end;
                k = next;
                start = pos[next];
                carry = 0;
                minEnd = next < end ? end + 1 : 0;
            }
            return out;
        }

        /** Finds boundaries: pieces are a whitespace run plus the non-whitespace after it (as cl100k splits). */
        private void segment() {
            final int len = text.length();
            int[] p = new int[Math.max(16, len / 4)];
            byte[] lv = new byte[p.length];
            int count = 1; // piece 0 starts at 0
            int i = 0;
            while (i < len) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c)) {
                    int runStart = i;
                    int breaks = 0;
                    while (i < len && Character.isWhitespace(text.charAt(i))) {
                        char w = text.charAt(i);
                        if (w == '\n' || w == '\u2028' || (w == '\r' && (i + 1 >= len || text.charAt(i + 1) != '\n'))) {
                            breaks++;
                        } else if (w == '\u2029') {
                            breaks += 2;
                        }
                        i++;
                    }
                    if (runStart > 0) {
                        byte l = breaks >= 2 ? PARAGRAPH : breaks == 1 ? LINE : endsSentence(runStart) ? SENTENCE : WORD;
                        if (p[count - 1] == runStart) {
                            lv[count - 1] = (byte) Math.min(lv[count - 1], l);
                        } else {
                            if (count == p.length) {
                                p = Arrays.copyOf(p, count * 2);
                                lv = Arrays.copyOf(lv, count * 2);
                            }
                            p[count] = runStart;
                            lv[count] = l;
                            count++;
                        }
                    }
                } else {
                    i++;
                    boolean stop = isCjkStop(c);
                    if (stop || isCjkPause(c)) {
                        while (i < len && (isClosing(text.charAt(i)) || isCjkStop(text.charAt(i)))) {
                            i++;
                        }
                        if (i < len && !Character.isWhitespace(text.charAt(i))) {
                            if (count == p.length) {
                                p = Arrays.copyOf(p, count * 2);
                                lv = Arrays.copyOf(lv, count * 2);
                            }
                            p[count] = i;
                            lv[count] = stop ? SENTENCE : WORD;
                            count++;
                        }
                    }
                }
            }
            n = count;
            pos = Arrays.copyOf(p, n + 1);
            pos[n] = len;
            level = Arrays.copyOf(lv, n + 1);
            level[0] = WORD; // never a cut: nothing precedes it
            level[n] = END;
        }

        /** Whether the non-whitespace text just before {@code i} ends a sentence. */
        private boolean endsSentence(int i) {
            int j = i - 1;
            for (int q = 0; q < 3 && j > 0 && isClosing(text.charAt(j)); q++) {
                j--;
            }
            char c = text.charAt(j);
            return c == '.' || c == '!' || c == '?' || c == '\u2026' || isCjkStop(c);
        }

        private void countPieces() {
            prefix = new long[n + 1];
            long tooLong = (long) chunkSize * MAX_CHARS_PER_TOKEN;
            for (int k = 0; k < n; k++) {
                int a = pos[k];
                int b = pos[k + 1];
                long c = b - a > tooLong ? chunkSize + 1L : counter.count(text.substring(a, b));
                prefix[k + 1] = prefix[k] + c;
            }
        }

        /** Largest boundary index e >= k with carry + estimated tokens of pieces k..e-1 within the budget. */
        private int furthest(int k, long carry) {
            long limit = prefix[k] + chunkSize - carry;
            int lo = k;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (prefix[mid] <= limit) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** The furthest boundary of the strongest level in [lo, hi], or -1 when the range is empty. */
        private int strongest(int lo, int hi) {
            int best = -1;
            int bestLevel = Integer.MAX_VALUE;
            for (int j = hi; j >= lo; j--) {
                if (level[j] < bestLevel) {
                    best = j;
                    bestLevel = level[j];
                    if (bestLevel <= PARAGRAPH) {
                        break;
                    }
                }
            }
            return best;
        }

        /** Start of the chunk after one that ended at boundary {@code end}; {@code end} itself means no overlap. */
        private int overlapStart(int base, int end) {
            long target = prefix[end] - overlap;
            int lo = base;
            int hi = end;
            while (lo < hi) { // smallest i >= base with prefix[i] >= target
                int mid = (lo + hi) >>> 1;
                if (prefix[mid] >= target) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            for (int m = lo; m < end; m++) {
                if (level[m] <= SENTENCE && (prefix[end] - prefix[m]) * 2 >= overlap) {
                    return m;
                }
            }
            return lo;
        }

        /** Emits the trimmed span [a, b) if it fits the budget; whitespace-only spans fit and emit nothing. */
        private boolean tryEmit(int a, int b) {
            int ta = trimStart(a, b);
            int tb = trimEnd(ta, b);
            if (ta == tb) {
                return true;
            }
            String s = text.substring(ta, tb);
            int tokens = counter.count(s);
            if (tokens > chunkSize) {
                return false;
            }
            out.add(new Chunk(documentId + "#" + out.size(), documentId, s, ta, tb, tokens));
            return true;
        }

        private int trimStart(int a, int b) {
            while (a < b && Character.isWhitespace(text.charAt(a))) {
                a++;
            }
            return a;
        }

        private int trimEnd(int a, int b) {
            while (b > a && Character.isWhitespace(text.charAt(b - 1))) {
                b--;
            }
            return b;
        }

        /** Exact tokens of the trimmed span [a, b). */
        private int trimmedCount(int a, int b) {
            int ta = trimStart(a, b);
            return counter.count(text.substring(ta, trimEnd(ta, b)));
        }

        /**
         * Cuts [from, to) into full-budget chunks by characters, emitting all but the tail that fits; returns the
         * tail's start and leaves its exact token count in {@link #remainderTokens}. Counts are of the trimmed spans.
         */
        private int charSplit(int from, int to) {
            int p = from;
            while (p < to) {
                PrefixFitter.Fit fit = fitter.fit(text, p, to, chunkSize, lastCutChars);
                int end = fit.end();
                // the fitter's count is the raw span's; it is the trimmed span's when there is nothing to trim
                boolean untrimmed = !Character.isWhitespace(text.charAt(p))
                        && !Character.isWhitespace(text.charAt(end - 1));
                int tokens = fit.tokens() >= 0 && untrimmed ? fit.tokens() : trimmedCount(p, end);
                while (tokens > chunkSize) {
                    int shorter = PrefixFitter.codePointFloor(text, p + (int) ((long) (end - p) * chunkSize / tokens));
                    end = Math.max(Math.min(shorter, end - 1), PrefixFitter.oneCodePoint(text, p));
                    end = Math.max(PrefixFitter.codePointFloor(text, end), PrefixFitter.oneCodePoint(text, p));
                    tokens = trimmedCount(p, end);
                }
                if (end >= to) {
                    remainderTokens = tokens;
                    return p;
                }
                int ta = trimStart(p, end);
                int tb = trimEnd(ta, end);
                if (ta < tb) {
                    out.add(new Chunk(documentId + "#" + out.size(), documentId, text.substring(ta, tb), ta, tb,
                            tokens));
                }
                lastCutChars = end - p;
                p = end;
            }
            remainderTokens = 0;
            return to;
        }
    }

    private static boolean isCjkStop(char c) {
        return c == '\u3002' || c == '\uff01' || c == '\uff1f' || c == '\uff1b';
    }

    private static boolean isCjkPause(char c) {
        return c == '\uff0c' || c == '\u3001' || c == '\uff1a';
    }

    private static boolean isClosing(char c) {
        switch (c) {
            case '"', '\'', ')', ']', '}', '\u201d', '\u2019', '\u00bb', '\u300d', '\u300f', '\uff09', '\u300b',
                    '\u3009', '\u3011', '\u3015', '\uff02' -> {
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Configures a {@link TextChunker}; values are validated by {@link #build()}.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int overlap = 0;
        private TokenCounter counter = Cl100kTokenCounter.INSTANCE;

        private Builder() {
        }

        /** Token budget per chunk (default 512, at least {@value #MIN_CHUNK_SIZE}). */
        public Builder chunkSize(int tokens) {
            this.chunkSize = tokens;
            return this;
        }

        /** Tokens of the previous chunk to repeat at the start of the next (default 0, below the chunk size). */
        public Builder overlap(int tokens) {
            this.overlap = tokens;
            return this;
        }

        /** How tokens are counted (default {@link Cl100kTokenCounter#INSTANCE}). */
        public Builder tokenCounter(TokenCounter counter) {
            this.counter = counter;
            return this;
        }

        /** @throws InvalidInputException naming the field when a value is out of range */
        public TextChunker build() {
            if (chunkSize < MIN_CHUNK_SIZE) {
                throw new InvalidInputException("TextChunker.chunkSize must be >= " + MIN_CHUNK_SIZE + ", was "
                        + chunkSize);
            }
            if (overlap < 0 || overlap >= chunkSize) {
                throw new InvalidInputException("TextChunker.overlap must be >= 0 and < chunkSize (" + chunkSize
                        + "), was " + overlap);
            }
            if (counter == null) {
                throw new InvalidInputException("TextChunker.tokenCounter must not be null");
            }
            return new TextChunker(this);
        }
    }
}
