package dev.memorag.retrieval.lexical;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The lexical tokenisation of the BM25 baseline in {@code eval/README.md}: lower-cased {@code \w+} runs (Unicode
 * letters, digits, underscore), minus a small English stop-word list. Han characters, which are not separated by
 * spaces, become one token per character plus one per adjacent pair, so Chinese text gets useful terms.
 *
 * <p>Thread-safety: stateless.
 */
public final class WordTokenizer {
    /** The small stop-word list (Lucene's classic English set). */
    public static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "but", "by", "for",
            "if", "in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
            "there", "these", "they", "this", "to", "was", "will", "with");

    private WordTokenizer() {
    }

    /** The terms of {@code text}, in order. */
    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            if (isHan(cp)) {
                int start = i;
                int prev = -1;
                while (i < n && isHan(text.codePointAt(i))) {
                    int c = text.codePointAt(i);
                    out.add(new String(Character.toChars(c)));
                    if (prev >= 0) {
                        out.add(new String(Character.toChars(prev)) + new String(Character.toChars(c)));
                    }
                    prev = c;
                    i += Character.charCount(c);
                }
                if (i == start) {
                    i++;
                }
            } else if (isWord(cp)) {
                int start = i;
                while (i < n) {
                    int c = text.codePointAt(i);
                    if (!isWord(c) || isHan(c)) {
                        break;
                    }
                    i += Character.charCount(c);
                }
                String w = text.substring(start, i).toLowerCase(Locale.ROOT);
                if (!STOP_WORDS.contains(w)) {
                    out.add(w);
                }
            } else {
                i += Character.charCount(cp);
            }
        }
        return out;
    }

    private static boolean isHan(int cp) {
        return Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN;
    }

    /** Python's Unicode {@code \w}: letters, digits (and other numerics), marks and underscore. */
    private static boolean isWord(int cp) {
        if (cp == '_') {
            return true;
        }
        int t = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER
                || t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.ENCLOSING_MARK;
    }
}
